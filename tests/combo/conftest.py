"""Fixtures of the cell tests: users, pages, cells, and a fake phonecalls connector over HTTP.

The cell tests need only Combo: the connector is a small local HTTP server
serving answers recorded from the phonecalls connector, and it can be told to
fail in every way a real one can.
"""

import json
import socket
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from combo.apps.search.models import SearchCell
from combo.data.models import Page
from django.contrib.auth.models import Group, User

from combo_phone_cell.models import AgentExtension, PhoneCallCell


@pytest.fixture
def app(django_app):
    """WebTest application on the Combo project."""
    return django_app


@pytest.fixture
def user_factory(db):
    def make_user(username='agent', groups=(), **overrides):
        overrides.setdefault('first_name', username.capitalize())
        # No password: WebTest logs users in directly, and hashing one is slow.
        user = User.objects.create_user(username=username, **overrides)
        for name in groups:
            user.groups.add(Group.objects.get_or_create(name=name)[0])
        return user

    return make_user


@pytest.fixture
def agent(user_factory):
    return user_factory('agent')


@pytest.fixture
def admin_user(user_factory):
    return user_factory('admin', is_staff=True)


@pytest.fixture
def agent_app(app, agent):
    """WebTest application where ``agent`` is logged in."""
    app.set_user(agent)
    return app


@pytest.fixture
def page_factory(db):
    def make_page(**overrides):
        values = {'title': 'Accueil agent', 'slug': 'index', 'template_name': 'standard', 'public': False}
        values.update(overrides)
        return Page.objects.create(**values)

    return make_page


@pytest.fixture
def page(page_factory):
    return page_factory()


@pytest.fixture
def search_cell_factory(page):
    def make_search_cell(**overrides):
        values = {'page': page, 'order': 1, 'title': 'Recherche usager'}
        values.update(overrides)
        return SearchCell.objects.create(**values)

    return make_search_cell


@pytest.fixture
def cell_factory(page, connector):
    """Phone call cells on ``page`` (logged-in users only), pointed at the fake connector."""

    def make_cell(**overrides):
        values = {'page': page, 'order': 2, 'connector_url': connector.base_url, 'recent_calls': 5}
        values.update(overrides)
        return PhoneCallCell.objects.create(**values)

    return make_cell


@pytest.fixture
def cell(cell_factory):
    return cell_factory()


@pytest.fixture
def extension_factory():
    def set_extension(user, extension='42'):
        return AgentExtension.objects.update_or_create(user=user, defaults={'extension': extension})[0]

    return set_extension


def connector_call(**overrides):
    """A call as the phonecalls connector's ``calls`` endpoint lists it."""
    call = {
        'id': 17,
        'caller': '0143250135',
        'callee': '42',
        'caller_e164': '+33143250135',
        'caller_national': '0143250135',
        'withheld': False,
        'start': '2024-03-14T09:12:03+01:00',
        'end': None,
        'duration': None,
        'details': {},
    }
    call.update(overrides)
    return call


@pytest.fixture
def call_factory():
    return connector_call


class FakeConnector:
    """Local HTTP server standing in for ``https://passerelle.../phonecalls/ipbx/``.

    ``calls`` answers ``{"err": 0, "data": {"current": ..., "past": ...}}`` from
    ``current`` and ``past`` (or serves ``payload`` as JSON, or the bytes
    ``raw_body``); ``behaviour`` switches to a failure: 'slow',
    'slow-body', 'status', 'html', 'huge', 'huge-unsized', 'invalid-json',
    'err'. Every request received is kept in ``received`` (path and query).
    """

    def __init__(self):
        self.current = []
        self.past = []
        self.payload = None
        self.raw_body = None
        self.behaviour = 'ok'
        self.status = 500
        self.delay = 5
        self.received = []
        self.stopping = threading.Event()
        self.server = ThreadingHTTPServer(('127.0.0.1', 0), FakeConnectorHandler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.server.connector = self
        self.base_url = f'http://127.0.0.1:{self.server.server_address[1]}/phonecalls/ipbx/'
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()

    @property
    def last_query(self):
        """The query string of the last request, as sent (signature included)."""
        return urllib.parse.urlsplit(self.received[-1]).query

    @property
    def last_params(self):
        return dict(urllib.parse.parse_qsl(self.last_query))


class FakeConnectorHandler(BaseHTTPRequestHandler):
    def log_message(self, format, *args):
        pass

    def send_body(self, body, content_type='application/json', status=200, length=True):
        try:
            self.send_response(status)
            self.send_header('Content-Type', content_type)
            if length:
                self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self):
        connector = self.server.connector
        connector.received.append(self.path)
        if urllib.parse.urlsplit(self.path).path != '/phonecalls/ipbx/calls':
            return self.send_body(b'{"err": 1, "err_desc": "endpoint not found"}', status=404)
        behaviour = connector.behaviour
        if behaviour == 'slow':
            connector.stopping.wait(connector.delay)
        elif behaviour == 'slow-body':
            return self.trickle(connector)
        elif behaviour == 'status':
            return self.send_body(b'{"err": 1, "err_desc": "boom"}', status=connector.status)
        elif behaviour == 'html':
            return self.send_body(b'<html><body>Bad Gateway</body></html>', content_type='text/html')
        elif behaviour in ('huge', 'huge-unsized'):
            body = b'{"err": 0, "data": {"current": [], "past": [], "padding": "' + b'x' * (2 * 1024 * 1024)
            return self.send_body(body + b'"}}', length=(behaviour == 'huge'))
        elif behaviour == 'invalid-json':
            return self.send_body(b'{"err": 0, "data": {"current": [')
        elif behaviour == 'err':
            payload = {'err': 1, 'err_class': 'passerelle.utils.jsonresponse.APIError'}
            payload['err_desc'] = 'callee is not a valid extension' + ' and more' * 100
            return self.send_body(json.dumps(payload).encode())
        if connector.raw_body is not None:
            return self.send_body(connector.raw_body)
        payload = connector.payload
        if payload is None:
            payload = {'err': 0, 'data': {'current': connector.current, 'past': connector.past}}
        self.send_body(json.dumps(payload).encode())

    def trickle(self, connector):
        try:
            self.send_response(200)
            self.send_header('Content-Type', 'application/json')
            self.end_headers()
            self.wfile.write(b'{"err": 0, ')
            self.wfile.flush()
            while not connector.stopping.wait(0.1):
                self.wfile.write(b' ')
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture
def connector():
    """A fake phonecalls connector listening on 127.0.0.1 for the test's duration."""
    fake = FakeConnector()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def closed_port_url():
    """Base URL of a connector that is down: nothing listens on its port."""
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    return f'http://127.0.0.1:{port}/phonecalls/ipbx/'


@pytest.fixture
def short_timeout(settings):
    """A connector timeout short enough for tests: returns it in seconds."""
    settings.PHONE_CALL_CELL_TIMEOUT = 0.5
    return 0.5


@pytest.fixture
def known_passerelle(settings, connector):
    """Declares the fake connector's host as a known Passerelle service (signed requests)."""
    service = {
        'url': f'http://127.0.0.1:{connector.server.server_address[1]}/',
        'orig': 'combo.ville.example',
        'secret': 'combo-passerelle-shared-secret',
        'title': 'Passerelle',
    }
    settings.KNOWN_SERVICES = {'passerelle': {'passerelle': service}}
    return service


def elapsed_since(start):
    return time.monotonic() - start
