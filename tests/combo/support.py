"""Fakes of the Publik services the cell talks to, for the cell tests: a phonecalls connector and a w.c.s.

Both are small local HTTP servers. Their answers follow what the real
services answer (contract A for the connector; w.c.s.'s own source for its
formdefs listing), and they can be told to fail the ways real ones do.
"""

import base64
import datetime
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def connector_call(**overrides):
    """A call as the phonecalls connector's ``calls`` endpoint lists it (an external caller by default)."""
    call = {
        'id': 17,
        'caller': '0143250135',
        'callee': '42',
        'call_id': None,
        'kind': 'external',
        'caller_e164': '+33143250135',
        'caller_national': '0143250135',
        'caller_display': '01 43 25 01 35',
        'withheld': False,
        'start': '2024-03-14T09:12:03+01:00',
        'end': None,
        'duration': None,
        'details': {},
    }
    call.update(overrides)
    return call


class FakeConnector:
    """Local HTTP server standing in for ``https://passerelle.../phonecalls/ipbx/``.

    ``calls`` answers ``{"err": 0, "data": {"current": ..., "past": ...}}`` from
    ``current`` and ``past`` (or serves ``payload`` as JSON, or the bytes
    ``raw_body``), and ``changes`` every call of ``current`` (``past`` as
    the calls ended since the cursor, when one is given); ``behaviour`` switches to a failure: 'slow',
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
        # False: a connector older than the ``changes`` endpoint (it answers 404).
        self.changes = True
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

    def calls_answer(self, path):
        """The ``calls`` answer: the calls of ``current`` and ``past`` to the callee asked for, as the connector's."""
        callee = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(path).query)).get('callee')

        def of_callee(calls):
            return [
                call for call in calls if not isinstance(call, dict) or call.get('callee', callee) == callee
            ]

        return {'err': 0, 'data': {'current': of_callee(self.current), 'past': of_callee(self.past)}}

    def changes_answer(self, path):
        """The ``changes`` answer: every current call, and the past ones as ended since the cursor given."""
        since = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(path).query)).get('since')
        cursor = datetime.datetime.now(datetime.UTC).isoformat()
        data = {
            'cursor': cursor,
            'current': self.current,
            'ended': self.past if since else [],
            'complete': True,
        }
        return {'err': 0, 'data': data}

    @property
    def calls_received(self):
        """The requests received on the ``calls`` endpoint (one agent's calls)."""
        return [path for path in self.received if urllib.parse.urlsplit(path).path.endswith('/calls')]

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
        endpoint = urllib.parse.urlsplit(self.path).path
        known = ['/phonecalls/ipbx/calls'] + (['/phonecalls/ipbx/changes'] if connector.changes else [])
        if endpoint not in known:
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
        if payload is None and endpoint.endswith('/changes'):
            payload = connector.changes_answer(self.path)
        elif payload is None:
            payload = connector.calls_answer(self.path)
        self.send_body(json.dumps(payload).encode())

    def trickle(self, connector):
        try:
            self.send_response(200)
            self.send_header('Content-Type', 'application/json')
            self.end_headers()
            self.wfile.write(b'{"err": 0, ')
            self.wfile.flush()
            # A space every 0.1 s for ``delay`` seconds: a client that waits for a
            # full buffer is held that long (and the test fails then, not later).
            ends = time.monotonic() + connector.delay
            while time.monotonic() < ends and not connector.stopping.wait(0.1):
                self.wfile.write(b' ')
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass


def publik_signature_is_valid(query, secret):
    """Publik signature check written independently of the product: HMAC over the query before it."""
    signed, separator, signature = query.rpartition('&signature=')
    if not separator:
        return False
    expected = hmac.new(secret.encode(), signed.encode(), hashlib.sha256).digest()
    try:
        return hmac.compare_digest(base64.b64decode(urllib.parse.unquote(signature)), expected)
    except ValueError:
        return False


class FakeWcs:
    """Local HTTP server answering ``<w.c.s.>/api/formdefs/`` as w.c.s. does (seen in its source).

    Unsigned or badly signed: 403. Signed without ``backoffice-submission``:
    every form. With ``backoffice-submission=on``: the forms whose
    ``roles`` meet the roles of the user named by ``NameID`` or ``email``
    (``users``); none without a user or for an unknown NameID; an unknown
    email is a 403. ``behaviour`` 'garbage' answers an HTML page, 'error'
    a 500. Every query received is kept in ``received``.
    """

    def __init__(self, orig='combo.ville.example', secret='combo-wcs-shared-secret'):
        self.orig = orig
        self.secret = secret
        self.forms = [
            {
                'title': 'Signalement voirie',
                'slug': 'signalement-voirie',
                'category': 'Voirie',
                'roles': ['accueil'],
            },
            {
                'title': 'Demande de rappel',
                'slug': 'demande-de-rappel',
                'category': None,
                'roles': ['accueil'],
            },
            {
                'title': 'Inscription cantine',
                'slug': 'inscription-cantine',
                'category': 'Famille',
                'roles': [],
            },
        ]
        self.users = {'agent@ville.example': ['accueil']}
        self.behaviour = 'ok'
        self.received = []
        self.server = ThreadingHTTPServer(('127.0.0.1', 0), FakeWcsHandler)
        self.server.daemon_threads = True
        self.server.wcs = self
        self.url = f'http://127.0.0.1:{self.server.server_address[1]}/'
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def service(self, secret=None):
        """The ``KNOWN_SERVICES['wcs']`` entry of this w.c.s. (with another ``secret`` to get it wrong)."""
        return {'url': self.url, 'orig': self.orig, 'secret': secret or self.secret, 'title': 'Démarches'}

    def answer(self, query):
        """``(status, payload)`` for the formdefs query ``query``."""
        params = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        if params.get('orig') != self.orig or not publik_signature_is_valid(query, self.secret):
            return 403, {'err': 1, 'err_desc': 'Invalid signature.'}
        listed = self.forms
        if params.get('backoffice-submission') == 'on':
            if params.get('email'):
                if params['email'] not in self.users:
                    return 403, {'err': 1, 'err_desc': 'Unknown email.'}
                roles = self.users[params['email']]
            else:
                roles = self.users.get(params.get('NameID'), [])
            listed = [form for form in self.forms if set(form['roles']) & set(roles)]
        data = [
            {
                'title': form['title'],
                'slug': form['slug'],
                'url': f'{self.url}{form["slug"]}/',
                'description': '',
                'keywords': [],
                'authentication_required': False,
                'always_advertise': False,
                'redirection': False,
                'functions': {},
                **({'category': form['category'], 'category_slug': 'x'} if form['category'] else {}),
            }
            for form in listed
        ]
        return 200, {'err': 0, 'data': data}


class FakeWcsHandler(BaseHTTPRequestHandler):
    def log_message(self, format, *args):
        pass

    def do_GET(self):
        wcs = self.server.wcs
        path, _sep, query = self.path.partition('?')
        wcs.received.append(query)
        if wcs.behaviour == 'garbage':
            body, status, content_type = b'<html>Maintenance</html>', 200, 'text/html'
        elif wcs.behaviour == 'error':
            body, status, content_type = b'Internal Server Error', 500, 'text/plain'
        elif path != '/api/formdefs/':
            body, status, content_type = b'{"err": 1}', 404, 'application/json'
        else:
            status, payload = wcs.answer(query)
            body, content_type = json.dumps(payload).encode(), 'application/json'
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
