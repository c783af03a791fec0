"""The link to the connector below HTTP answers: a redirect, a connection cut in the middle of the answer,
the connector coming back after being down, and kept-alive connections reused or closed under a request.

Each needs a server that misbehaves below the HTTP answer the fake connector
of conftest.py can be told to give, so this module has its own.
"""

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from combo_phone_cell import client

pytestmark = pytest.mark.django_db

# What a poll may take beyond the configured timeout: the request set-up and the test machine.
MARGIN = 1.5
CALLS = b'{"err": 0, "data": {"current": [], "past": []}}'


class Recorder(BaseHTTPRequestHandler):
    """Answers every GET with ``server.answer(handler)``; keeps the request paths in ``server.received``."""

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        self.server.received.append(self.path)
        self.server.answer(self)


def serve(answer, port=0):
    server = ThreadingHTTPServer(('127.0.0.1', port), Recorder)
    server.daemon_threads = True
    server.received = []
    server.answer = answer
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server


@pytest.fixture
def servers():
    started = []

    def start(answer, port=0):
        server = serve(answer, port)
        started.append(server)
        return server

    yield start
    for server in started:
        server.shutdown()
        server.server_close()


def url_of(server):
    return f'http://127.0.0.1:{server.server_address[1]}/phonecalls/ipbx/'


def send(handler, status, body, headers=()):
    handler.send_response(status)
    for name, value in headers:
        handler.send_header(name, value)
    handler.send_header('Content-Type', 'application/json')
    handler.send_header('Content-Length', str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture
def poll(agent_app, agent, extension_factory):
    """Poll ``cell`` as the agent (extension 42), in English; returns (response, seconds taken)."""
    extension_factory(agent, '42')

    def do_poll(cell, status=200):
        start = time.monotonic()
        response = agent_app.get(
            f'/api/phone-call-cell/{cell.pk}/poll/', status=status, headers={'Accept-Language': 'en'}
        )
        assert response.content_type == 'application/json'
        assert 'no-store' in response.headers['Cache-Control']
        return response, time.monotonic() - start

    return do_poll


@pytest.mark.parametrize('status', [301, 302, 307, 308])
def test_connector_redirect_is_not_followed_so_the_signed_url_goes_nowhere_else(
    poll, cell_factory, servers, known_passerelle, status
):
    elsewhere = servers(lambda handler: send(handler, 200, CALLS))
    target = url_of(elsewhere) + 'calls?callee=42'
    redirecting = servers(lambda handler: send(handler, status, b'', [('Location', target)]))
    # The redirecting server is a known Passerelle: the poll to it is signed.
    known_passerelle['url'] = f'http://127.0.0.1:{redirecting.server_address[1]}/'
    cell = cell_factory(connector_url=url_of(redirecting))

    response, _seconds = poll(cell, 502)

    assert response.json['state'] == 'config_error'
    assert 'signature=' in redirecting.received[0]
    assert elsewhere.received == []


def test_connection_cut_in_the_middle_of_the_answer_is_a_quick_502(
    poll, cell_factory, servers, short_timeout
):
    def cut(handler):
        handler.send_response(200)
        handler.send_header('Content-Type', 'application/json')
        handler.send_header('Content-Length', str(len(CALLS)))
        handler.end_headers()
        handler.wfile.write(CALLS[:20])
        handler.wfile.flush()
        handler.connection.shutdown(socket.SHUT_RDWR)

    cell = cell_factory(connector_url=url_of(servers(cut)))

    response, seconds = poll(cell, 502)

    assert response.json['err'] == 1
    assert response.json['state'] in ('unavailable', 'config_error')
    assert seconds < short_timeout + MARGIN


def test_connection_closed_without_any_answer_is_a_quick_502(poll, cell_factory, servers, short_timeout):
    cell = cell_factory(
        connector_url=url_of(servers(lambda handler: handler.connection.shutdown(socket.SHUT_RDWR)))
    )

    response, seconds = poll(cell, 502)

    assert response.json['state'] == 'unavailable'
    assert seconds < short_timeout + MARGIN


def test_poll_works_again_as_soon_as_the_connector_is_back(poll, cell_factory, closed_port_url, servers):
    cell = cell_factory(connector_url=closed_port_url)
    poll(cell, 502)
    poll(cell, 502)

    port = int(closed_port_url.split(':')[2].split('/')[0])
    back = servers(lambda handler: send(handler, 200, CALLS), port=port)
    response, _seconds = poll(cell)

    assert response.json == {
        'err': 0,
        'state': 'ok',
        'data': {'extension': '42', 'current': [], 'recent': []},
    }
    assert len([path for path in back.received if '/calls?' in path]) == 1


class KeepAliveHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive; counts connections, and with ``drop_first`` closes the first one unanswered."""

    protocol_version = 'HTTP/1.1'

    def log_message(self, format, *args):
        pass

    def setup(self):
        super().setup()
        self.server.connections += 1
        self.drop = self.server.drop_first and self.server.connections == 1

    def do_GET(self):
        if self.drop:
            # As a server closing an idle kept-alive connection just as it is reused.
            self.close_connection = True
            return
        self.server.requests += 1
        send(self, 200, CALLS)


@pytest.fixture
def keep_alive_connector():
    started = []

    def start(drop_first=False):
        server = ThreadingHTTPServer(('127.0.0.1', 0), KeepAliveHandler)
        server.daemon_threads = True
        server.connections = server.requests = 0
        server.drop_first = drop_first
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.shutdown()
        server.server_close()
    # Connections kept by the session point at servers that are gone.
    client.thread_session().close()


def test_successive_polls_reuse_one_connection_to_passerelle(poll, cell_factory, keep_alive_connector):
    server = keep_alive_connector()
    cell = cell_factory(connector_url=url_of(server))

    for _ in range(3):
        poll(cell)

    # The first poll also asks for the connector's changes, which this server does not serve.
    assert (server.requests, server.connections) == (4, 1)


def test_connection_closed_without_answer_is_tried_again_once(poll, cell_factory, keep_alive_connector):
    server = keep_alive_connector(drop_first=True)
    cell = cell_factory(connector_url=url_of(server))

    response, _seconds = poll(cell)

    assert response.json['state'] == 'ok'
    # The changes asked first, then the agent's calls, which this server only serves.
    assert (server.requests, server.connections) == (2, 2)


def test_slow_answer_is_never_asked_twice(poll, cell_factory, servers, short_timeout):
    def slow(handler):
        time.sleep(short_timeout * 3)
        send(handler, 200, CALLS)

    server = servers(slow)
    cell = cell_factory(connector_url=url_of(server))

    poll(cell, 504)

    assert len(server.received) == 1


def test_cookies_set_by_a_connector_are_never_sent_back(poll, cell_factory, servers):
    headers_seen = []

    def set_cookie(handler):
        headers_seen.append(handler.headers.get('Cookie'))
        send(handler, 200, CALLS, [('Set-Cookie', 'sessionid=abc; Path=/')])

    cell = cell_factory(connector_url=url_of(servers(set_cookie)))
    poll(cell)
    poll(cell)

    assert len(headers_seen) >= 2
    assert headers_seen == [None] * len(headers_seen)
