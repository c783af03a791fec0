"""Client of the phonecalls connector's ``calls`` endpoint, and the calls as the widget sees them.

Combo asks Passerelle server-side, so the browser never holds a Passerelle
credential: the request is signed with Publik's inter-service signature when
the connector URL belongs to a known Passerelle service
(``settings.KNOWN_SERVICES['passerelle']``), or carries the cell's API key
otherwise. Every way the connector can fail becomes a ``ConnectorError``
with a message for the agent and the HTTP status the poll view answers with;
the request is bounded in time and in size so a poll never hangs.
"""

import functools
import json
import logging
import threading
import time
import urllib.parse

import phonenumbers
import requests
import urllib3
from django.conf import settings
from django.utils.translation import gettext as _

from .signature import sign_url

logger = logging.getLogger(__name__)

# Seconds; overridable with settings.PHONE_CALL_CELL_TIMEOUT. Short because
# the widget polls every few seconds and an agent is waiting.
DEFAULT_TIMEOUT = 3
# The connector's answer is a few kilobytes; anything much bigger is a fault.
MAX_ANSWER_BYTES = 1024 * 1024
MAX_ERROR_LENGTH = 200
MAX_STRING_LENGTH = 128
# Region whose numbers are displayed in national form; overridable with
# settings.PHONE_CALL_CELL_REGION.
DEFAULT_REGION = 'FR'

SEARCH_VALUE_FORMATS = ('national', 'e164', 'raw')


class ConnectorError(Exception):
    """The connector could not give the calls.

    ``state`` is ``config_error`` (needs an administrator) or ``unavailable``
    (temporary); ``reason`` is short English for the log; ``message`` is
    translated and meant for the agent; ``http_status`` is what the poll view
    answers (502 for a bad or missing answer, 504 for a timeout).
    """

    def __init__(self, message, http_status=502, state='config_error', reason=''):
        super().__init__(message)
        self.message = message
        self.http_status = http_status
        self.state = state
        self.reason = reason


_local = threading.local()


def http_session():
    """The requests session of this thread, kept from one poll to the next.

    Every agent's tab polls every few seconds: building a session, reading
    the proxy settings of the environment and opening a new (TLS) connection
    to Passerelle on each poll were a sizeable share of its cost. Connections
    are kept alive when Passerelle allows it; proxies from the environment
    are still honoured, read once per host (``proxies_for``); ``.netrc``
    files are not read (the request carries its own signature or key).
    """
    session = getattr(_local, 'session', None)
    if session is None:
        session = requests.Session()
        session.trust_env = False
        _local.session = session
    return session


@functools.lru_cache(maxsize=64)
def proxies_for(scheme, netloc):
    """The proxies the environment sets for ``scheme://netloc`` (``{}`` for none)."""
    return requests.utils.get_environ_proxies('%s://%s/' % (scheme, netloc))


def get_timeout():
    """Seconds allowed for a whole request to the connector."""
    return float(getattr(settings, 'PHONE_CALL_CELL_TIMEOUT', DEFAULT_TIMEOUT))


def _is_under(url, base):
    """True when ``url`` is on the same scheme and host as ``base`` and below its path.

    A bare ``startswith`` would also match ``https://passerelle.example.evil/``
    against ``https://passerelle.example`` and send it a request signed with
    the real secret.
    """
    url_parts = urllib.parse.urlsplit(url)
    base_parts = urllib.parse.urlsplit(base)
    if (url_parts.scheme.lower(), url_parts.netloc.lower()) != (
        base_parts.scheme.lower(),
        base_parts.netloc.lower(),
    ):
        return False
    base_path = base_parts.path if base_parts.path.endswith('/') else base_parts.path + '/'
    url_path = url_parts.path if url_parts.path.endswith('/') else url_parts.path + '/'
    return url_path.startswith(base_path)


def known_service(url):
    """Return the known Passerelle service ``url`` belongs to (longest match), or None."""
    services = (getattr(settings, 'KNOWN_SERVICES', None) or {}).get('passerelle') or {}
    matches = [
        service
        for service in services.values()
        if isinstance(service, dict) and service.get('url') and _is_under(url, service['url'])
    ]
    if not matches:
        return None
    return max(matches, key=lambda service: len(service['url']))


def calls_url(cell, extension, limit):
    """Return the URL of the connector's ``calls`` endpoint for ``extension``, authenticated.

    The result holds a signature or an API key: never log it.
    """
    parts = urllib.parse.urlsplit(cell.connector_url.strip())
    path = parts.path if parts.path.endswith('/') else parts.path + '/'
    params = [('callee', extension), ('limit', str(limit))]
    service = known_service(cell.connector_url.strip())
    if service is not None:
        params.append(('orig', service.get('orig') or ''))
    elif cell.api_key:
        params.append(('apikey', cell.api_key))
    url = urllib.parse.urlunsplit(
        (parts.scheme, parts.netloc, path + 'calls', urllib.parse.urlencode(params), '')
    )
    if service is not None:
        url = sign_url(url, service.get('secret') or '')
    return url


def _loggable_url(url):
    """``url`` without user info, query or fragment: what may be logged of a connector URL."""
    try:
        parts = urllib.parse.urlsplit(url)
        return urllib.parse.urlunsplit((parts.scheme, parts.hostname or '', parts.path, '', ''))
    except ValueError:
        return '(invalid URL)'


def _log_failure(cell, reason):
    # Only the configured base URL: the request URL carries a signature or a key.
    logger.warning('phone call cell %s: connector %s: %s', cell.pk, _loggable_url(cell.connector_url), reason)


def _body_chunks(response):
    """The answer's body as it arrives, so the deadline is checked while a slow server trickles."""
    raw = response.raw
    if hasattr(raw, 'read1'):
        # urllib3 >= 2: returns as soon as some bytes are there.
        while True:
            chunk = raw.read1(64 * 1024)
            if not chunk:
                return
            yield chunk
    else:
        # Older urllib3 blocks until a chunk is full: keep chunks small.
        yield from response.iter_content(chunk_size=1024)


def _read_answer(cell, response, deadline, timeout):
    declared = response.headers.get('Content-Length', '')
    if declared.isdigit() and int(declared) > MAX_ANSWER_BYTES:
        _log_failure(cell, f'answer too large ({declared} bytes declared)')
        raise ConnectorError(_('The telephony connector answer is too large.'), reason='answer too large')
    chunks = []
    size = 0
    for chunk in _body_chunks(response):
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            _log_failure(cell, 'answer too large')
            raise ConnectorError(_('The telephony connector answer is too large.'), reason='answer too large')
        if time.monotonic() > deadline:
            raise _timeout_error(cell, timeout)
        chunks.append(chunk)
    return b''.join(chunks)


def _timeout_error(cell, timeout):
    _log_failure(cell, 'timeout')
    return ConnectorError(
        _('The telephony connector did not answer within %s seconds.') % (f'{timeout:g}'),
        http_status=504,
        state='unavailable',
        reason='timeout',
    )


def _unexpected_answer(cell, reason):
    _log_failure(cell, reason)
    return ConnectorError(_('The telephony connector gave an unexpected answer.'), reason=reason)


def _get_body(cell, url, proxies, deadline, timeout):
    """The body of the connector's answer to ``url``, read before ``deadline``."""
    remaining = max(0.001, deadline - time.monotonic())
    with http_session().get(
        url,
        timeout=(remaining, remaining),
        stream=True,
        proxies=proxies,
        # A redirect would carry the signed URL to another place.
        allow_redirects=False,
        # Compressed answers could inflate far beyond the size cap.
        headers={'Accept': 'application/json', 'Accept-Encoding': 'identity'},
    ) as response:
        if response.status_code != 200:
            reason = f'HTTP status {response.status_code}'
            _log_failure(cell, reason)
            raise ConnectorError(
                _('The telephony connector answered with HTTP status %s.') % response.status_code,
                state='unavailable' if response.status_code >= 500 else 'config_error',
                reason=reason,
            )
        return _read_answer(cell, response, deadline, timeout)


def fetch_calls(cell, extension, limit):
    """Ask the connector for the calls of ``extension``; return ``(current, past)`` lists of call dicts.

    ``limit`` bounds the number of past calls. Raises ``ConnectorError`` on
    any failure: not configured, unreachable, timeout, HTTP error status,
    oversized, invalid or unexpected answer, or ``err`` set by the connector.
    """
    if not cell.connector_url.strip():
        raise ConnectorError(
            _('No telephony connector is configured for this cell.'), reason='no connector URL'
        )
    try:
        url = calls_url(cell, extension, limit)
    except ValueError:
        _log_failure(cell, 'invalid connector URL')
        raise ConnectorError(
            _('The telephony connector could not be reached.'), reason='invalid connector URL'
        ) from None
    timeout = get_timeout()
    deadline = time.monotonic() + timeout
    parts = urllib.parse.urlsplit(url)
    proxies = proxies_for(parts.scheme, parts.netloc)
    # A kept-alive connection may have been closed by Passerelle just as it
    # was reused: one more attempt on a fresh connection, within the deadline.
    for attempt in (1, 2):
        try:
            body = _get_body(cell, url, proxies, deadline, timeout)
            break
        except requests.Timeout:
            raise _timeout_error(cell, timeout) from None
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            # A read timeout while streaming the body surfaces as a ConnectionError.
            if time.monotonic() >= deadline:
                raise _timeout_error(cell, timeout) from None
            if attempt == 1 and isinstance(exc, requests.ConnectionError):
                continue
            reason = f'unreachable ({type(exc).__name__})'
            _log_failure(cell, reason)
            raise ConnectorError(
                _('The telephony connector could not be reached.'), state='unavailable', reason=reason
            ) from None

    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        _log_failure(cell, 'invalid JSON')
        raise ConnectorError(
            _('The telephony connector answer is not valid JSON.'), reason='invalid JSON'
        ) from None
    if not isinstance(payload, dict):
        raise _unexpected_answer(cell, 'answer is not an object')
    if payload.get('err'):
        desc = str(payload.get('err_desc') or '')[:MAX_ERROR_LENGTH]
        _log_failure(cell, f'err {desc!r}')
        raise ConnectorError(
            _('The telephony connector reported an error: %s') % desc, reason='err set by the connector'
        )
    data = payload.get('data')
    if not isinstance(data, dict):
        raise _unexpected_answer(cell, 'no data object')
    current = data.get('current')
    past = data.get('past', [])
    if not isinstance(current, list) or not isinstance(past, list):
        raise _unexpected_answer(cell, 'current or past is not a list')
    for call in current + past:
        if not isinstance(call, dict) or not isinstance(call.get('id'), (int, str)):
            raise _unexpected_answer(cell, 'a call is not an object with an id')
    return current, past


def _text(value):
    """The connector's string ``value`` bounded in length, or None when absent or not a scalar."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    value = str(value).strip()
    return value[:MAX_STRING_LENGTH] or None


def _digits(raw):
    """The caller as dialled digits, keeping a leading ``+``; None when there are no digits."""
    if not raw:
        return None
    digits = ''.join(char for char in raw if char.isascii() and char.isdigit())
    if not digits:
        return None
    return '+' + digits if raw.startswith('+') else digits


def search_value(call, value_format):
    """The value typed into the search box for the connector's ``call``, or None.

    ``value_format`` is the cell's ``search_value_format``: ``national``
    (the connector's national digits, e.g. ``0143250135``), ``e164``
    (``+33143250135``) or ``raw`` (the caller as the IPBX sent it). When the
    connector could not normalise the number, the caller's digits are used.
    A withheld number is never typed.
    """
    if call.get('withheld'):
        return None
    raw = _text(call.get('caller'))
    if value_format == 'raw':
        return raw
    field = 'caller_e164' if value_format == 'e164' else 'caller_national'
    return _text(call.get(field)) or _digits(raw)


def caller_display(call):
    """The caller as shown to the agent: '01 43 25 01 35', '+44 20 7946 0958' or 'Withheld number'."""
    if call.get('withheld'):
        return _('Withheld number')
    raw = _text(call.get('caller')) or ''
    e164 = _text(call.get('caller_e164'))
    if e164:
        return _display_e164(e164, getattr(settings, 'PHONE_CALL_CELL_REGION', DEFAULT_REGION)) or raw or e164
    return raw


# Each poll displays the same few recent callers again: format each number once.
@functools.lru_cache(maxsize=4096)
def _display_e164(e164, region):
    """``e164`` written the way ``region`` writes its own numbers, else internationally; None if unparsable."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return None
    if number.country_code == phonenumbers.country_code_for_region(region):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def widget_call(call, value_format, ended=False):
    """The connector's ``call`` reduced to what the widget needs (``end`` only for ended calls)."""
    data = {
        'id': call['id'],
        'caller_display': caller_display(call),
        'search_value': search_value(call, value_format),
        'withheld': bool(call.get('withheld')),
        'start': _text(call.get('start')),
    }
    if ended:
        data['end'] = _text(call.get('end'))
    return data
