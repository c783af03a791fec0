"""Properties of the cell's views under any request and any connector answer: never a 5xx, always
a JSON ``err`` that no cache keeps, only the agent's own extension asked for, redirects only on site.

Hypothesis draws the requests and the connector's answers. Run with
``--hypothesis-show-statistics`` to see the number of examples; they are also
written to ``test-artifacts/hypothesis-combo-<database>.json``.
"""

import json
import urllib.parse
from pathlib import Path

import pytest
from django.db import connection
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from combo_phone_cell.extensions import clean_extension
from combo_phone_cell.models import AgentExtension
from tests.conftest import examples
from tests.contracts import assert_valid

pytestmark = pytest.mark.django_db

EXAMPLES = {}
# The example counts come from the profile (tests/conftest.py), scaled here per property.
SETTINGS = settings(
    database=None, suppress_health_check=[*settings().suppress_health_check, HealthCheck.data_too_large]
)
CSRF_TOKEN = 'Hq3mHPwv5SqgW6SExZLoqyyCWaTzR2Fa'

ANY_CHARACTER = st.characters(blacklist_categories=('Cs',))
TEXT = st.one_of(
    st.sampled_from(
        ['42', '43', ' 42 ', '', '0' * 65, '4\u202e2', '<b>42</b>', 'javascript:alert(1)', '\x00']
    ),
    st.text(ANY_CHARACTER, max_size=80),
    st.builds(lambda char, count: char * count, ANY_CHARACTER, st.integers(min_value=60, max_value=10240)),
)
PAIRS = st.lists(
    st.tuples(st.one_of(st.sampled_from(['callee', 'extension', 'cell', 'limit', 'user']), TEXT), TEXT),
    max_size=8,
)
# Any JSON, and JSON shaped like the connector's answer with any values in it.
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=12,
)
# Calls with an id and a kind, as the connector lists them, and any value in any other field.
CALL = st.fixed_dictionaries(
    {
        'id': st.one_of(st.integers(), TEXT),
        'kind': st.one_of(st.sampled_from(['external', 'internal', 'withheld', 'unreadable']), TEXT, JSON),
    },
    optional={
        field: st.one_of(TEXT, JSON)
        for field in [
            'caller',
            'callee',
            'caller_e164',
            'caller_national',
            'caller_display',
            'withheld',
            'start',
            'end',
            'duration',
            'details',
        ]
    },
)
ANSWERS = st.one_of(
    JSON,
    st.builds(lambda current: {'err': 0, 'data': {'current': current}}, st.lists(CALL, max_size=3)),
    st.builds(
        lambda err, current, past: {'err': err, 'data': {'current': current, 'past': past}},
        st.sampled_from([0, 0, 0, 0, 1, '0', None]),
        st.lists(CALL, max_size=3),
        st.lists(CALL, max_size=3),
    ),
)


def record(name):
    EXAMPLES[name] = EXAMPLES.get(name, 0) + 1


@pytest.fixture(scope='module', autouse=True)
def examples_figures():
    yield
    artifacts = Path(__file__).resolve().parents[2] / 'test-artifacts'
    artifacts.mkdir(exist_ok=True)
    path = artifacts / f'hypothesis-combo-{connection.vendor}.json'
    path.write_text(json.dumps(EXAMPLES, indent=2, sort_keys=True) + '\n')


@pytest.fixture
def agent_on_42(agent, extension_factory):
    extension_factory(agent, '42')
    return agent


def encode(pairs):
    return urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote)


def assert_no_store_json(response):
    assert response.content_type == 'application/json', response.text[:300]
    assert 'no-store' in response.headers['Cache-Control']
    payload = response.json
    assert payload['err'] in (0, 1)
    if payload['err']:
        assert isinstance(payload['err_desc'], str) and payload['err_desc']
    return payload


@settings(SETTINGS, max_examples=examples(2))
@given(
    method=st.sampled_from(['GET', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']),
    query=PAIRS,
    body=PAIRS,
)
def test_poll_answers_json_to_any_request_and_asks_only_for_the_agents_extension(
    agent_app, agent_on_42, cell, connector, method, query, body
):
    record('poll_requests')
    connector.received.clear()
    params = {'method': method, 'expect_errors': True}
    if method in ('POST', 'PUT', 'PATCH'):
        params.update(body=encode(body).encode(), content_type='application/x-www-form-urlencoded')

    response = agent_app.request(f'/api/phone-call-cell/{cell.pk}/poll/?{encode(query)}', **params)

    event(f'{method} {response.status}')
    assert response.status_int in ((200,) if method == 'GET' else (405,))
    payload = assert_no_store_json(response)
    if method == 'GET':
        assert payload['data']['extension'] == '42'
    assert [
        urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)['callee']
        for path in connector.calls_received
    ] == [['42']] * len(connector.calls_received)


@settings(SETTINGS, max_examples=examples(3))
@given(answer=ANSWERS)
def test_poll_answers_200_or_a_clear_502_whatever_json_the_connector_sends(
    agent_app, agent_on_42, cell, connector, answer
):
    record('connector_answers')
    connector.payload = answer

    response = agent_app.get(f'/api/phone-call-cell/{cell.pk}/poll/', expect_errors=True)

    event(f'poll {response.status}')
    assert response.status_int in (200, 502), response.text[:300]
    payload = assert_no_store_json(response)
    # Contract B: the widget's fields only, bounded, and no number to type but an external caller's.
    assert_valid('poll', payload)
    if payload['err'] == 0:
        calls = payload['data']['current'] + payload['data']['recent']
        assert all(call['caller_display'] is None for call in calls if call['kind'] == 'withheld')


@settings(SETTINGS, max_examples=examples(2))
@given(
    value=TEXT,
    referer=st.one_of(
        st.sampled_from(
            [
                'http://testserver/',
                'http://testserver/agents/?q=1',
                'https://evil.example/',
                '//evil.example/',
                'http://testserver@evil.example/',
                'http://evil.example\\@testserver/',
                'javascript:alert(1)',
                '/\\evil.example',
                '',
            ]
        ),
        st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60),
    ),
)
def test_set_extension_stores_a_valid_extension_or_nothing_and_redirects_only_on_site(
    agent_app, agent_on_42, extension_factory, cell, value, referer
):
    record('set_extension')
    extension_factory(agent_on_42, '42')
    agent_app.set_cookie('csrftoken', CSRF_TOKEN)

    response = agent_app.post(
        f'/api/phone-call-cell/{cell.pk}/extension/',
        {'extension': value, 'csrfmiddlewaretoken': CSRF_TOKEN},
        headers={'Referer': referer},
        expect_errors=True,
    )

    event(f'set extension {response.status}')
    assert response.status_int == 302, response.text[:300]
    location = urllib.parse.urlsplit(response.location)
    assert (location.scheme, location.netloc) in (('', ''), ('http', 'testserver'))
    assert not location.path.startswith('//') and '\\' not in location.path
    after = AgentExtension.of(agent_on_42)
    if not value.strip():
        assert after is None
    elif clean_extension(value) == value.strip() and len(value.strip()) <= 64 and '\x00' not in value:
        assert after == value.strip()
    else:
        assert after == '42'
