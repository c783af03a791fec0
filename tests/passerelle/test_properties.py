"""Properties of every connector endpoint under any request: never a 5xx, always a JSON ``err``,
nothing stored when refused, the key never echoed.

How the host checks keys and signatures is the host's business, tested with
the stand-ins (``tests/hosts/``); here a request has the right key, a wrong
one, or none, and the connector's own answers are checked.

Hypothesis draws the requests: any HTTP method, any text of any length (up
to 10 kB), undecodable bytes, unknown, repeated and secret-looking parameters,
parameters in the query string or in a form body, garbage bodies. Run with
``--hypothesis-show-statistics`` to see the number of examples; they are also
written to ``test-artifacts/hypothesis-<database>.json``.
"""

import re
from urllib.parse import quote, quote_from_bytes

import django
import pytest
from django.db import connection
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from passerelle_phonecalls.calls import CALL_ID_PARAMETERS, is_secret_parameter
from passerelle_phonecalls.models import Call
from passerelle_phonecalls.numbers import has_hidden_characters
from tests.conftest import examples
from tests.passerelle.support import record_figures

pytestmark = pytest.mark.django_db

KEY = 'Zk7-property-test-key-Qw93'
REDIRECT_URL = 'https://agents.example.net/recherche/?q={caller}&n={caller_national}'
EXAMPLES = {}

SETTINGS = settings(
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

# Text of any kind: lone surrogates cannot travel in a URL, everything else can.
ANY_CHARACTER = st.characters(blacklist_categories=('Cs',))
REALISTIC = st.sampled_from(
    [
        '0143250135',
        '+33 1 43 25 01 35',
        '01.43.25.01.35',
        '42',
        '1234',
        'anonymous',
        'masqué',
        '',
        ' ',
        '0' * 64,
        '0' * 65,
        '1',
        '100',
        '101',
        '0',
        '-1',
        '1e3',
        '١٢',
        'true',
        'yes',
        '<script>alert(1)</script>',
        'javascript:alert(1)',
        '\u202e5310234310',
        '%00',
        '{caller}',
        'a\r\nLocation: https://evil.example/',
    ]
)
TEXT = st.one_of(
    REALISTIC,
    st.text(ANY_CHARACTER, max_size=80),
    st.builds(lambda char, count: char * count, ANY_CHARACTER, st.integers(min_value=60, max_value=10240)),
)
# Raw bytes, often not UTF-8: sent percent-encoded as they are.
BYTES = st.binary(max_size=40)
VALUE = st.one_of(TEXT, BYTES)
NAME = st.one_of(
    st.sampled_from(
        [
            'caller',
            'callee',
            'limit',
            'redirect',
            'apikey',
            'APIKEY',
            'signature',
            'orig',
            'nonce',
            'timestamp',
            'algo',
            'token',
            'password',
            'queue',
            'uniqueid',
            'note',
        ]
    ),
    st.text(ANY_CHARACTER, max_size=70),
)
VALID_ENDPOINTS = ['call-start', 'call-start/', 'call-stop', 'call-stop/', 'calls', 'calls/']
# Sampled uniformly: mostly the real endpoints, sometimes paths that are none.
ENDPOINTS = st.sampled_from(VALID_ENDPOINTS * 3 + ['call-start/extra', 'unknown', 'calls/42'])
METHODS = st.one_of(
    st.just('GET'), st.just('POST'), st.sampled_from(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])
)
# Most requests are well-formed enough to reach the endpoints' own checks.
NUMBERS = st.one_of(
    st.sampled_from(['0143250135', '+33 1 43 25 01 35', '42', '43', '1234', 'anonymous']), VALUE
)
# The right key, or a wrong one, none, or the right one repeated before or after a wrong one.
KEYS = st.one_of(
    st.just([KEY]), st.sampled_from([[], ['abcdef'], [KEY.upper()], ['wrong', KEY], [KEY, 'wrong'], ['']])
)
GARBAGE_BODIES = st.sampled_from(
    [
        (
            'multipart/form-data; boundary=xyz',
            b'--xyz\r\nContent-Disposition: form-data; name="caller"\r\n\r\n01',
        ),
        ('multipart/form-data', b'not multipart at all'),
        ('application/json', b'{"caller": "0143250135", "callee": "42"}'),
        ('application/x-www-form-urlencoded', b'caller=%FF%FE&callee=4%2'),
        ('text/plain', b'\x00\x01\x02'),
    ]
)


def encode(value):
    if isinstance(value, bytes):
        return quote_from_bytes(value, safe='')
    return quote(value, safe='')


def encode_pairs(pairs):
    return '&'.join(f'{encode(name)}={encode(value)}' for name, value in pairs)


@st.composite
def hostile_requests(draw):
    """A request to the connector: (method, path, query pairs, body pairs or raw body, content type)."""
    method = draw(METHODS)
    endpoint = draw(ENDPOINTS)
    pairs = []
    # Most requests carry the two numbers, so that the endpoints' own checks are reached.
    for name in ('caller', 'callee'):
        if draw(st.integers(min_value=0, max_value=4)):
            pairs.append((name, draw(NUMBERS)))
    pairs += draw(st.lists(st.tuples(NAME, VALUE), max_size=12))
    pairs = draw(st.permutations(pairs))
    query = [('apikey', key) for key in draw(KEYS)]
    body, content_type = b'', None
    if method in ('POST', 'PUT', 'PATCH') and draw(st.booleans()):
        content_type, body = draw(GARBAGE_BODIES)
        query += pairs
    elif method in ('POST', 'PUT', 'PATCH'):
        in_body = draw(st.lists(st.booleans(), min_size=len(pairs), max_size=len(pairs)))
        query += [pair for pair, goes_in_body in zip(pairs, in_body, strict=True) if not goes_in_body]
        body = encode_pairs(pair for pair, goes_in_body in zip(pairs, in_body, strict=True) if goes_in_body)
        body, content_type = body.encode(), 'application/x-www-form-urlencoded'
    else:
        query += pairs
    query = draw(st.permutations(query))
    return method, f'/phonecalls/ipbx/{endpoint}', encode_pairs(query), body, content_type


def snapshot():
    return list(
        Call.objects.order_by('pk').values_list('pk', 'caller', 'callee', 'caller_e164', 'end', 'details')
    )


def send(app, method, path, query, body=b'', content_type=None):
    params = {'method': method, 'expect_errors': True}
    if body or content_type:
        params.update(body=body, content_type=content_type or 'application/octet-stream')
    return app.request(f'{path}?{query}' if query else path, **params)


def assert_json_error_shape(resp):
    assert resp.content_type == 'application/json', (resp.status, resp.text[:300])
    payload = resp.json
    assert payload['err'] in (0, 1)
    if resp.status_int >= 400:
        assert payload['err'] == 1
        assert isinstance(payload['err_desc'], str) and payload['err_desc']
    return payload


@pytest.fixture
def ipbx(connector, api_user_factory):
    """The ``ipbx`` connector, open to the IPBX's API key ``KEY``."""
    api_user_factory(connector, key=KEY)
    return connector


@settings(SETTINGS, max_examples=examples(4))
@given(request=hostile_requests(), redirect_url=st.sampled_from(['', REDIRECT_URL]), internal=st.booleans())
def test_any_request_gets_a_json_answer_never_a_server_error_and_refusals_store_nothing(
    app, ipbx, call_factory, request, redirect_url, internal
):
    EXAMPLES['any_request'] = EXAMPLES.get('any_request', 0) + 1
    Call.objects.all().delete()
    ipbx.redirect_url, ipbx.record_internal_calls = redirect_url, internal
    ipbx.save()
    call_factory(resource=ipbx)
    before = snapshot()

    resp = send(app, *request)

    event(f'{request[0]} {resp.status}')
    assert resp.status_int < 500, resp.text[:500]
    assert KEY not in resp.text
    assert KEY not in str(resp.headers)
    if resp.status_int == 400 and resp.content_type == 'text/html':
        # Django itself refuses a body it cannot parse, before Passerelle's view is reached
        # (see test_request_body_the_host_cannot_parse_is_a_plain_400_and_stores_nothing).
        assert request[4].startswith('multipart/form-data'), resp.text[:300]
        assert snapshot() == before
        return
    if resp.status_int == 302:
        assert resp.location.startswith('https://agents.example.net/recherche/?q=')
        assert not re.search(r'[\r\n<>"\s]', resp.location)
        return
    payload = assert_json_error_shape(resp)
    after = snapshot()
    if payload['err'] or resp.status_int != 200:
        assert after == before
        return
    event('served: ' + ('a call stored or closed' if after != before else 'nothing to change'))
    assert len(after) <= len(before) + 1
    for _pk, caller, callee, _e164, _end, details in after:
        assert 0 < len(caller) <= 64 and 0 < len(callee) <= 64
        assert len(details) <= 20
        assert not any(is_secret_parameter(name) for name in details)
        assert all(len(value) <= 256 and '\x00' not in value for value in details.values())


# Any text the connector accepts as a number: 1 to 64 characters once stripped, no control or invisible character.
ACCEPTED_NUMBER = st.text(
    st.characters(blacklist_categories=('Cc', 'Cf', 'Cs', 'Co', 'Cn', 'Zl', 'Zp')), min_size=1, max_size=64
).filter(lambda text: text.strip() and not has_hidden_characters(text))


@settings(SETTINGS)
@given(
    caller=ACCEPTED_NUMBER,
    callee=ACCEPTED_NUMBER,
    extra=st.lists(st.tuples(NAME, VALUE), max_size=30),
    method=st.sampled_from(['GET', 'POST']),
)
def test_any_accepted_number_with_any_extra_parameters_is_stored_as_sent_and_closed_by_its_stop(
    app, ipbx, caller, callee, extra, method
):
    EXAMPLES['accepted_numbers'] = EXAMPLES.get('accepted_numbers', 0) + 1
    Call.objects.all().delete()
    # The numbers last, so that a random extra parameter of the same name does not replace them.
    ignored = ('caller', 'callee', 'redirect', 'apikey', *CALL_ID_PARAMETERS)
    pairs = [(name, value) for name, value in extra if name not in ignored]
    pairs += [('caller', caller), ('callee', callee)]
    if method == 'GET':
        query, body = encode_pairs([*pairs, ('apikey', KEY)]), b''
    else:
        query, body = encode_pairs([('apikey', KEY)]), encode_pairs(pairs).encode()
    content_type = 'application/x-www-form-urlencoded' if body else None

    started = send(app, method, '/phonecalls/ipbx/call-start', query, body, content_type)
    stopped = send(app, method, '/phonecalls/ipbx/call-stop', query, body, content_type)

    assert (started.status_int, stopped.status_int) == (200, 200), started.text[:300]
    assert KEY not in started.text + stopped.text
    call = Call.objects.get()
    assert started.json['data']['id'] == stopped.json['data']['id'] == call.pk
    assert (call.caller, call.callee) == (caller.strip(), callee.strip())
    assert (started.json['data']['caller'], started.json['data']['callee']) == (call.caller, call.callee)
    assert call.end is not None
    assert stopped.json['data']['details'] == call.details
    assert len(call.details) <= 20
    assert not any(is_secret_parameter(name) for name in call.details)
    assert all(len(value) <= 256 and '\x00' not in value for value in call.details.values())


@pytest.mark.parametrize(
    'content_type, body',
    [('multipart/form-data', b'not multipart at all'), ('multipart/form-data; boundary=', b'--\r\n')],
)
def test_request_body_the_host_cannot_parse_is_a_plain_400_and_stores_nothing(app, ipbx, content_type, body):
    """Django refuses a malformed multipart body with its own HTML 400, before any connector code runs."""
    resp = send(app, 'POST', '/phonecalls/ipbx/call-start', f'apikey={KEY}', body, content_type)
    assert resp.status_int == 400
    assert not Call.objects.exists()


@pytest.mark.skipif(
    django.VERSION < (5, 0),
    reason="Django 4.2's admin-mail log handler reads the oversized query again while reporting "
    'the 400 and raises TooManyFieldsSent itself (fixed in Django 5)',
)
def test_too_many_parameters_are_a_plain_400_and_store_nothing(app, ipbx):
    """Past Django's DATA_UPLOAD_MAX_NUMBER_FIELDS (1000) the query is refused before any connector code."""
    query = encode_pairs(
        [('caller', '0143250135'), ('callee', '42'), ('apikey', KEY)] + [('note', 'x')] * 1000
    )
    resp = send(app, 'GET', '/phonecalls/ipbx/call-start', query)
    assert resp.status_int == 400
    assert not Call.objects.exists()


@pytest.fixture(scope='module', autouse=True)
def examples_figures():
    yield
    record_figures(f'hypothesis-{connection.vendor}', EXAMPLES)
