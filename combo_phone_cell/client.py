"""The cell's HTTP client for Publik services (Passerelle, w.c.s.): bounded, signed, never redirected.

One ``requests.Session`` per thread, built on the thread's first request
rather than at import (a server that imports the app and then forks its
workers shares no connection between them), keeps connections alive from one
poll to the next (each agent's browser polls every few seconds). Its adapter
retries once a request whose kept-alive connection the server had just
closed, and never a request that was merely slow: the agent is waiting.
The environment is read as requests does (``trust_env``: proxies, CA
bundle); cookies are never kept, so no answer can change what the next
agent's request carries. Every answer is bounded in time and in size, and
redirects are not followed: a signed URL must not be carried elsewhere.
"""

import http.cookiejar
import json
import threading
import time
import urllib.parse

import requests
import urllib3
from django.conf import settings
from requests.adapters import HTTPAdapter

from . import host
from .signature import sign_url

# Seconds; overridable with settings.PHONE_CALL_CELL_TIMEOUT. Short because
# the widget polls every few seconds and an agent is waiting.
DEFAULT_TIMEOUT = 3
# The services' answers are a few kilobytes; anything much bigger is a fault.
MAX_ANSWER_BYTES = 1024 * 1024
_local = threading.local()


class ResetRetry(urllib3.util.Retry):
    """Retry once a connection closed under the request, never a timeout."""

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if isinstance(error, urllib3.exceptions.TimeoutError):
            raise error
        return super().increment(method, url, response, error, _pool, _stacktrace)


def thread_session():
    """This thread's session: requests does not promise that a session is safe to share between threads."""
    if getattr(_local, 'session', None) is None:
        _local.session = build_session()
    return _local.session


def build_session():
    session = requests.Session()
    adapter = HTTPAdapter(
        max_retries=ResetRetry(
            total=1, connect=0, read=1, status=0, other=0, redirect=0, raise_on_status=False
        )
    )
    session.mount('http://', adapter)
    session.mount('https://', adapter)
    session.cookies = requests.cookies.RequestsCookieJar(
        policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[])
    )
    return session


class TransportError(Exception):
    """No usable answer: ``kind`` is ``timeout``, ``unreachable`` or ``too_large``; ``reason`` is for the log."""

    def __init__(self, kind, reason):
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


class Answer:
    """An HTTP answer read whole: ``status``, ``body`` (bytes), ``location`` (of a redirect, or '')."""

    def __init__(self, status, body, location=''):
        self.status = status
        self.body = body
        self.location = location

    def json(self):
        """The body read as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError):
            return None


def get_timeout():
    """Seconds allowed for a whole request to a Publik service."""
    return float(getattr(settings, 'PHONE_CALL_CELL_TIMEOUT', DEFAULT_TIMEOUT))


def loggable_url(url):
    """``url`` without user info, query or fragment (which may hold a key or a signature): what a log may say."""
    try:
        parts = urllib.parse.urlsplit(url)
        netloc = parts.hostname or ''
        if ':' in netloc:
            netloc = f'[{netloc}]'
        if parts.port is not None:
            netloc = f'{netloc}:{parts.port}'
        return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, '', ''))
    except ValueError:
        return '(invalid URL)'


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


def known_service(kind, url):
    """The known service of ``kind`` that ``url`` belongs to (the longest match), or None."""
    try:
        matches = [service for service in host.known_services(kind).values() if _is_under(url, service.url)]
    except ValueError:
        return None
    if not matches:
        return None
    return max(matches, key=lambda service: len(service.url))


def signed_url(url, service):
    """``url`` with the ``orig`` of ``service`` (a ``host.Service``) added and signed with its secret (never log it)."""
    parts = urllib.parse.urlsplit(url)
    params = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    params.append(('orig', service.orig))
    url = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(params)))
    return sign_url(url, service.secret)


def _body_chunks(response, deadline):
    """The answer's body as it arrives, each read bounded by the time left before ``deadline``.

    A server that trickles its answer must not hold the agent's poll (and a
    Combo worker) past the deadline: every read returns what has arrived,
    never waits for a fixed amount, and the socket's own timeout is the time
    left, so a pause after the first bytes is cut at the deadline too.
    """
    raw = response.raw
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TransportError('timeout', 'timeout')
        # Looked up at each read: once the answer is whole, the connection is back
        # in the pool (and ``raw.connection`` is None), another request's to time.
        sock = getattr(raw.connection, 'sock', None)
        if sock is not None:
            sock.settimeout(remaining)
        if hasattr(raw, 'read1'):
            # urllib3 >= 2: returns as soon as some bytes are there.
            chunk = raw.read1(64 * 1024)
        else:
            # urllib3 1.26 (Debian 12) has no read1, and read(amt) waits for amt
            # bytes: ask for what the http.client response underneath already
            # holds (its peek reads the socket once at most), or one byte at its
            # end. Reading through urllib3 keeps its bookkeeping: the connection
            # goes back to the pool once the answer is whole.
            chunk = raw.read(len(raw._fp.peek()) or 1)
        if not chunk:
            return
        yield chunk


def _read(response, deadline):
    declared = response.headers.get('Content-Length', '')
    if declared.isdigit() and int(declared) > MAX_ANSWER_BYTES:
        raise TransportError('too_large', f'answer too large ({declared} bytes declared)')
    chunks = []
    size = 0
    for chunk in _body_chunks(response, deadline):
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise TransportError('too_large', 'answer too large')
        chunks.append(chunk)
    return b''.join(chunks)


def get(url):
    """GET ``url`` and read the whole answer within the cell's timeout and size bound.

    Returns an ``Answer`` whatever its status (a redirect is returned, not
    followed); raises ``TransportError`` when there is no usable answer.
    """
    timeout = get_timeout()
    deadline = time.monotonic() + timeout
    try:
        with thread_session().get(
            url,
            timeout=(timeout, timeout),
            stream=True,
            allow_redirects=False,
            # Compressed answers could inflate far beyond the size cap.
            headers={'Accept': 'application/json', 'Accept-Encoding': 'identity'},
        ) as response:
            body = _read(response, deadline)
            return Answer(response.status_code, body, response.headers.get('Location', ''))
    except urllib3.exceptions.NewConnectionError as exc:
        # Nothing listens there. (On urllib3 1.26 this is a subclass of its
        # TimeoutError, and ResetRetry lets it through unwrapped.)
        raise TransportError('unreachable', f'unreachable ({type(exc).__name__})') from None
    except (requests.Timeout, urllib3.exceptions.TimeoutError, TimeoutError):
        # Reading the body, urllib3 raises its own timeouts, or (peeking on
        # urllib3 1.26) the socket's.
        raise TransportError('timeout', 'timeout') from None
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
        # A connection cut by the server at the deadline is the deadline's doing.
        if time.monotonic() >= deadline:
            raise TransportError('timeout', 'timeout') from None
        raise TransportError('unreachable', f'unreachable ({type(exc).__name__})') from None
