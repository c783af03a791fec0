"""The charts of the phone link's use on the cell's health page (``combo_phone_cell.statistics``).

The connector is a local HTTP server serving recorded answers in the shape
the connector's statistics endpoints give (Publik's statistics format; the
connector's own tests pin that shape), signed requests checked the way
Passerelle checks them.
"""

import datetime
import json
import logging
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation
from lxml import etree

from combo_phone_cell import client, statistics
from tests.combo.support import publik_signature_is_valid

pytestmark = pytest.mark.django_db

SECRET = 'combo-passerelle-shared-secret'
KIND_LABELS = ['Numéro externe', 'Poste interne', 'Numéro masqué', 'Appelant illisible']


def calls_answer(x_labels):
    return {
        'err': 0,
        'data': {
            'x_labels': x_labels,
            'series': [
                {'label': label, 'data': [index + position for position in range(len(x_labels))]}
                for index, label in enumerate(KIND_LABELS)
            ],
        },
    }


DAYS = ['2024-03-%02d' % day for day in range(1, 31)]
ANSWERS = {
    ('statistics-calls', 'day'): calls_answer(DAYS),
    ('statistics-calls', 'hour'): calls_answer(list(range(24))),
    ('statistics-mean-duration', 'day'): {
        'err': 0,
        'data': {
            'x_labels': DAYS,
            'series': [{'label': 'Durée moyenne des appels', 'data': [None] + [95] * 29}],
        },
    },
}


class FakeStatistics:
    """``/phonecalls/ipbx/statistics-*`` answering ``answers[(endpoint, time_interval)]`` (or ``status``)."""

    def __init__(self):
        self.answers = dict(ANSWERS)
        self.status = 200
        self.body = None
        self.received = []
        self.server = ThreadingHTTPServer(('127.0.0.1', 0), FakeStatisticsHandler)
        self.server.daemon_threads = True
        self.server.fake = self
        self.base_url = f'http://127.0.0.1:{self.server.server_address[1]}/phonecalls/ipbx/'
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def queries(self):
        return [dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(path).query)) for path in self.received]


class FakeStatisticsHandler(BaseHTTPRequestHandler):
    def log_message(self, format, *args):
        pass

    def do_GET(self):
        fake = self.server.fake
        fake.received.append(self.path)
        parts = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        answer = fake.answers.get((parts.path.rsplit('/', 1)[-1], query.get('time_interval')))
        body = fake.body if fake.body is not None else json.dumps(answer or {'err': 1}).encode()
        self.send_response(fake.status if answer is not None else 404)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def connector():
    fake = FakeStatistics()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def known_passerelle(settings, connector):
    settings.KNOWN_SERVICES = {
        'passerelle': {
            'passerelle': {
                'url': f'http://127.0.0.1:{connector.server.server_address[1]}/',
                'orig': 'combo.ville.example',
                'secret': SECRET,
            }
        }
    }


@pytest.fixture(autouse=True)
def french():
    # Charts are drawn outside a request here: the language is the test's, not a previous request's.
    with translation.override('fr'):
        yield


def logged(caplog):
    return [record.getMessage() for record in caplog.records if record.name.startswith('combo_phone_cell')]


def test_charts_are_drawn_from_the_connectors_statistics(known_passerelle, cell):
    charts = statistics.charts(cell)
    assert [chart['title'] for chart in charts] == [
        'Appels décrochés par jour',
        'Appels décrochés par heure de la journée',
        'Durée moyenne des appels par jour (en minutes)',
    ]
    for chart in charts:
        root = etree.fromstring(chart['svg'].encode())
        assert root.tag == '{http://www.w3.org/2000/svg}svg'
        assert root.get('role') == 'img' and root.get('aria-label') == chart['title']
        assert not root.findall('.//{http://www.w3.org/2000/svg}script')
        assert not chart['svg'].startswith('<?xml')
    texts = ''.join(etree.fromstring(charts[0]['svg'].encode()).itertext())
    for label in KIND_LABELS + ['2024-03-01']:
        assert label in texts


def test_requests_are_signed_for_a_known_passerelle_and_ask_for_the_period(known_passerelle, connector, cell):
    today = timezone.localdate()
    statistics.charts(cell, period=7)
    assert [urllib.parse.urlsplit(path).path for path in connector.received] == [
        '/phonecalls/ipbx/statistics-calls',
        '/phonecalls/ipbx/statistics-calls',
        '/phonecalls/ipbx/statistics-mean-duration',
    ]
    for path, query in zip(connector.received, connector.queries(), strict=True):
        assert publik_signature_is_valid(urllib.parse.urlsplit(path).query, SECRET)
        assert query['orig'] == 'combo.ville.example'
        assert query['start'] == (today - datetime.timedelta(days=6)).isoformat()
        assert query['end'] == (today + datetime.timedelta(days=1)).isoformat()
    assert [query['time_interval'] for query in connector.queries()] == ['day', 'hour', 'day']


def test_requests_carry_the_api_key_of_a_connector_outside_known_services(connector, cell_factory):
    cell = cell_factory(connector_url=connector.base_url, api_key='cell-key')
    assert len(statistics.charts(cell)) == 3
    assert all(query['apikey'] == 'cell-key' and 'signature' not in query for query in connector.queries())


def test_untrusted_labels_reach_the_svg_as_escaped_text(known_passerelle, connector, cell):
    hostile = '<img src=x onerror=alert(1)>"\x07' + 'x' * 100
    connector.answers[('statistics-calls', 'day')] = {
        'err': 0,
        'data': {
            'x_labels': ['</svg><script>alert(1)</script>'],
            'series': [{'label': hostile, 'data': [1]}],
        },
    }
    svg = statistics.charts(cell)[0]['svg']
    assert '<img' not in svg and '<script' not in svg and '\x07' not in svg
    texts = ''.join(etree.fromstring(svg.encode()).itertext())
    assert '<img src=x onerror=alert(1)>"' in texts
    assert '</svg><script>alert(1)</script>' in texts
    assert 'x' * 100 not in texts


def test_values_that_are_not_finite_numbers_are_read_as_no_value():
    body = {
        'err': 0,
        'data': {
            'x_labels': ['a', 'b', 'c', 'd'],
            'series': [{'label': 'l', 'data': ['1', True, 2.5, None, 7]}],
        },
    }
    data = statistics.read_statistic(client.Answer(200, json.dumps(body).encode()))
    assert data == {
        'x_labels': ['a', 'b', 'c', 'd'],
        'series': [{'label': 'l', 'data': [None, None, 2.5, None]}],
    }


def test_a_short_series_is_completed_with_no_value():
    body = {'err': 0, 'data': {'x_labels': [0, 1, 2], 'series': [{'label': None, 'data': [4]}]}}
    data = statistics.read_statistic(client.Answer(200, json.dumps(body).encode()))
    assert data == {'x_labels': ['0', '1', '2'], 'series': [{'label': '', 'data': [4, None, None]}]}


@pytest.mark.parametrize(
    'status, body, reason',
    [
        (500, b'{"err": 1, "err_desc": "boom"}', 'HTTP status 500'),
        (403, b'{"err": 1, "err_desc": "access denied"}', 'HTTP status 403'),
        (200, b'{"err": 1, "err_desc": "invalid parameter"}', "err 'invalid parameter'"),
        (200, b'<html>Bad gateway</html>', 'not a JSON object'),
        (200, b'{"err": 0, "data": {"current": [], "past": []}}', 'not a statistic'),
        (200, b'{"err": 0, "data": {"x_labels": [], "series": [1]}}', 'not a statistic'),
    ],
)
def test_a_failing_connector_gives_no_chart_and_one_log_line(
    known_passerelle, connector, cell, caplog, status, body, reason
):
    connector.status, connector.body = status, body
    with caplog.at_level(logging.WARNING, logger='combo_phone_cell'):
        assert statistics.charts(cell) == []
    assert logged(caplog) == [
        f'phone call cell {cell.pk}: connector {connector.base_url}: statistic statistics-calls: {reason}'
    ]
    # The first failure stops the others.
    assert len(connector.received) == 1


def test_an_unreachable_connector_gives_no_chart_and_logs_no_key(cell_factory, closed_port_url, caplog):
    cell = cell_factory(connector_url=closed_port_url, api_key='secret-key')
    with caplog.at_level(logging.WARNING, logger='combo_phone_cell'):
        assert statistics.charts(cell) == []
    lines = logged(caplog)
    assert len(lines) == 1
    assert lines[0].startswith(
        f'phone call cell {cell.pk}: connector {closed_port_url}: statistic statistics-calls: unreachable'
    )
    assert 'secret-key' not in caplog.text


def test_a_cell_without_connector_has_no_chart(cell_factory, caplog):
    assert statistics.charts(cell_factory(connector_url='')) == []


def test_without_pygal_the_charts_are_left_out_and_logged(
    known_passerelle, connector, cell, caplog, monkeypatch
):
    monkeypatch.setitem(sys.modules, 'pygal', None)
    with caplog.at_level(logging.WARNING, logger='combo_phone_cell'):
        assert statistics.charts(cell) == []
    assert logged(caplog) == [
        f'phone call cell {cell.pk}: statistics charts left out: pygal is not installed'
    ]
    assert connector.received == []


def test_the_snippet_renders_each_chart_with_its_title(known_passerelle, cell):
    html = render_to_string('combo_phone_cell/statistics_charts.html', {'charts': statistics.charts(cell)})
    assert html.count('<figure') == 3
    assert '<figcaption>Appels décrochés par jour</figcaption>' in html
    assert html.count('<svg') == 3


def test_the_snippet_escapes_a_title_and_says_when_there_is_no_chart():
    html = render_to_string(
        'combo_phone_cell/statistics_charts.html', {'charts': [{'title': '<b>x</b>', 'svg': ''}]}
    )
    assert '&lt;b&gt;x&lt;/b&gt;' in html
    empty = render_to_string('combo_phone_cell/statistics_charts.html', {'charts': []})
    assert 'phone-call-cell-statistics--none' in empty and '<figure' not in empty
