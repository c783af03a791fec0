"""A small HTTP proxy between Kamailio and the demo's connector, to make Publik slow or down.

Kamailio is pointed at this proxy instead of the demo server. By default it
forwards every webhook at once and unchanged; a test can make it wait before
forwarding (a slow Publik) or answer 502 without forwarding (Publik down
behind its web server, as nginx answers when Passerelle is stopped). Every
webhook is recorded with the moment it arrived, so that tests can tell what
the phone system sent, when, and how often.
"""

import dataclasses
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from tests.ipbx.lab import HOST

BAD_GATEWAY = b'<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>'


@dataclasses.dataclass
class Webhook:
    """One request received from the phone system, and what the proxy answered."""

    received: float  # Unix time the request arrived
    event: str  # last path segment: call-start, call-stop
    params: dict  # query parameters, decoded, one value each
    query: str  # the query string as sent
    authorization: str
    status: int = 0  # HTTP status answered to the phone system (0 while in progress)
    answered: float = 0.0  # Unix time the answer was sent
    body: bytes = b''
    abandoned: bool = False  # the phone system closed the connection before the answer

    @property
    def call_id(self):
        return self.params.get('call_id')


class Publik:
    """The proxy; ``delays`` (event name to seconds) and ``down`` are set by the tests."""

    def __init__(self, upstream):
        self.upstream = upstream.rstrip('/')
        self.delays = {}
        self.down = False
        self.webhooks = []
        self._changed = threading.Condition()
        self.server = ThreadingHTTPServer((HOST, 0), self._handler_class())
        self.server.daemon_threads = True
        self.url = 'http://%s:%d' % (HOST, self.server.server_address[1])
        self._thread = threading.Thread(target=self.server.serve_forever, name='publik-proxy', daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)

    def reset(self):
        """Back to a prompt Publik that is up."""
        self.delays = {}
        self.down = False

    def hits(self, call_id=None, event=None):
        """The webhooks received so far, optionally only those of one call and one event."""
        with self._changed:
            return [
                hook
                for hook in self.webhooks
                if (call_id is None or hook.call_id == call_id) and (event is None or hook.event == event)
            ]

    def wait_for(self, predicate, timeout, what):
        """Wait until ``predicate(webhooks)`` is true; fail the test with ``what`` after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(self.webhooks):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        'after %ss, still waiting for %s; webhooks: %r' % (timeout, what, self.webhooks)
                    )
                self._changed.wait(left)

    def wait_answered(self, call_id, event, count=1, timeout=15):
        """Wait until ``count`` ``event`` webhooks of ``call_id`` have been answered; return them."""
        self.wait_for(
            lambda hooks: (
                sum(1 for h in hooks if h.call_id == call_id and h.event == event and h.status) >= count
            ),
            timeout,
            '%d answered %s of %s' % (count, event, call_id),
        )
        return self.hits(call_id, event)

    def _record(self, hook):
        with self._changed:
            self.webhooks.append(hook)
            self._changed.notify_all()

    def _answered(self, hook, status, body):
        with self._changed:
            hook.status, hook.body, hook.answered = status, body, time.time()
            self._changed.notify_all()

    def _handler_class(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.0'

            def do_GET(self):
                received = time.time()
                parts = urlsplit(self.path)
                hook = Webhook(
                    received=received,
                    event=parts.path.rstrip('/').rsplit('/', 1)[-1],
                    params={name: values[0] for name, values in parse_qs(parts.query).items()},
                    query=parts.query,
                    authorization=self.headers.get('Authorization', ''),
                )
                proxy._record(hook)
                if proxy.down:
                    status, body, content_type = 502, BAD_GATEWAY, 'text/html'
                else:
                    time.sleep(proxy.delays.get(hook.event, 0))
                    status, body, content_type = self.forward()
                try:
                    self.send_response(status)
                    self.send_header('Content-Type', content_type)
                    self.send_header('Content-Length', str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    # The phone system stopped waiting (its timeout): Publik
                    # did handle the request all the same.
                    hook.abandoned = True
                proxy._answered(hook, status, body)

            def forward(self):
                request = urllib.request.Request(proxy.upstream + self.path)
                if self.headers.get('Authorization'):
                    request.add_header('Authorization', self.headers['Authorization'])
                try:
                    with urllib.request.urlopen(request, timeout=30) as answer:
                        return answer.status, answer.read(), answer.headers.get('Content-Type', '')
                except urllib.error.HTTPError as error:
                    return error.code, error.read(), error.headers.get('Content-Type', '')

            def log_message(self, *args):
                pass

        return Handler
