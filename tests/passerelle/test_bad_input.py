"""Bad input: a clear HTTP 400 naming the parameter, and nothing stored."""

from urllib.parse import urlencode

import pytest

from passerelle_phonecalls.models import Call

pytestmark = pytest.mark.django_db

VALID = {'caller': '0143250135', 'callee': '42'}

BAD_VALUES = {
    'empty': '',
    'whitespace only': '   ',
    '65 characters': '0' * 65,
    'NUL character': '0143250135\x00',
    'escape character': '\x1b[31m42',
    'newline': '01432\n50135',
    'right-to-left override': '42\u202e',
    'line separator': '4\u20282',
    'zero width space': '0143\u200b250135',
    'combining grapheme joiner': '01\u034f43250135',
}
# The invisible characters an attacker with the key could use to pass one caller for another.
INVISIBLE = ['\u034f', '\u115f', '\u1160', '\u3164', '\uffa0', '\u2800', '\u17b4', '\u200b', '\ufe0f']


@pytest.fixture(autouse=True)
def ipbx_access(api_user):
    return api_user


def url(endpoint, **params):
    query = urlencode({**params, 'apikey': 'abcdef'})
    return f'/phonecalls/ipbx/{endpoint}?{query}'


def assert_refused(resp, parameter):
    assert resp.status_code == 400
    assert resp.json['err'] == 1
    assert resp.json['data'] is None
    assert f"'{parameter}'" in resp.json['err_desc']


@pytest.mark.parametrize('endpoint', ['call-start', 'call-stop'])
@pytest.mark.parametrize('parameter', ['caller', 'callee'])
def test_call_event_without_a_number_is_refused_naming_it(app, endpoint, parameter):
    params = {key: value for key, value in VALID.items() if key != parameter}
    resp = app.get(url(endpoint, **params), status=400)
    assert_refused(resp, parameter)
    assert Call.objects.count() == 0


@pytest.mark.parametrize('method', ['get', 'post'])
@pytest.mark.parametrize('endpoint', ['call-start', 'call-stop'])
@pytest.mark.parametrize('parameter', ['caller', 'callee'])
@pytest.mark.parametrize('bad_value', BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_call_event_with_an_invalid_number_is_refused_naming_it(
    app, call_factory, method, endpoint, parameter, bad_value
):
    open_call = call_factory()
    params = {**VALID, parameter: bad_value}
    if method == 'get':
        resp = app.get(url(endpoint, **params), status=400)
    else:
        resp = app.post(url(endpoint), params=params, status=400)
    assert_refused(resp, parameter)
    assert list(Call.objects.all()) == [open_call]
    open_call.refresh_from_db()
    assert open_call.end is None


def test_number_of_64_characters_is_accepted(app):
    resp = app.get(url('call-start', caller='0' * 64, callee='4' * 64))
    assert resp.json['err'] == 0
    assert Call.objects.get().caller == '0' * 64


@pytest.mark.parametrize('bad_value', ['yes please', '2', 'maybe'])
def test_call_start_with_an_invalid_redirect_flag_is_refused_naming_it(app, bad_value):
    resp = app.get(url('call-start', redirect=bad_value, **VALID), status=400)
    assert_refused(resp, 'redirect')
    assert Call.objects.count() == 0


def test_calls_without_callee_is_refused_naming_it(app):
    assert_refused(app.get(url('calls'), status=400), 'callee')


@pytest.mark.parametrize('parameter', ['caller', 'callee'])
@pytest.mark.parametrize('bad_value', BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_calls_with_an_invalid_number_is_refused_naming_it(app, parameter, bad_value):
    resp = app.get(url('calls', **{**VALID, parameter: bad_value}), status=400)
    assert_refused(resp, parameter)


@pytest.mark.parametrize('limit', ['0', '101', '-1', 'ten', '1.5', '99999999999999999999'])
def test_calls_with_a_limit_out_of_1_to_100_is_refused_naming_it(app, limit):
    assert_refused(app.get(url('calls', callee='42', limit=limit), status=400), 'limit')


@pytest.mark.parametrize('limit', ['', ' '])
def test_calls_with_an_empty_limit_uses_the_default_limit(app, call_factory, limit):
    for minutes in range(12):
        call_factory(caller=f'06123456{minutes:02d}')
    assert len(app.get(url('calls', callee='42', limit=limit)).json['data']['current']) == 10


def test_undecodable_bytes_in_the_query_do_not_cause_a_server_error(app):
    resp = app.get('/phonecalls/ipbx/call-start?caller=01432%FF50135&callee=42&apikey=abcdef&note=%C3%28')
    assert resp.status_code == 200
    assert resp.json['err'] == 0


def test_nul_characters_in_details_are_dropped_so_every_database_stores_them(app):
    resp = app.get(url('call-start', **VALID, **{'no\x00te': 'a\x00b'}))
    assert resp.json['data']['details'] == {'note': 'ab'}
    assert Call.objects.get().details == {'note': 'ab'}


@pytest.mark.parametrize('endpoint', ['call-start', 'call-stop', 'calls'])
@pytest.mark.parametrize('char', INVISIBLE, ids=[f'U+{ord(char):04X}' for char in INVISIBLE])
def test_caller_holding_an_invisible_character_is_refused_naming_it(app, call_factory, endpoint, char):
    open_call = call_factory()
    resp = app.get(url(endpoint, caller='01' + char + '43250135', callee='42'), status=400)
    assert_refused(resp, 'caller')
    assert 'invisible' in resp.json['err_desc']
    assert list(Call.objects.all()) == [open_call]
    open_call.refresh_from_db()
    assert open_call.end is None


@pytest.mark.parametrize(
    'endpoint, parameter',
    [
        ('call-start', 'call_id'),
        ('call-start', 'callid'),
        ('call-start', 'uniqueid'),
        ('call-start', 'linkedid'),
        ('call-stop', 'call_id'),
        ('call-stop', 'linkedid'),
    ],
)
@pytest.mark.parametrize(
    'bad_value', ['c' * 129, '1700000000.42\u200b'], ids=['129 characters', 'zero width']
)
def test_call_event_with_an_invalid_call_identifier_is_refused_naming_it(
    app, call_factory, endpoint, parameter, bad_value
):
    open_call = call_factory()
    resp = app.get(url(endpoint, **VALID, **{parameter: bad_value}), status=400)
    assert_refused(resp, parameter)
    assert list(Call.objects.all()) == [open_call]
    open_call.refresh_from_db()
    assert open_call.end is None


def test_call_identifier_of_128_characters_is_accepted(app):
    resp = app.get(url('call-start', **VALID, call_id='c' * 128))
    assert Call.objects.get().call_id == resp.json['data']['call_id'] == 'c' * 128
