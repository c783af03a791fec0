"""Who may call a ``perm='can_access'`` endpoint: open, API key, HTTP Basic, Publik signature."""

import base64
import datetime

import pytest
from passerelle.base.models import is_authorized
from passerelle.base.signature import sign_url

pytestmark = pytest.mark.django_db

CALL_START = '/echo-connector/echo/call-start?caller=0143250135&callee=42'
SIGNED_CALLS = '/echo-connector/echo/call-start?caller=0143250135&callee=42&orig=combo.example.net'


def basic(username, password):
    return {'Authorization': 'Basic ' + base64.b64encode(f'{username}:{password}'.encode()).decode()}


@pytest.fixture
def combo_user(echo, apiuser_factory, grant):
    """Combo, calling with Publik signatures."""
    user = apiuser_factory(username='combo.example.net', keytype='SIGN', key='combo-secret')
    grant(echo, user)
    return user


@pytest.fixture
def ipbx_user(echo, apiuser_factory, grant):
    """The phone system, calling with an API key."""
    user = apiuser_factory()
    grant(echo, user)
    return user


def assert_denied(resp):
    assert resp.status_code == 403
    assert resp.json['err'] == 1
    assert resp.json['err_class'] == 'django.core.exceptions.PermissionDenied'
    assert resp.json['data'] is None


def test_api_user_with_empty_keytype_opens_endpoint_to_anyone(app, open_echo):
    assert app.get(CALL_START).json['err'] == 0


def test_endpoint_without_perm_is_open_without_any_access_right(app, echo):
    assert app.get('/echo-connector/echo/ping').json == {'err': 0, 'data': 'pong'}


def test_no_access_right_refuses_guarded_endpoint(app, echo):
    assert_denied(app.get(CALL_START, status=403))


def test_right_api_key_is_accepted(app, ipbx_user):
    assert app.get(CALL_START + '&apikey=abcdef').json['data']['callee'] == '42'


def test_wrong_api_key_is_refused_and_not_echoed(app, ipbx_user):
    resp = app.get(CALL_START + '&apikey=abcdeg', status=403)
    assert_denied(resp)
    assert 'abcde' not in resp.text


def test_missing_api_key_is_refused(app, ipbx_user):
    assert_denied(app.get(CALL_START, status=403))


def test_empty_api_key_does_not_match_user_without_key(app, echo, apiuser_factory, grant):
    grant(echo, apiuser_factory(key=''))
    assert_denied(app.get(CALL_START + '&apikey=', status=403))


def test_api_key_of_user_granted_on_another_instance_is_refused(app, echo_factory, ipbx_user):
    echo_factory(slug='other')
    assert_denied(app.get(CALL_START.replace('/echo/', '/other/') + '&apikey=abcdef', status=403))


def test_access_right_with_other_codename_is_not_enough(app, echo, apiuser_factory, grant):
    grant(echo, apiuser_factory(), codename='can_view')
    assert_denied(app.get(CALL_START + '&apikey=abcdef', status=403))


def test_http_basic_username_and_key_are_accepted(app, ipbx_user):
    assert app.get(CALL_START, headers=basic('ipbx', 'abcdef')).json['err'] == 0


def test_http_basic_with_wrong_key_is_refused(app, ipbx_user):
    assert_denied(app.get(CALL_START, headers=basic('ipbx', 'abcdeg'), status=403))


def test_http_basic_with_other_username_is_refused(app, ipbx_user):
    assert_denied(app.get(CALL_START, headers=basic('combo', 'abcdef'), status=403))


def test_api_user_restricted_to_an_address_accepts_it(app, ipbx_user):
    ipbx_user.ipsource = '192.0.2.7'
    ipbx_user.save()
    resp = app.get(CALL_START + '&apikey=abcdef', extra_environ={'REMOTE_ADDR': '192.0.2.7'})
    assert resp.json['err'] == 0


def test_api_user_restricted_to_an_address_refuses_another(app, ipbx_user):
    ipbx_user.ipsource = '192.0.2.7'
    ipbx_user.save()
    resp = app.get(CALL_START + '&apikey=abcdef', extra_environ={'REMOTE_ADDR': '198.51.100.9'}, status=403)
    assert_denied(resp)


def test_open_api_user_restricted_to_an_address_refuses_another(app, echo, apiuser_factory, grant):
    grant(echo, apiuser_factory(keytype='', key='', ipsource='192.0.2.7'))
    assert_denied(app.get(CALL_START, extra_environ={'REMOTE_ADDR': '198.51.100.9'}, status=403))


def test_signed_request_from_known_orig_is_accepted(app, combo_user):
    resp = app.get(sign_url(SIGNED_CALLS, 'combo-secret'))
    assert resp.json['data'] == {'caller': '0143250135', 'callee': '42', 'limit': '10'}


def test_signed_request_with_wrong_key_is_refused(app, combo_user):
    assert_denied(app.get(sign_url(SIGNED_CALLS, 'other-secret'), status=403))


def test_signature_sixty_seconds_old_is_refused(app, combo_user):
    timestamp = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=60)
    assert_denied(app.get(sign_url(SIGNED_CALLS, 'combo-secret', timestamp=timestamp), status=403))


def test_signature_sixty_seconds_in_the_future_is_refused(app, combo_user):
    timestamp = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=60)
    assert_denied(app.get(sign_url(SIGNED_CALLS, 'combo-secret', timestamp=timestamp), status=403))


def test_replayed_signed_request_is_refused(app, combo_user):
    url = sign_url(SIGNED_CALLS, 'combo-secret')
    assert app.get(url).json['err'] == 0
    assert_denied(app.get(url, status=403))


def test_signed_request_with_orig_of_another_user_is_refused(app, combo_user):
    url = sign_url(SIGNED_CALLS.replace('combo.example.net', 'wcs.example.net'), 'combo-secret')
    assert_denied(app.get(url, status=403))


def test_signed_request_with_tampered_parameter_is_refused(app, combo_user):
    url = sign_url(SIGNED_CALLS, 'combo-secret').replace('callee=42', 'callee=43')
    assert_denied(app.get(url, status=403))


def test_signed_request_with_parameter_added_after_signature_is_refused(app, combo_user):
    assert_denied(app.get(sign_url(SIGNED_CALLS, 'combo-secret') + '&callee=43', status=403))


def test_signing_key_used_as_api_key_is_refused(app, combo_user):
    assert_denied(app.get(CALL_START + '&apikey=combo-secret', status=403))


def test_is_authorized_is_true_for_no_perm(rf, echo):
    assert is_authorized(echo, rf.get('/'), None)


def test_is_authorized_compares_api_key_of_granted_user(rf, ipbx_user, echo):
    assert is_authorized(echo, rf.get('/', {'apikey': 'abcdef'}), 'can_access')
    assert not is_authorized(echo, rf.get('/', {'apikey': 'ABCDEF'}), 'can_access')


def test_is_accessible_by_checks_can_access_by_default(rf, ipbx_user, echo):
    assert echo.is_accessible_by(rf.get('/', {'apikey': 'abcdef'}))
    assert not echo.is_accessible_by(rf.get('/'))
