"""The phonecalls connector's ``calls`` endpoint, asked server-side, and its calls as the widget sees them.

Combo asks Passerelle, so the browser never holds a Passerelle credential:
the request is signed with Publik's signature when the connector URL is on a
known Passerelle service, or carries the cell's API key otherwise. Every
way it can fail becomes a ``ConnectorError`` whose cause, a row of
``failures.CAUSES``, says whether an administrator must act
(``config_error``) or the link should come back (``unavailable``).
The connector decides what each caller is (contract A: ``kind``,
``caller_display``, ``caller_national``, ``caller_e164``); the cell only
chooses which of its fields to type, and never parses a number.
"""

import urllib.parse

from . import client
from .failures import ConnectorError

MAX_ERROR_LENGTH = 200
MAX_STRING_LENGTH = 128
KINDS = ('external', 'internal', 'withheld', 'unreadable')


def credential(connector_url, api_key):
    """How a cell authenticates to the connector at ``connector_url``.

    ``('signature', service)`` on a known Passerelle service, else ``('key',
    None)`` when ``api_key`` is set, else ``(None, None)``: no credential.
    """
    service = client.known_service('passerelle', connector_url.strip())
    if service is not None:
        return 'signature', service
    if api_key:
        return 'key', None
    return None, None


def endpoint_url(cell, name, params):
    """The URL of the connector's endpoint ``name`` with the query ``params``, authenticated: never log it."""
    parts = urllib.parse.urlsplit(cell.connector_url.strip())
    path = parts.path if parts.path.endswith('/') else parts.path + '/'
    params = list(params)
    kind, service = credential(cell.connector_url, cell.api_key)
    if kind == 'key':
        params.append(('apikey', cell.api_key))
    url = urllib.parse.urlunsplit(
        (parts.scheme, parts.netloc, path + name, urllib.parse.urlencode(params), '')
    )
    return client.signed_url(url, service) if kind == 'signature' else url


def calls_url(cell, extension, limit):
    """The URL of the connector's ``calls`` endpoint for ``extension``, authenticated: never log it."""
    return endpoint_url(cell, 'calls', [('callee', extension), ('limit', str(limit))])


def changes_url(cell, since):
    """The URL of the connector's ``changes`` endpoint after the cursor ``since``, authenticated: never log it."""
    return endpoint_url(cell, 'changes', [('since', since)] if since else [])


def _is_call(call):
    return (
        isinstance(call, dict) and isinstance(call.get('id'), (int, str)) and not isinstance(call['id'], bool)
    )


def _read_data(answer):
    """The ``data`` of the connector's successful ``answer``; raises ConnectorError for any other answer."""
    status, payload = answer.status, answer.json()
    desc = str(payload.get('err_desc') or '')[:MAX_ERROR_LENGTH] if isinstance(payload, dict) else ''

    def fail(cause, reason):
        raise ConnectorError(cause, reason, status, desc)

    # In the order Passerelle checks a request: instance, access, then the endpoint's answer.
    if 300 <= status < 400:
        fail('redirect', f'HTTP status {status} (redirect, not followed)')
    if status >= 500:
        fail('server_error', f'HTTP status {status}')
    is_passerelle_error = isinstance(payload, dict) and 'err' in payload
    if status in (401, 403):
        fail('refused', f'HTTP status {status} (access refused)')
    if status == 404:
        if is_passerelle_error:
            fail('no_connector', 'HTTP status 404 (no such connector)')
        fail('not_found', 'HTTP status 404 (not Passerelle)')
    if status != 200:
        if is_passerelle_error:
            fail('connector_error', f'HTTP status {status}, err {desc!r}')
        fail('http_error', f'HTTP status {status}')
    if payload is None:
        fail('not_json', 'invalid JSON')
    if isinstance(payload, dict) and payload.get('err'):
        fail('connector_error', f'err {desc!r}')
    return payload.get('data') if isinstance(payload, dict) else None


def _check_calls(calls):
    """Raise ConnectorError unless ``calls`` is a list of contract A calls."""
    if not isinstance(calls, list) or not all(map(_is_call, calls)):
        raise ConnectorError('not_phonecalls', 'not a phonecalls answer')
    if any('kind' not in call for call in calls):
        raise ConnectorError('too_old', 'calls without kind (connector too old)')


def _read_calls(answer):
    """The ``(current, past)`` calls of the connector's ``answer``; raises ConnectorError for any other answer."""
    data = _read_data(answer)
    current = data.get('current') if isinstance(data, dict) else None
    past = data.get('past', []) if isinstance(data, dict) else None
    _check_calls(current)
    _check_calls(past)
    return current, past


def _read_changes(answer):
    """The ``(cursor, current, ended, complete)`` of the connector's ``changes`` answer; else ConnectorError."""
    data = _read_data(answer)
    if not isinstance(data, dict) or not isinstance(data.get('cursor'), str):
        raise ConnectorError('not_phonecalls', 'not a changes answer', answer.status)
    current, ended = data.get('current'), data.get('ended', [])
    _check_calls(current)
    _check_calls(ended)
    if not all(isinstance(call.get('callee'), str) for call in current + ended):
        raise ConnectorError('not_phonecalls', 'changes without callee', answer.status)
    return data['cursor'], current, ended, data.get('complete') is not False


def _ask(cell, build_url):
    """The connector's answer to the URL ``build_url()`` makes for ``cell``; raises ConnectorError."""
    if not cell.connector_url.strip():
        raise ConnectorError('no_url', 'no connector URL')
    try:
        url = build_url()
    except ValueError:
        raise ConnectorError('invalid_url', 'invalid connector URL') from None
    try:
        return client.get(url)
    except client.TransportError as error:
        raise ConnectorError(error.kind, error.reason) from None


def fetch_calls(cell, extension):
    """Ask the connector for the calls of ``extension``; return its ``(current, past)`` lists of call dicts.

    ``past`` holds at most the cell's ``recent_calls`` (the connector is
    asked for at least one, its smallest limit). Raises ``ConnectorError`` on
    any failure; the poll's health record logs it (``health.record``).
    """
    answer = _ask(cell, lambda: calls_url(cell, extension, cell.recent_calls or 1))
    current, past = _read_calls(answer)
    return current, past[: cell.recent_calls]


def fetch_changes(cell, since):
    """Ask the connector for its current calls and the calls ended since ``since`` (a cursor, or None).

    Returns ``(cursor, current, ended, complete)``: the cursor to pass next
    time, every open call, the calls ended since the cursor, and whether
    both lists are whole. Raises ``ConnectorError``; a connector older than
    this endpoint answers it as an unknown endpoint (``no_connector``,
    ``not_found``...): ``snapshot`` then asks ``calls`` per agent.
    """
    return _read_changes(_ask(cell, lambda: changes_url(cell, since)))


def describe_failure(cell, error):
    """One line for the log about ``error``: the cell, the connector's base URL (port included), the reason.

    Never the query, which holds the signature or the key.
    """
    return f'phone call cell {cell.pk}: connector {client.loggable_url(cell.connector_url)}: {error.reason}'


def _text(value):
    """The connector's string ``value`` bounded in length, or None when absent or not a scalar."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    value = str(value).strip()
    return value[:MAX_STRING_LENGTH] or None


def _seconds(value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def search_value(call, value_format):
    """The value typed into the search for the connector's ``call``: only for an ``external`` caller, else None.

    ``value_format`` is the cell's ``search_value_format``: ``national`` (the
    connector's national digits, ``0143250135``, or E.164 for a foreign
    number), ``e164`` (``+33143250135``) or ``raw`` (the caller as the IPBX
    sent it).
    """
    if call.get('kind') != 'external':
        return None
    if value_format == 'raw':
        return _text(call.get('caller'))
    if value_format == 'e164':
        return _text(call.get('caller_e164'))
    return _text(call.get('caller_national')) or _text(call.get('caller_e164'))


def widget_call(call, value_format):
    """The connector's ``call`` as the widget receives it (a ``WCall`` of the poll's answer).

    A kind this cell does not know (from a newer connector) is shown as
    ``unreadable``: as text, nothing typed.
    """
    kind = call.get('kind') if call.get('kind') in KINDS else 'unreadable'
    display = None
    if kind != 'withheld':
        display = _text(call.get('caller_display')) or _text(call.get('caller'))
    return {
        'id': call['id'],
        'kind': kind,
        'caller_display': display,
        'search_value': search_value(call, value_format),
        'start': _text(call.get('start')),
        'end': _text(call.get('end')),
        'duration': _seconds(call.get('duration')),
        'on_call_with': _other_call(call.get('on_call_with'), value_format),
        'transferred_from': _text(call.get('transferred_from')),
    }


def _other_call(other, value_format):
    """The external call the internal caller of a call is on (contract B ``on_call_with``), or None.

    Read defensively: a connector that does not give it, or gives anything
    but an external call, gives None.
    """
    if not isinstance(other, dict) or other.get('kind', 'external') != 'external':
        return None
    other = {**other, 'kind': 'external'}
    display = _text(other.get('caller_display'))
    value = search_value(other, value_format)
    if display is None and value is None:
        return None
    return {'caller_display': display, 'search_value': value}
