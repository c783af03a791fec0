"""Queries the connector sends per request: fixed, small, and independent of how many calls are stored
or listed.

Every agent portal polls the ``calls`` endpoint every few seconds, all day,
and the IPBX sends two webhooks per call: these counts are what the connector
pays per poll and per call. Only the queries on the connector's call table
are counted: finding the connector instance and checking the caller's access
are the host's business, and cost what they cost on the real host.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from passerelle.base.signature import sign_url

from passerelle_phonecalls.models import Call

pytestmark = pytest.mark.django_db

CALLS_URL = '/phonecalls/ipbx/calls?callee=42&apikey=abcdef'
START_URL = '/phonecalls/ipbx/call-start?caller=0143250135&callee=42&apikey=abcdef'
STOP_URL = '/phonecalls/ipbx/call-stop?caller=0143250135&callee=42&apikey=abcdef'


def call_table_queries(app, url):
    """Send ``url``; return its JSON answer and the SQL statements it sent to the call table."""
    with CaptureQueriesContext(connection) as captured:
        answer = app.get(url).json
    table = Call._meta.db_table
    return answer, [query['sql'] for query in captured.captured_queries if table in query['sql']]


@pytest.fixture
def history(call_factory):
    """Extension 42's calls: ``history(count)`` adds ``count`` finished calls and one open call."""

    def add(count):
        now = timezone.now()
        for minutes in range(1, count + 1):
            start = now - datetime.timedelta(minutes=minutes * 10)
            call_factory(caller=f'06{minutes:08d}', start=start, end=start + datetime.timedelta(minutes=3))
        call_factory(caller='0699999999', start=now - datetime.timedelta(minutes=1))

    return add


@pytest.mark.parametrize('count, limit', [(3, 10), (40, 40)])
def test_calls_answer_costs_two_queries_however_many_calls_are_listed(app, api_user, history, count, limit):
    history(count)
    answer, queries = call_table_queries(app, CALLS_URL + f'&limit={limit}')
    # The current calls, the past calls: never one query per call.
    assert len(queries) == 2, queries
    assert (len(answer['data']['current']), len(answer['data']['past'])) == (1, count)


def test_calls_answer_with_announcements_costs_one_query_more_however_many(app, api_user, call_factory):
    # Agents 44, 45 and 46 call 42, 44 and 46 while on a call with a citizen.
    for extension in ('44', '45', '46'):
        call_factory(caller=extension)
    call_factory(caller='0143250135', callee='44')
    call_factory(caller='0612345678', callee='46')
    answer, queries = call_table_queries(app, CALLS_URL)
    # The current calls, the past calls, then who the callers of the current internal calls are on a call with.
    assert len(queries) == 3, queries
    on_call_with = {call['caller']: call['on_call_with'] for call in answer['data']['current']}
    assert {caller: (partner or {}).get('caller_national') for caller, partner in on_call_with.items()} == {
        '44': '0143250135',
        '45': None,
        '46': '0612345678',
    }


def test_signed_calls_request_costs_the_same_queries(app, connector, api_user_factory, history):
    api_user_factory(connector, username='combo.ville.example', keytype='SIGN', key='shared-secret')
    history(5)
    url = sign_url('/phonecalls/ipbx/calls?callee=42&limit=5&orig=combo.ville.example', 'shared-secret')
    answer, queries = call_table_queries(app, url)
    assert len(queries) == 2, queries
    assert len(answer['data']['past']) == 5


def test_call_start_of_a_new_call_costs_two_queries(app, api_user):
    answer, queries = call_table_queries(app, START_URL)
    # The open call lookup, then the insert (in its savepoint).
    assert len(queries) == 2, queries
    assert answer['data']['end'] is None


def test_repeated_call_start_costs_one_query(app, api_user, call_factory):
    call = call_factory()
    answer, queries = call_table_queries(app, START_URL)
    assert len(queries) == 1, queries
    assert answer['data']['id'] == call.pk


def test_call_start_with_a_call_id_costs_three_queries(app, api_user):
    answer, queries = call_table_queries(app, START_URL + '&call_id=c1')
    # The call of that identifier, the pair's open call, the insert.
    assert len(queries) == 3, queries
    assert answer['data']['call_id'] == 'c1'


def test_call_stop_costs_two_queries(app, api_user, call_factory):
    call_factory()
    answer, queries = call_table_queries(app, STOP_URL)
    # The open call lookup, the conditional close.
    assert len(queries) == 2, queries
    assert answer['data']['end'] is not None


def test_call_stop_with_a_call_id_costs_two_queries(app, api_user, call_factory):
    call_factory(call_id='c1')
    answer, queries = call_table_queries(app, STOP_URL + '&call_id=c1')
    # The call of that identifier, the conditional close.
    assert len(queries) == 2, queries
    assert answer['data']['end'] is not None
