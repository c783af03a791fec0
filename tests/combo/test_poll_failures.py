"""Every way the connector can fail gives the widget a quick JSON error saying its state, never a hang or
a 500 page: ``config_error`` when an administrator must act, ``unavailable`` when the link should come back.
"""

import logging
import time
from pathlib import Path

import pytest

import combo_phone_cell

pytestmark = pytest.mark.django_db

# What a poll may take beyond the configured timeout: the request set-up and the test machine.
MARGIN = 1.5


@pytest.fixture
def poll(agent_app, agent, extension_factory):
    """Poll ``cell`` as the agent (extension 42) in English; returns (JSON answer, seconds taken)."""
    extension_factory(agent, '42')

    def do_poll(cell, status):
        start = time.monotonic()
        response = agent_app.get(
            f'/api/phone-call-cell/{cell.pk}/poll/', status=status, headers={'Accept-Language': 'en'}
        )
        seconds = time.monotonic() - start
        assert response.content_type == 'application/json'
        assert 'no-store' in response.headers['Cache-Control']
        assert response.json['err'] == 1
        assert response.json['err_desc'] and response.json['reason']
        return response.json, seconds

    return do_poll


def test_connector_down_is_unavailable_answered_quickly(poll, cell_factory, closed_port_url, short_timeout):
    cell = cell_factory(connector_url=closed_port_url)

    answer, seconds = poll(cell, 502)

    assert answer['state'] == 'unavailable'
    assert answer['err_desc'] == 'The telephony connector could not be reached.'
    assert seconds < short_timeout + MARGIN


@pytest.mark.parametrize('behaviour', ['slow', 'slow-body'])
def test_slow_connector_is_a_504_unavailable_answered_within_the_timeout(
    poll, cell, connector, short_timeout, behaviour
):
    connector.behaviour = behaviour
    connector.delay = 10

    answer, seconds = poll(cell, 504)

    assert answer['state'] == 'unavailable'
    assert answer['err_desc'] == 'The telephony connector did not answer within 0.5 seconds.'
    assert seconds < short_timeout + MARGIN


def test_default_timeout_is_three_seconds(settings):
    from combo_phone_cell.client import get_timeout

    del settings.PHONE_CALL_CELL_TIMEOUT

    assert get_timeout() == 3


@pytest.mark.parametrize('status', [500, 502, 503])
def test_connector_failing_with_a_5xx_is_unavailable(poll, cell, connector, status):
    connector.behaviour = 'status'
    connector.status = status

    answer, _seconds = poll(cell, 502)

    assert answer['state'] == 'unavailable'
    assert answer['reason'] == f'HTTP status {status}'


@pytest.mark.parametrize('status', [401, 403, 404, 400, 405])
def test_connector_refusing_or_not_found_is_a_config_error(poll, cell, connector, status):
    connector.behaviour = 'status'
    connector.status = status

    answer, _seconds = poll(cell, 502)

    assert answer['state'] == 'config_error'
    assert str(status) in answer['reason']


def test_unknown_connector_slug_is_a_config_error(poll, cell_factory, connector):
    cell = cell_factory(connector_url=connector.base_url.replace('/ipbx/', '/nope/'))

    answer, _seconds = poll(cell, 502)

    assert answer['state'] == 'config_error'
    assert answer['err_desc'] == 'No telephony connector was found at the address set in the cell.'


@pytest.mark.parametrize('behaviour', ['html', 'invalid-json', 'huge', 'huge-unsized'])
def test_answer_that_is_not_a_connector_s_is_a_config_error(poll, cell, connector, behaviour):
    connector.behaviour = behaviour

    answer, _seconds = poll(cell, 502)

    assert answer['state'] == 'config_error'
    assert answer['err_desc'] == 'The address set in the cell is not a telephony connector.'


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
        {'err': 0, 'data': {'current': [{'caller': '0143250135', 'kind': 'external'}], 'past': []}},
        {'err': 0, 'data': {'current': [{'id': True, 'kind': 'external'}], 'past': []}},
    ],
)
def test_json_that_is_not_a_phonecalls_answer_is_a_config_error(poll, cell, connector, payload):
    connector.payload = payload

    answer, _seconds = poll(cell, 502)

    assert answer['state'] == 'config_error'
    assert answer['reason'] == 'not a phonecalls answer'


def test_deeply_nested_answer_is_a_config_error(poll, cell, connector):
    connector.raw_body = b'[' * 100000 + b']' * 100000

    answer, _seconds = poll(cell, 502)

    assert answer['state'] == 'config_error'


def test_connector_error_is_a_config_error_with_its_description_truncated(poll, cell, connector):
    connector.behaviour = 'err'

    answer, _seconds = poll(cell, 502)

    assert answer['state'] == 'config_error'
    assert answer['err_desc'].startswith(
        'The telephony connector reported an error: callee is not a valid extension'
    )
    assert len(answer['err_desc']) < 300


def test_connector_without_the_kind_of_its_calls_is_too_old(poll, cell, connector, call_factory):
    call = call_factory()
    del call['kind']
    connector.current = [call]

    answer, _seconds = poll(cell, 502)

    assert answer['state'] == 'config_error'
    assert answer['err_desc'] == 'The telephony connector is too old for this cell: it must be updated.'


@pytest.mark.parametrize('url', ['', 'http://[::1/phonecalls/ipbx/'])
def test_missing_or_invalid_connector_url_is_a_config_error(poll, cell_factory, connector, url):
    cell = cell_factory(connector_url=url)

    answer, _seconds = poll(cell, 502)

    assert answer['state'] == 'config_error'
    assert connector.received == []


def logged(caplog):
    return '\n'.join(
        record.getMessage() for record in caplog.records if record.name.startswith('combo_phone_cell')
    )


def test_failure_log_names_the_connector_with_its_port_and_the_reason(
    poll, cell_factory, closed_port_url, caplog
):
    cell = cell_factory(connector_url=closed_port_url.replace('http://', 'http://combo:hunter2@'))

    with caplog.at_level(logging.WARNING, logger='combo_phone_cell'):
        poll(cell, 502)

    port = closed_port_url.split(':')[2].split('/')[0]
    assert f'connector http://127.0.0.1:{port}/phonecalls/ipbx/: unreachable' in logged(caplog)
    assert 'hunter2' not in logged(caplog)


def test_failure_log_holds_neither_the_api_key_nor_the_query(poll, cell_factory, connector, caplog):
    cell = cell_factory(api_key='s3cr3t-ipbx-key')
    connector.behaviour = 'status'

    with caplog.at_level(logging.WARNING, logger='combo_phone_cell'):
        poll(cell, 502)

    assert 'HTTP status 500' in logged(caplog)
    assert 's3cr3t-ipbx-key' not in logged(caplog)
    assert 'callee=' not in logged(caplog)


def test_signed_request_failure_log_holds_no_signature(poll, cell, connector, known_passerelle, caplog):
    connector.behaviour = 'status'
    connector.status = 403

    with caplog.at_level(logging.WARNING, logger='combo_phone_cell'):
        poll(cell, 502)

    assert 'access refused' in logged(caplog)
    assert 'signature' not in logged(caplog) and 'nonce' not in logged(caplog)


def test_french_agents_read_the_error_in_french(agent_app, agent, extension_factory, cell, connector):
    catalogue = Path(combo_phone_cell.__file__).parent / 'locale/fr/LC_MESSAGES/django.mo'
    if not catalogue.exists():
        pytest.skip('French catalogue not compiled (make messages)')
    extension_factory(agent, '42')
    connector.behaviour = 'status'

    response = agent_app.get(
        f'/api/phone-call-cell/{cell.pk}/poll/', status=502, headers={'Accept-Language': 'fr'}
    )

    assert response.json['err_desc'] == 'Le connecteur de téléphonie est en panne (statut HTTP 500).'
