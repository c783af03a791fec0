"""Database queries per request: fixed, small, and independent of how many calls are stored or listed.

Every agent portal polls the ``calls`` endpoint every few seconds, all day,
and the IPBX sends two webhooks per call: these counts are what the server
pays per poll and per call. Two of them are the host's (the connector
instance and the API user's access right).
"""

import datetime

import pytest
from django.utils import timezone
from passerelle.base.signature import sign_url

pytestmark = pytest.mark.django_db

CALLS_URL = '/phonecalls/ipbx/calls?callee=42&apikey=abcdef'
START_URL = '/phonecalls/ipbx/call-start?caller=0143250135&callee=42&apikey=abcdef'
STOP_URL = '/phonecalls/ipbx/call-stop?caller=0143250135&callee=42&apikey=abcdef'


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


def test_calls_answer_costs_four_queries(app, api_user, history, django_assert_num_queries):
    history(3)
    # The connector instance, the access right, the current calls, the past calls.
    with django_assert_num_queries(4):
        data = app.get(CALLS_URL).json['data']
    assert (len(data['current']), len(data['past'])) == (1, 3)


def test_calls_answer_costs_the_same_with_forty_calls_listed(
    app, api_user, history, django_assert_num_queries
):
    history(40)
    with django_assert_num_queries(4):
        data = app.get(CALLS_URL + '&limit=40').json['data']
    assert len(data['past']) == 40


def test_signed_calls_request_costs_the_same_queries(
    app, connector, api_user_factory, history, django_assert_num_queries
):
    api_user_factory(connector, username='combo.ville.example', keytype='SIGN', key='shared-secret')
    history(5)
    url = sign_url('/phonecalls/ipbx/calls?callee=42&limit=5&orig=combo.ville.example', 'shared-secret')
    with django_assert_num_queries(4):
        data = app.get(url).json['data']
    assert len(data['past']) == 5


def test_call_start_of_a_new_call_costs_at_most_six_queries(app, api_user, django_assert_max_num_queries):
    # Instance, access right, open call lookup, then the insert in its savepoint.
    with django_assert_max_num_queries(6):
        data = app.get(START_URL).json['data']
    assert data['end'] is None


def test_repeated_call_start_costs_three_queries(app, api_user, call_factory, django_assert_num_queries):
    call = call_factory()
    with django_assert_num_queries(3):
        data = app.get(START_URL).json['data']
    assert data['id'] == call.pk


def test_call_stop_costs_four_queries(app, api_user, call_factory, django_assert_num_queries):
    call_factory()
    # Instance, access right, open call lookup, conditional close.
    with django_assert_num_queries(4):
        data = app.get(STOP_URL).json['data']
    assert data['end'] is not None
