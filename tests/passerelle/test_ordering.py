"""Event ordering: what late, early, repeated and retried webhooks do (docs/security.rst, "Event ordering").

The IPBX sends no call identifier, only ``caller`` and ``callee``: the
connector knows a call by its pair and by whether the pair has a call open.
"""

import datetime
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passerelle_phonecalls.models import Call
from tests.passerelle.soak import Event, expected_calls, record_figures, stored_calls

pytestmark = pytest.mark.django_db

CALLER = '0143250135'
EXAMPLES = {}


@pytest.fixture(autouse=True)
def ipbx_access(api_user):
    return api_user


@pytest.fixture(scope='module', autouse=True)
def examples_figures():
    yield
    record_figures(f'hypothesis-{connection.vendor}', EXAMPLES)


def send(app, endpoint, caller=CALLER, callee='42', **extra):
    """Send the IPBX's webhook to ``endpoint`` ('call-start' or 'call-stop'); return the answer's data."""
    query = urlencode({'caller': caller, 'callee': callee, **extra, 'apikey': 'abcdef'})
    resp = app.get(f'/phonecalls/ipbx/{endpoint}?{query}')
    assert resp.json['err'] == 0
    return resp.json['data']


def current_and_past(app, callee='42'):
    data = app.get(f'/phonecalls/ipbx/calls?callee={callee}&apikey=abcdef').json['data']
    return [call['id'] for call in data['current']], [call['id'] for call in data['past']]


def test_stop_before_its_start_finds_no_open_call(app):
    assert send(app, 'call-stop') == {'caller': CALLER, 'callee': '42', 'open_call': False}
    assert Call.objects.count() == 0


def test_start_arriving_after_its_stop_opens_a_call_that_stays_open(app):
    send(app, 'call-stop')
    call = send(app, 'call-start')
    assert call['end'] is None
    assert current_and_past(app) == ([call['id']], [])
    assert Call.objects.get().end is None


def test_call_opened_by_a_late_start_is_closed_by_the_next_stop_of_the_pair(app):
    send(app, 'call-stop', hangup='first')
    late = send(app, 'call-start', event='first')
    closed = send(app, 'call-stop', hangup='second')
    assert closed['id'] == late['id']
    assert closed['details'] == {'event': 'first', 'hangup': 'second'}


def test_call_opened_by_a_late_start_is_closed_by_the_hourly_job_after_the_maximum_duration(app, connector):
    send(app, 'call-stop')
    late = send(app, 'call-start')
    started = timezone.now() - datetime.timedelta(minutes=121)
    Call.objects.filter(pk=late['id']).update(start=started)
    # Past the maximum duration it is no longer presented as the call in progress...
    assert current_and_past(app) == ([], [])
    connector.hourly()
    # ...and the hourly job closes it at its start plus the maximum duration.
    assert Call.objects.get().end == started + datetime.timedelta(minutes=120)
    assert current_and_past(app) == ([], [late['id']])


def test_start_retried_while_its_call_is_open_returns_the_same_call(app):
    first = send(app, 'call-start', event='first')
    retried = send(app, 'call-start', event='retry')
    assert retried == first
    assert retried['details'] == {'event': 'first'}


def test_start_retried_after_its_stop_opens_a_new_call(app):
    first = send(app, 'call-start')
    send(app, 'call-stop')
    retried = send(app, 'call-start')
    assert retried['id'] != first['id']
    assert retried['end'] is None
    assert current_and_past(app) == ([retried['id']], [first['id']])


def test_second_call_from_the_same_caller_to_the_same_agent_after_a_stop_is_a_new_call(app):
    first = send(app, 'call-start')
    send(app, 'call-stop')
    second = send(app, 'call-start')
    closed = send(app, 'call-stop')
    assert closed['id'] == second['id'] != first['id']
    assert current_and_past(app) == ([], [second['id'], first['id']])
    assert Call.objects.filter(end__isnull=True).count() == 0


def test_stop_retried_after_the_next_start_of_the_pair_closes_that_new_call(app):
    send(app, 'call-start')
    send(app, 'call-stop')
    second = send(app, 'call-start')
    # Without a call identifier the late copy of the first stop cannot be told apart
    # from the second call's own stop.
    closed = send(app, 'call-stop')
    assert closed['id'] == second['id']
    assert send(app, 'call-stop')['open_call'] is False


def test_events_of_a_pair_never_touch_the_calls_of_another_pair(app):
    ours = send(app, 'call-start')
    other_caller = send(app, 'call-start', caller='0612345678')
    other_agent = send(app, 'call-start', callee='43')
    send(app, 'call-stop')
    assert Call.objects.get(pk=ours['id']).end is not None
    assert Call.objects.get(pk=other_caller['id']).end is None
    assert Call.objects.get(pk=other_agent['id']).end is None


EVENTS = st.lists(
    st.builds(
        Event,
        kind=st.sampled_from(['start', 'stop']),
        caller=st.sampled_from(['0143250135', '+33143250135']),
        callee=st.sampled_from(['42', '43']),
        tag=st.sampled_from(['a', 'b', 'c', 'd']),
    ),
    max_size=12,
)


@settings(
    max_examples=75,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(events=EVENTS)
def test_any_sequence_of_events_leaves_the_calls_the_reference_model_computes(app, events):
    """Replayed in order, any log of starts and stops gives the calls of ``soak.expected_calls``."""
    EXAMPLES['ordering'] = EXAMPLES.get('ordering', 0) + 1
    Call.objects.all().delete()
    for event in events:
        send(app, f'call-{event.kind}', **event.params)
    assert stored_calls(Call.objects.all()) == expected_calls(events)
    assert Call.objects.filter(end__isnull=True).count() == sum(
        1 for calls in expected_calls(events).values() if calls[-1][1] is None
    )
