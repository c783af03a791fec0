"""How Combo authenticates to the connector: Publik signature for a known service, else the API key."""

import base64
import datetime
import hashlib
import hmac
import urllib.parse

import pytest

from combo_phone_cell.client import known_service
from combo_phone_cell.connector import calls_url
from combo_phone_cell.signature import sign_url
from tests.combo.support import publik_signature_is_valid as signature_is_valid

pytestmark = pytest.mark.django_db


def timestamp_age(params):
    timestamp = datetime.datetime.strptime(params['timestamp'], '%Y-%m-%dT%H:%M:%SZ')
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    return abs((now - timestamp).total_seconds())


@pytest.fixture
def poll_as_agent_42(agent_app, agent, extension_factory):
    extension_factory(agent, '42')

    def do_poll(cell):
        return agent_app.get(f'/api/phone-call-cell/{cell.pk}/poll/')

    return do_poll


def test_request_to_a_known_passerelle_is_signed_with_its_secret(
    poll_as_agent_42, cell, connector, known_passerelle
):
    poll_as_agent_42(cell)

    query = connector.last_query
    params = connector.last_params
    assert signature_is_valid(query, known_passerelle['secret'])
    assert not signature_is_valid(query, 'another-secret')
    assert params['orig'] == 'combo.ville.example'
    assert params['callee'] == '42'
    assert params['algo'] == 'sha256'
    assert timestamp_age(params) < 30
    assert len(params['nonce']) == 32
    assert 'apikey' not in params


def test_each_signed_request_has_a_new_nonce(poll_as_agent_42, cell, connector, known_passerelle):
    poll_as_agent_42(cell)

    nonces = [
        dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(path).query))['nonce']
        for path in connector.received
    ]
    assert len(nonces) >= 2
    assert len(set(nonces)) == len(nonces)


def test_signed_request_does_not_send_the_cell_api_key(
    poll_as_agent_42, cell_factory, connector, known_passerelle
):
    cell = cell_factory(api_key='abcdef')

    poll_as_agent_42(cell)

    assert 'apikey' not in connector.last_params
    assert 'abcdef' not in connector.last_query


def test_api_key_is_sent_when_no_known_service_matches(poll_as_agent_42, cell_factory, connector, settings):
    settings.KNOWN_SERVICES = {
        'passerelle': {'other': {'url': 'https://passerelle.ville.example/', 'orig': 'combo', 'secret': 'x'}}
    }
    cell = cell_factory(api_key='abcdef')

    poll_as_agent_42(cell)

    params = connector.last_params
    assert params['apikey'] == 'abcdef'
    assert params['callee'] == '42'
    assert 'signature' not in params and 'orig' not in params


def test_no_credential_is_sent_without_known_service_nor_api_key(poll_as_agent_42, cell, connector):
    poll_as_agent_42(cell)

    assert set(connector.last_params) == {'callee', 'limit'}


def test_api_key_never_reaches_the_browser(poll_as_agent_42, cell_factory, connector, call_factory):
    cell = cell_factory(api_key='abcdef-secret')
    connector.current = [call_factory()]

    response = poll_as_agent_42(cell)

    assert 'abcdef-secret' not in response.text


@pytest.mark.parametrize(
    'connector_url',
    [
        'https://passerelle.ville.example.evil.test/phonecalls/ipbx/',
        'http://passerelle.ville.example/phonecalls/ipbx/',
        'https://passerelle.ville.example:8443/phonecalls/ipbx/',
        'https://passerelle.ville.example/otherprefix/phonecalls/ipbx/',
    ],
)
def test_known_service_must_match_scheme_host_and_path(settings, connector_url):
    settings.KNOWN_SERVICES = {
        'passerelle': {
            'eservices': {'url': 'https://passerelle.ville.example/prefix', 'orig': 'combo', 'secret': 'x'}
        }
    }

    assert known_service('passerelle', connector_url) is None
    assert known_service('passerelle', 'https://passerelle.ville.example/prefix/phonecalls/ipbx/') is not None


def test_connector_url_without_trailing_slash_still_reaches_calls(cell_factory):
    cell = cell_factory(connector_url='https://passerelle.ville.example/phonecalls/ipbx')

    url = calls_url(cell, '42', 5)

    assert url == 'https://passerelle.ville.example/phonecalls/ipbx/calls?callee=42&limit=5'


def test_extension_is_url_encoded_in_the_connector_request(cell_factory):
    cell = cell_factory(connector_url='https://passerelle.ville.example/phonecalls/ipbx/')

    url = calls_url(cell, '42&callee=43', 5)

    assert urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)['callee'] == ['42&callee=43']


def test_sign_url_matches_a_publik_signature_computed_by_hand():
    timestamp = datetime.datetime(2024, 3, 14, 8, 12, 3, tzinfo=datetime.UTC)

    url = sign_url(
        'https://passerelle.ville.example/phonecalls/ipbx/calls?callee=42&orig=combo',
        'secret',
        timestamp=timestamp,
        nonce='0123456789abcdef0123456789abcdef',
    )

    signed = (
        'callee=42&orig=combo&algo=sha256&timestamp=2024-03-14T08%3A12%3A03Z'
        '&nonce=0123456789abcdef0123456789abcdef'
    )
    digest = base64.b64encode(hmac.new(b'secret', signed.encode(), hashlib.sha256).digest()).decode()
    assert (
        url
        == f'https://passerelle.ville.example/phonecalls/ipbx/calls?{signed}&signature={urllib.parse.quote(digest)}'
    )
