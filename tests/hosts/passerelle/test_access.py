"""Who may call a ``perm='can_access'`` endpoint: anyone, API key, HTTP Basic, Publik signature, address."""

import base64
import datetime

import pytest
from passerelle.base.signature import sign_url

pytestmark = pytest.mark.django_db

PING = '/echo-connector/echo/ping'
CALL_START = '/echo-connector/echo/call-start?caller=0143250135&callee=42'
SIGNED = CALL_START + '&orig=combo.example.net'


def basic(username, password):
    return {'Authorization': 'Basic ' + base64.b64encode(f'{username}:{password}'.encode()).decode()}


def ago(seconds):
    return datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=seconds)


@pytest.fixture
def combo(granted):
    return granted(username='combo.example.net', keytype='SIGN', key='combo-secret')


def test_endpoint_without_perm_is_open(app, echo):
    assert app.get(PING).json['data'] == 'pong'


@pytest.mark.parametrize(
    'right, url, headers',
    [
        ({'keytype': '', 'key': ''}, CALL_START, {}),
        ({}, CALL_START + '&apikey=abcdef', {}),
        ({}, CALL_START, basic('ipbx', 'abcdef')),
        ({'ipsource': '127.0.0.1'}, CALL_START + '&apikey=abcdef', {}),
    ],
    ids=['open', 'api-key', 'http-basic', 'from-its-address'],
)
def test_granted_api_user_is_let_in(app, granted, right, url, headers):
    granted(**right)

    assert app.get(url, headers=headers).json['err'] == 0


@pytest.mark.parametrize(
    'right, url, headers',
    [
        ({'codename': 'can_view'}, CALL_START + '&apikey=abcdef', {}),
        ({}, CALL_START + '&apikey=abcdeg', {}),
        ({}, CALL_START, {}),
        ({'key': ''}, CALL_START + '&apikey=', {}),
        ({}, CALL_START, basic('ipbx', 'abcdeg')),
        ({}, CALL_START, basic('combo', 'abcdef')),
        ({'ipsource': '192.0.2.7'}, CALL_START + '&apikey=abcdef', {}),
        ({'keytype': '', 'key': '', 'ipsource': '192.0.2.7'}, CALL_START, {}),
    ],
    ids=[
        'other-right',
        'wrong-key',
        'no-key',
        'empty-key',
        'basic-wrong-key',
        'basic-other-user',
        'other-address',
        'open-other-address',
    ],
)
def test_anyone_else_gets_a_json_403_that_never_echoes_the_key(app, granted, right, url, headers):
    granted(**right)

    response = app.get(url, headers=headers, status=403)

    assert response.json['err'] == 1
    assert 'abcde' not in response.text


@pytest.mark.parametrize('language, message', [('fr', 'accès refusé'), ('en', 'access denied')])
def test_refusal_speaks_the_request_language(app, echo, language, message):
    response = app.get(CALL_START, headers={'Accept-Language': language}, status=403)

    assert response.json['err_desc'] == message


def test_request_signed_by_the_api_user_is_let_in(app, combo):
    assert app.get(sign_url(SIGNED, 'combo-secret')).json['data']['callee'] == '42'


@pytest.mark.parametrize(
    'make_url',
    [
        lambda: sign_url(SIGNED, 'other-secret'),
        lambda: sign_url(SIGNED.replace('combo.example.net', 'wcs.example.net'), 'combo-secret'),
        lambda: sign_url(SIGNED, 'combo-secret').replace('callee=42', 'callee=43'),
        lambda: sign_url(SIGNED, 'combo-secret') + '&callee=43',
        lambda: CALL_START + '&apikey=combo-secret',
        lambda: sign_url(SIGNED, 'combo-secret', timestamp=ago(60)),
        lambda: sign_url(SIGNED, 'combo-secret', timestamp=ago(-60)),
    ],
    ids=[
        'wrong-secret',
        'other-orig',
        'tampered',
        'parameter-after-signature',
        'secret-as-api-key',
        'a-minute-old',
        'a-minute-ahead',
    ],
)
def test_badly_signed_request_is_refused(app, combo, make_url):
    assert app.get(make_url(), status=403).json['err'] == 1


def test_replayed_signed_request_is_refused(app, combo):
    url = sign_url(SIGNED, 'combo-secret')
    app.get(url)

    app.get(url, status=403)
