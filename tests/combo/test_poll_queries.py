"""What one poll of the cell costs Combo: database queries, and connections to Passerelle.

Every open agent portal polls every few seconds, all day: the counts here are
paid on each poll. Two queries are the host's (the session and its user).
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from combo_phone_cell import connector as connector_client

pytestmark = pytest.mark.django_db


def poll_url(cell):
    return f'/api/phone-call-cell/{cell.pk}/poll/'


@pytest.fixture
def agent_on_42(agent, extension_factory):
    extension_factory(agent, '42')
    return agent


def ended_call(call_factory, call_id):
    return call_factory(id=call_id, end='2024-03-14T09:15:03+01:00', duration=180)


def test_poll_costs_six_queries(
    agent_app, agent_on_42, cell, connector, call_factory, django_assert_num_queries
):
    connector.current = [call_factory()]
    connector.past = [ended_call(call_factory, 10 + index) for index in range(5)]
    agent_app.get(poll_url(cell))
    # Session, user, cell with its page, the cell's roles, the page's roles, the agent's extension.
    with django_assert_num_queries(6):
        data = agent_app.get(poll_url(cell)).json['data']
    assert data['current'][0]['search_value'] == '0143250135'
    assert len(data['recent']) == 5


def test_poll_costs_the_same_with_twenty_recent_calls(
    agent_app, agent_on_42, cell_factory, connector, call_factory, django_assert_num_queries
):
    cell = cell_factory(recent_calls=20)
    connector.past = [ended_call(call_factory, 10 + index) for index in range(20)]
    agent_app.get(poll_url(cell))
    with django_assert_num_queries(6):
        data = agent_app.get(poll_url(cell)).json['data']
    assert len(data['recent']) == 20


def test_poll_of_an_agent_without_extension_costs_the_same_and_skips_passerelle(
    agent_app, agent, cell, connector, django_assert_num_queries
):
    agent_app.get(poll_url(cell))
    with django_assert_num_queries(6):
        data = agent_app.get(poll_url(cell)).json['data']
    assert data['extension'] is None
    assert connector.received == []


class KeepAliveConnector:
    """A phonecalls connector speaking HTTP/1.1 with keep-alive; counts the connections it accepts.

    With ``drop_first`` the first connection is closed without an answer, as
    a server closing an idle kept-alive connection just as it is reused.
    """

    def __init__(self, drop_first=False):
        self.connections = 0
        self.requests = 0
        self.drop_first = drop_first
        self.server = ThreadingHTTPServer(('127.0.0.1', 0), KeepAliveHandler)
        self.server.daemon_threads = True
        self.server.connector = self
        self.base_url = f'http://127.0.0.1:{self.server.server_address[1]}/phonecalls/ipbx/'
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)


class KeepAliveHandler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, format, *args):
        pass

    def setup(self):
        super().setup()
        self.server.connector.connections += 1
        self.drop = self.server.connector.drop_first and self.server.connector.connections == 1

    def do_GET(self):
        if self.drop:
            self.close_connection = True
            return
        self.server.connector.requests += 1
        body = json.dumps({'err': 0, 'data': {'current': [], 'past': []}}).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def keep_alive_connector():
    def start(**options):
        fake = KeepAliveConnector(**options)
        fake.thread.start()
        servers.append(fake)
        return fake

    servers = []
    yield start
    for fake in servers:
        fake.server.shutdown()
        fake.server.server_close()
    # Connections kept by this thread's session point at servers that are gone.
    connector_client.http_session().close()


def test_successive_polls_reuse_one_connection_to_passerelle(
    agent_app, agent_on_42, cell_factory, keep_alive_connector
):
    fake = keep_alive_connector()
    cell = cell_factory(connector_url=fake.base_url)
    for _ in range(3):
        assert agent_app.get(poll_url(cell)).json['err'] == 0
    assert (fake.requests, fake.connections) == (3, 1)


def test_connection_closed_without_answer_is_tried_again_once(
    agent_app, agent_on_42, cell_factory, keep_alive_connector
):
    fake = keep_alive_connector(drop_first=True)
    cell = cell_factory(connector_url=fake.base_url)
    response = agent_app.get(poll_url(cell))
    assert response.json == {'err': 0, 'state': 'ok', 'data': {'extension': '42', 'current': [], 'recent': []}}
    assert (fake.requests, fake.connections) == (1, 2)


def test_connector_refusing_connections_is_still_a_502(agent_app, agent_on_42, cell_factory, closed_port_url):
    cell = cell_factory(connector_url=closed_port_url)
    response = agent_app.get(poll_url(cell), status=502)
    assert response.json['err'] == 1
