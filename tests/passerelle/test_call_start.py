"""call-start: the IPBX says an agent picked up."""

import datetime
import logging

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from passerelle_phonecalls.calls import is_secret_parameter
from passerelle_phonecalls.models import Call

pytestmark = pytest.mark.django_db

START_URL = '/phonecalls/ipbx/call-start?caller=0143250135&callee=42&apikey=abcdef'


@pytest.fixture(autouse=True)
def ipbx_access(api_user):
    return api_user


def test_call_start_of_the_reference_text_opens_a_call(app, connector):
    resp = app.get(START_URL)
    assert resp.status_code == 200
    assert resp.content_type == 'application/json'
    call = Call.objects.get()
    assert (call.resource, call.caller, call.callee, call.end) == (connector, '0143250135', '42', None)
    assert resp.json == {
        'err': 0,
        'data': {
            'id': call.pk,
            'caller': '0143250135',
            'callee': '42',
            'call_id': None,
            'kind': 'external',
            'caller_display': '01 43 25 01 35',
            'caller_national': '0143250135',
            'caller_e164': '+33143250135',
            'withheld': False,
            'start': timezone.localtime(call.start).isoformat(),
            'end': None,
            'duration': None,
            'details': {},
            'on_call_with': None,
            'transferred_from': None,
        },
    }


@pytest.mark.parametrize(
    'caller',
    [
        'sip:0143250135@pbx.mairie.local;user=phone',
        '"Camille Martin" <sip:+33143250135@10.0.0.1>',
        'tel:+33-1-43-25-01-35',
        '0143250135@10.0.0.1',
        '0143250135#',
    ],
)
def test_call_start_stores_the_caller_as_received_and_its_reading(app, caller):
    data = app.get(
        '/phonecalls/ipbx/call-start', params={'caller': caller, 'callee': '42', 'apikey': 'abcdef'}
    ).json['data']
    assert data['caller'] == caller
    assert (data['kind'], data['caller_display'], data['caller_national'], data['caller_e164']) == (
        'external',
        '01 43 25 01 35',
        '0143250135',
        '+33143250135',
    )
    call = Call.objects.get()
    assert (call.caller, call.caller_key, call.kind) == (caller, '+33143250135', 'external')


@pytest.mark.parametrize(
    'caller, kind, display',
    [
        ('1234', 'internal', '1234'),
        ('sip:1234@pbx.mairie.local', 'internal', '1234'),
        ('<img src=x onerror=alert(1)>', 'unreadable', '<img src=x onerror=alert(1)>'),
        ('+44 20 7946 0958', 'external', '+44 20 7946 0958'),
    ],
)
def test_call_start_tells_what_kind_of_caller_is_calling(app, caller, kind, display):
    data = app.get(
        '/phonecalls/ipbx/call-start', params={'caller': caller, 'callee': '42', 'apikey': 'abcdef'}
    ).json['data']
    assert (data['caller'], data['kind'], data['caller_display'], data['caller_national']) == (
        caller,
        kind,
        display,
        None,
    )
    assert data['withheld'] is False


@pytest.mark.parametrize('endpoint', ['call-start', 'call-stop'])
@pytest.mark.parametrize('method', ['get', 'post'])
def test_call_events_take_a_trailing_slash_and_a_form_encoded_post(app, endpoint, method):
    if endpoint == 'call-stop':
        app.get(START_URL)
    params = {'caller': '0143250135', 'callee': '42'}

    resp = getattr(app, method)(f'/phonecalls/ipbx/{endpoint}/?apikey=abcdef', params=params)

    assert (resp.json['err'], resp.json['data']['caller']) == (0, '0143250135')
    call = Call.objects.get()
    assert (call.callee, call.end is None) == ('42', endpoint == 'call-start')


@pytest.mark.parametrize('endpoint, said', [('call-start', 'started'), ('call-stop', 'stopped')])
def test_call_events_never_echo_nor_store_nor_log_the_api_key(app, caplog, endpoint, said):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger='passerelle')
    app.get(START_URL + '&queue=accueil')
    # A repeated start answers the call already open: its answer is checked too.
    resp = app.get(f'/phonecalls/ipbx/{endpoint}?caller=0143250135&callee=42&apikey=abcdef&signature=abcdef')
    assert 'abcdef' not in resp.text
    assert Call.objects.get().details == {'queue': 'accueil'}
    assert f'call {Call.objects.get().pk} {said}' in caplog.text
    assert 'abcdef' not in caplog.text
    assert 'apikey' not in caplog.text


def test_call_start_strips_spaces_around_numbers(app):
    resp = app.get('/phonecalls/ipbx/call-start?caller=+0143250135+&callee=%2042%20&apikey=abcdef')
    assert (resp.json['data']['caller'], resp.json['data']['callee']) == ('0143250135', '42')


def test_call_start_keeps_the_other_parameters_as_details(app):
    resp = app.get(START_URL + '&queue=accueil&channel=SIP%2Ftrunk-0001')
    assert resp.json['data']['details'] == {'queue': 'accueil', 'channel': 'SIP/trunk-0001'}
    assert Call.objects.get().details == {'queue': 'accueil', 'channel': 'SIP/trunk-0001'}


def test_call_start_details_are_bounded(app):
    extra = '&'.join(f'param{i:02d}=value' for i in range(30))
    long_key = 'k' * 65
    resp = app.get(START_URL + '&note=' + 'x' * 300 + '&' + long_key + '=dropped&' + extra)
    details = Call.objects.get().details
    assert len(details) == 20
    assert details['note'] == 'x' * 256
    assert long_key not in details
    assert 'param18' in details and 'param19' not in details
    assert resp.json['data']['details'] == details


def test_call_start_details_lose_their_control_and_invisible_characters(app):
    app.get(START_URL + '&note=line1%0Aline2%00%1B%E2%80%AE%E3%85%A4%CD%8F')
    assert Call.objects.get().details == {'note': 'line1line2'}


def test_call_start_never_stores_access_or_signature_parameters(app):
    app.get(
        START_URL
        + '&signature=c2lnbmF0dXJl&orig=ipbx&nonce=1234&timestamp=2024-01-01T10:00:00Z&algo=sha256'
        + '&APIKEY=abcdef&token=abcdef&password=abcdef&queue=accueil'
    )
    assert Call.objects.get().details == {'queue': 'accueil'}


CREDENTIAL_LOOKING_NAMES = [
    'pass',
    'sip_pass',
    'pwd',
    'userPwd',
    'mdp',
    'mot_de_passe',
    'pin',
    'PIN',
    'user_pin',
    'pinCode',
    'pin2',
    'sig',
    'x-sig',
    'session',
    'sessionid',
    'PHPSESSID',
    'cookie',
    'Set-Cookie',
    'credential',
    'credentials',
    'jeton',
    'jeton_acces',
    'passphrase',
    'X-Auth-Token',
    'api_key',
    'client_secret',
    # Whatever their case.
    'pIN',
    'PaSS',
    'sIG',
    'PiN',
    'pAsS',
    'x_PaSS',
    'PINCODE',
    'userPin',
    # The longer list.
    'pincode',
    'passcode',
    'otp',
    'jwt',
    'pw',
    'bearer',
    'hmac',
    'access_code',
    'Access-Code',
    'pin.code',
]


@pytest.mark.parametrize('name', CREDENTIAL_LOOKING_NAMES)
def test_call_start_never_stores_parameters_named_like_credentials(app, name):
    resp = app.get(START_URL + '&queue=accueil', params={name: 'abcdef'})
    assert resp.json['data']['details'] == {'queue': 'accueil'}
    assert Call.objects.get().details == {'queue': 'accueil'}


def test_call_start_keeps_ordinary_names_that_contain_a_credential_word():
    names = [
        'shipping',
        'opinion',
        'spinner',
        'signal',
        'design',
        'assignee',
        'passage',
        'bypass_queue',
        'compass',
        'typewriter',
        'laptop',
        'footprint',
    ]
    # Whole-word matching keeps them: "pin", "sig", "pass", "pw" and "otp" are not their words.
    assert not [name for name in names if is_secret_parameter(name)]


# A credential's name as an IPBX's template may write it: any case, any separators.
SEPARATORS = st.sampled_from(['_', '-', '.', ' ', '__', ':', '/', '2'])
CREDENTIAL_NAMES = st.sampled_from(
    [
        ['pin'],
        ['pin', 'code'],
        ['pass', 'code'],
        ['otp'],
        ['jwt'],
        ['pw'],
        ['bearer'],
        ['hmac'],
        ['access', 'code'],
        ['pass'],
        ['sig'],
        ['password'],
        ['api', 'key'],
        ['auth', 'token'],
        ['secret'],
    ]
)
AFFIXES = st.sampled_from(['', 'x', 'sip', 'user', 'agent', 'X', 'Sip'])
ORDINARY_NAMES = st.sampled_from(
    ['shipping', 'signal', 'design', 'opinion', 'typewriter', 'spinner', 'passage', 'compass', 'laptop']
)


def any_case(draw, word):
    return ''.join(char.upper() if draw(st.booleans()) else char for char in word)


@given(data=st.data(), words=CREDENTIAL_NAMES, prefix=AFFIXES, suffix=AFFIXES)
def test_credential_names_are_dropped_whatever_their_case_and_separators(data, words, prefix, suffix):
    cased = [any_case(data.draw, word) for word in words]
    name = data.draw(SEPARATORS).join(cased)
    if prefix:
        name = prefix + data.draw(SEPARATORS) + name
    if suffix:
        name = name + data.draw(SEPARATORS) + suffix
    assert is_secret_parameter(name), name


@given(word=ORDINARY_NAMES, case=st.sampled_from([str.lower, str.upper, str.capitalize]), data=st.data())
def test_ordinary_names_holding_a_short_credential_word_are_kept_in_any_case(word, case, data):
    name = case(word)
    prefix, suffix = data.draw(AFFIXES), data.draw(AFFIXES)
    if prefix:
        name = prefix + data.draw(SEPARATORS) + name
    if suffix:
        name = name + data.draw(SEPARATORS) + suffix
    assert not is_secret_parameter(name), name


@pytest.mark.parametrize(
    'caller', ['anonymous', 'Unknown', 'private', 'restricted', 'masqué', 'sip:anonymous@anonymous.invalid']
)
def test_call_start_from_a_withheld_number_is_stored_as_withheld(app, caller):
    resp = app.get(
        '/phonecalls/ipbx/call-start', params={'caller': caller, 'callee': '42', 'apikey': 'abcdef'}
    )
    data = resp.json['data']
    assert data['caller'] == caller
    assert (data['kind'], data['withheld'], data['caller_display']) == ('withheld', True, None)
    assert data['caller_e164'] is None
    assert data['caller_national'] is None
    assert (Call.objects.get().caller_e164, Call.objects.get().caller_key) == ('', 'withheld')


def test_call_start_with_an_e164_caller_gives_its_national_digits(app):
    resp = app.get('/phonecalls/ipbx/call-start?caller=%2B33143250135&callee=42&apikey=abcdef')
    data = resp.json['data']
    assert data['caller'] == '+33143250135'
    assert data['caller_e164'] == '+33143250135'
    assert data['caller_national'] == '0143250135'


def test_call_start_reads_numbers_in_the_connectors_default_region(app, connector):
    connector.default_region = 'BE'
    connector.save()
    data = app.get('/phonecalls/ipbx/call-start?caller=022792211&callee=42&apikey=abcdef').json['data']
    assert (data['caller_e164'], data['caller_national'], data['caller_display']) == (
        '+3222792211',
        '022792211',
        '02 279 22 11',
    )


def test_call_start_replaces_an_open_call_older_than_the_maximum_duration(app, call_factory):
    started = timezone.now() - datetime.timedelta(hours=3)
    forgotten = call_factory(start=started)
    resp = app.get(START_URL)
    assert resp.json['data']['id'] != forgotten.pk
    forgotten.refresh_from_db()
    assert forgotten.end == started + datetime.timedelta(minutes=120)
    assert Call.objects.filter(end__isnull=True).get().pk == resp.json['data']['id']


def test_call_start_with_redirect_sends_to_the_filled_redirect_url(app, connector):
    connector.redirect_url = (
        'https://agents.example.net/recherche/?q={caller_national}&e={caller_e164}&p={callee}'
    )
    connector.save()
    resp = app.get(START_URL + '&redirect=1')
    assert resp.status_code == 302
    assert resp.location == 'https://agents.example.net/recherche/?q=0143250135&e=%2B33143250135&p=42'
    assert Call.objects.filter(caller='0143250135', end__isnull=True).count() == 1


def test_call_start_with_redirect_url_quotes_the_raw_caller(app, connector):
    connector.redirect_url = 'https://agents.example.net/?q={caller}'
    connector.save()
    resp = app.get(
        '/phonecalls/ipbx/call-start?caller=01+43+25+01+35%26x%3D1&callee=42&apikey=abcdef&redirect=1'
    )
    assert resp.location == 'https://agents.example.net/?q=01%2043%2025%2001%2035%26x%3D1'


def test_call_start_with_redirect_of_a_withheld_number_leaves_the_caller_empty(app, connector):
    connector.redirect_url = 'https://agents.example.net/?q={caller}&n={caller_national}'
    connector.save()
    resp = app.get('/phonecalls/ipbx/call-start?caller=anonymous&callee=42&apikey=abcdef&redirect=1')
    assert resp.location == 'https://agents.example.net/?q=&n='


def test_call_start_with_redirect_but_no_redirect_url_is_a_clear_400(app):
    resp = app.get(START_URL + '&redirect=1', status=400)
    assert resp.json['err'] == 1
    assert 'redirect' in resp.json['err_desc']
    assert Call.objects.count() == 0


def test_call_start_with_redirect_0_answers_json(app, connector):
    connector.redirect_url = 'https://agents.example.net/?q={caller}'
    connector.save()
    resp = app.get(START_URL + '&redirect=0')
    assert resp.status_code == 200
    assert resp.json['err'] == 0


def test_internal_call_is_recorded_by_default(app):
    resp = app.get('/phonecalls/ipbx/call-start?caller=1234&callee=42&apikey=abcdef')
    assert (resp.json['data']['caller'], resp.json['data']['kind']) == ('1234', 'internal')
    assert Call.objects.get().caller == '1234'


@pytest.mark.parametrize('caller', ['1234', 'sip:1234@pbx.mairie.local'])
def test_internal_call_is_acknowledged_but_not_stored_when_internal_calls_are_not_recorded(
    app, connector, caller
):
    connector.record_internal_calls = False
    connector.save()
    resp = app.get(
        '/phonecalls/ipbx/call-start', params={'caller': caller, 'callee': '42', 'apikey': 'abcdef'}
    )
    assert resp.status_code == 200
    assert resp.json['err'] == 0
    assert resp.json['data']['ignored'] is True
    assert (resp.json['data']['caller'], resp.json['data']['callee']) == (caller, '42')
    assert resp.json['data']['reason']
    assert Call.objects.count() == 0


def test_external_call_is_recorded_when_internal_calls_are_not(app, connector):
    connector.record_internal_calls = False
    connector.save()
    resp = app.get(START_URL)
    assert 'ignored' not in resp.json['data']
    assert Call.objects.count() == 1


# The IPBX's call identifier.


@pytest.mark.parametrize('name', ['call_id', 'callid', 'uniqueid', 'linkedid'])
def test_call_start_stores_the_call_identifier_under_any_of_its_names(app, name):
    resp = app.get(START_URL + '&queue=accueil', params={name: '1700000000.42'})
    assert resp.json['data']['call_id'] == '1700000000.42'
    assert resp.json['data']['details'] == {'queue': 'accueil'}
    assert Call.objects.get().call_id == '1700000000.42'


def test_call_identifier_names_take_precedence_in_the_documented_order(app):
    resp = app.get(START_URL + '&linkedid=L&uniqueid=U&callid=C&call_id=I')
    assert resp.json['data']['call_id'] == 'I'
    # The identifiers not used are kept as details, like any other parameter.
    assert resp.json['data']['details'] == {'linkedid': 'L', 'uniqueid': 'U', 'callid': 'C'}
    resp = app.get(START_URL.replace('0143250135', '0612345678') + '&linkedid=L&uniqueid=U')
    assert resp.json['data']['call_id'] == 'U'
    assert resp.json['data']['details'] == {'linkedid': 'L'}


def test_empty_call_identifier_counts_as_none(app):
    resp = app.get(START_URL + '&call_id=&uniqueid=%20&linkedid=L')
    assert resp.json['data']['call_id'] == 'L'
    resp = app.get(START_URL.replace('0143250135', '0612345678') + '&call_id=')
    assert resp.json['data']['call_id'] is None
