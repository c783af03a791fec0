"""Every way the connector can fail gives the widget a quick JSON error, never a hang or a 500 page."""

import logging
import time
from pathlib import Path

import pytest

import combo_phone_cell

pytestmark = pytest.mark.django_db

# What a poll may take beyond the configured timeout: the request set-up and the test machine.
MARGIN = 1.5


@pytest.fixture
def agent_on_42(agent, extension_factory):
    extension_factory(agent, '42')
    return agent


@pytest.fixture
def poll(agent_app, agent_on_42):
    """Poll ``cell`` as the agent (extension 42) in English; returns (response, seconds taken)."""

    def do_poll(cell, status):
        start = time.monotonic()
        response = agent_app.get(
            f'/api/phone-call-cell/{cell.pk}/poll/', status=status, headers={'Accept-Language': 'en'}
        )
        return response, time.monotonic() - start

    return do_poll


def assert_json_error(response):
    assert response.content_type == 'application/json'
    assert response.json['err'] == 1
    assert 'no-store' in response.headers['Cache-Control']
    return response.json['err_desc']


def test_connector_down_is_a_502_saying_it_cannot_be_reached(
    poll, cell_factory, closed_port_url, short_timeout
):
    cell = cell_factory(connector_url=closed_port_url)

    response, seconds = poll(cell, 502)

    assert assert_json_error(response) == 'The telephony connector could not be reached.'
    assert seconds < short_timeout + MARGIN


def test_slow_connector_is_a_504_answered_within_the_timeout(poll, cell, connector, short_timeout):
    connector.behaviour = 'slow'
    connector.delay = 10

    response, seconds = poll(cell, 504)

    assert 'did not answer within 0.5 seconds' in assert_json_error(response)
    assert seconds < short_timeout + MARGIN


def test_connector_trickling_its_answer_is_a_504_answered_within_the_timeout(
    poll, cell, connector, short_timeout
):
    connector.behaviour = 'slow-body'

    response, seconds = poll(cell, 504)

    assert 'did not answer within' in assert_json_error(response)
    assert seconds < short_timeout + MARGIN


def test_default_timeout_is_three_seconds(settings):
    from combo_phone_cell.connector import get_timeout

    del settings.PHONE_CALL_CELL_TIMEOUT

    assert get_timeout() == 3


@pytest.mark.parametrize('status', [500, 503, 403, 404])
def test_connector_http_error_is_a_502_giving_the_status(poll, cell, connector, status):
    connector.behaviour = 'status'
    connector.status = status

    response, _seconds = poll(cell, 502)

    assert assert_json_error(response) == f'The telephony connector answered with HTTP status {status}.'


def test_connector_answering_html_is_a_502(poll, cell, connector):
    connector.behaviour = 'html'

    response, _seconds = poll(cell, 502)

    assert assert_json_error(response) == 'The telephony connector answer is not valid JSON.'


def test_connector_answering_truncated_json_is_a_502(poll, cell, connector):
    connector.behaviour = 'invalid-json'

    response, _seconds = poll(cell, 502)

    assert assert_json_error(response) == 'The telephony connector answer is not valid JSON.'


@pytest.mark.parametrize(
    'payload',
    [
        [],
        {'err': 0},
        {'err': 0, 'data': None},
        {'err': 0, 'data': {'past': []}},
        {'err': 0, 'data': {'current': {'id': 1}, 'past': []}},
        {'err': 0, 'data': {'current': [], 'past': 'none'}},
        {'err': 0, 'data': {'current': ['0143250135'], 'past': []}},
        {'err': 0, 'data': {'current': [{'caller': '0143250135'}], 'past': []}},
    ],
)
def test_connector_answer_of_an_unexpected_shape_is_a_502(poll, cell, connector, payload):
    connector.payload = payload

    response, _seconds = poll(cell, 502)

    assert assert_json_error(response) == 'The telephony connector gave an unexpected answer.'


def test_connector_error_is_a_502_with_its_description_truncated(poll, cell, connector):
    connector.behaviour = 'err'

    response, _seconds = poll(cell, 502)

    message = assert_json_error(response)
    assert message.startswith('The telephony connector reported an error: callee is not a valid extension')
    assert len(message) < 300


@pytest.mark.parametrize('behaviour', ['huge', 'huge-unsized'])
def test_huge_connector_answer_is_a_502(poll, cell, connector, behaviour):
    connector.behaviour = behaviour

    response, _seconds = poll(cell, 502)

    assert assert_json_error(response) == 'The telephony connector answer is too large.'


def test_cell_without_connector_url_is_a_502(poll, cell_factory, connector):
    cell = cell_factory(connector_url='')

    response, _seconds = poll(cell, 502)

    assert assert_json_error(response) == 'No telephony connector is configured for this cell.'
    assert connector.received == []


def test_deeply_nested_connector_answer_is_a_502(poll, cell, connector):
    connector.raw_body = b'[' * 100000 + b']' * 100000

    response, _seconds = poll(cell, 502)

    assert assert_json_error(response) == 'The telephony connector answer is not valid JSON.'


def test_malformed_connector_url_is_a_502(poll, cell_factory):
    cell = cell_factory(connector_url='http://[::1/phonecalls/ipbx/')

    response, _seconds = poll(cell, 502)

    assert assert_json_error(response) == 'The telephony connector could not be reached.'


def test_failures_are_logged_without_credentials_in_the_connector_url(
    poll, cell_factory, closed_port_url, caplog
):
    cell = cell_factory(connector_url=closed_port_url.replace('http://', 'http://combo:hunter2@'))

    with caplog.at_level(logging.WARNING, logger='combo_phone_cell'):
        poll(cell, 502)

    logged = '\n'.join(record.getMessage() for record in caplog.records)
    assert 'unreachable' in logged
    assert 'hunter2' not in logged


def test_failures_are_logged_without_the_api_key_or_the_query(poll, cell_factory, connector, caplog):
    cell = cell_factory(api_key='s3cr3t-ipbx-key')
    connector.behaviour = 'status'

    with caplog.at_level(logging.WARNING, logger='combo_phone_cell'):
        poll(cell, 502)

    logged = '\n'.join(record.getMessage() for record in caplog.records)
    assert 'HTTP status 500' in logged
    assert 's3cr3t-ipbx-key' not in logged
    assert 'callee=' not in logged


def test_french_agents_read_the_error_in_french(agent_app, agent_on_42, cell, connector):
    catalogue = Path(combo_phone_cell.__file__).parent / 'locale/fr/LC_MESSAGES/django.mo'
    if not catalogue.exists():
        pytest.skip('French catalogue not compiled (make messages)')
    connector.behaviour = 'status'

    response = agent_app.get(
        f'/api/phone-call-cell/{cell.pk}/poll/', status=502, headers={'Accept-Language': 'fr'}
    )

    assert response.json['err_desc'] == 'Le connecteur de téléphonie a répondu avec le statut HTTP 500.'


@pytest.mark.parametrize(
    'behaviour, status, state',
    [('status', 502, 'unavailable'), ('html', 502, 'config_error'), ('slow', 504, 'unavailable')],
)
def test_failure_says_whether_it_needs_an_administrator(
    poll, cell, connector, short_timeout, behaviour, status, state
):
    connector.behaviour = behaviour

    response, _seconds = poll(cell, status)

    assert response.json['state'] == state
    assert response.json['reason']
