"""Event ordering: what late, early, repeated and retried webhooks do (docs/security.rst, "Event ordering").

Without a call identifier the connector knows a call by its pair, the
caller's identity and the callee, and by whether the pair has a call open.
With one (``call_id``, ``callid``, ``uniqueid`` or ``linkedid``), a start and
a stop are paired by it, whatever their order.
"""

import datetime
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from passerelle_phonecalls.models import Call
from tests.passerelle.support import Event, expected_calls, record_figures, stored_calls

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


# Without a call identifier.


def test_start_arriving_after_its_stop_opens_a_call_that_stays_open(app):
    assert send(app, 'call-stop')['open_call'] is False
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
    retried = send(app, 'call-start', caller='+33 1 43 25 01 35', event='retry')
    assert retried == first
    assert retried['details'] == {'event': 'first'}
    assert Call.objects.count() == 1


def test_start_after_a_stop_opens_a_new_call(app):
    """A retried start and the caller calling back are the same request: both open a new call."""
    first = send(app, 'call-start')
    send(app, 'call-stop')
    second = send(app, 'call-start')
    assert second['id'] != first['id']
    assert second['end'] is None
    assert current_and_past(app) == ([second['id']], [first['id']])
    closed = send(app, 'call-stop')
    assert closed['id'] == second['id']
    assert current_and_past(app) == ([], [second['id'], first['id']])


def test_stop_sent_twice_changes_nothing_the_second_time(app):
    send(app, 'call-start')
    closed = send(app, 'call-stop', hangup='first')
    assert send(app, 'call-stop', hangup='again') == {
        'caller': CALLER,
        'callee': '42',
        'call_id': None,
        'open_call': False,
    }
    call = Call.objects.get()
    assert call.details == {'hangup': 'first'}
    assert timezone.localtime(call.end).isoformat() == closed['end']


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


# With a call identifier.


def test_stop_before_its_start_with_a_call_id_is_remembered_and_the_late_start_is_already_finished(app):
    stopped = send(app, 'call-stop', call_id='c1', hangup='h')
    assert (stopped['call_id'], stopped['details']) == ('c1', {'hangup': 'h'})
    assert stopped['end'] is not None
    late = send(app, 'call-start', call_id='c1', event='e', queue='accueil')
    assert late['id'] == stopped['id']
    assert late['end'] == stopped['end']
    # The start's parameters join the call; the stop's own values are kept.
    assert late['details'] == {'hangup': 'h', 'event': 'e', 'queue': 'accueil'}
    assert current_and_past(app) == ([], [late['id']])
    assert Call.objects.filter(end__isnull=True).count() == 0


def test_start_retried_after_its_stop_with_a_call_id_does_not_reopen_the_call(app):
    started = send(app, 'call-start', uniqueid='1700000000.42')
    stopped = send(app, 'call-stop', uniqueid='1700000000.42')
    retried = send(app, 'call-start', uniqueid='1700000000.42')
    assert retried['id'] == started['id'] == stopped['id']
    assert retried['end'] == stopped['end']
    assert current_and_past(app) == ([], [started['id']])


def test_stop_retried_after_the_next_call_with_a_call_id_leaves_the_next_call_open(app):
    send(app, 'call-start', call_id='first')
    send(app, 'call-stop', call_id='first')
    second = send(app, 'call-start', call_id='second')
    assert send(app, 'call-stop', call_id='first')['open_call'] is False
    assert current_and_past(app)[0] == [second['id']]


def test_calls_of_one_caller_with_different_call_ids_are_told_apart(app):
    """Two withheld callers on one extension (call waiting) are two calls, each closed by its own stop."""
    first = send(app, 'call-start', caller='anonymous', callid='a@pbx')
    second = send(app, 'call-start', caller='anonymous', callid='b@pbx')
    assert first['id'] != second['id']
    closed = send(app, 'call-stop', caller='anonymous', callid='a@pbx')
    assert closed['id'] == first['id']
    assert current_and_past(app) == ([second['id']], [first['id']])


def test_stop_with_a_call_id_closes_the_pairs_open_call_started_without_one(app):
    started = send(app, 'call-start', event='e')
    stopped = send(app, 'call-stop', call_id='c1', hangup='h')
    assert stopped['id'] == started['id']
    assert (stopped['call_id'], stopped['details']) == ('c1', {'event': 'e', 'hangup': 'h'})
    # Its late copy of the start is then already finished.
    assert send(app, 'call-start', call_id='c1')['end'] == stopped['end']
    assert Call.objects.count() == 1


def test_start_with_a_call_id_takes_over_the_pairs_open_call_started_without_one(app):
    started = send(app, 'call-start')
    again = send(app, 'call-start', call_id='c1')
    assert again['id'] == started['id']
    assert again['call_id'] == 'c1'
    assert send(app, 'call-stop', call_id='c1')['id'] == started['id']


def test_stop_without_a_call_id_closes_the_pairs_call_started_with_one(app):
    started = send(app, 'call-start', call_id='c1')
    assert send(app, 'call-stop')['id'] == started['id']


def test_call_ids_are_per_extension(app):
    ours = send(app, 'call-start', call_id='c1')
    theirs = send(app, 'call-start', callee='43', call_id='c1')
    assert ours['id'] != theirs['id']
    send(app, 'call-stop', callee='43', call_id='c1')
    assert Call.objects.get(pk=ours['id']).end is None


def test_stop_with_a_call_id_of_an_ignored_internal_call_is_not_remembered(app, connector):
    connector.record_internal_calls = False
    connector.save()
    assert send(app, 'call-stop', caller='1234', call_id='c1')['ignored'] is True
    assert not Call.objects.exists()


# Any sequence, against the reference model (support.expected_calls).

# Three writings of one caller, and another caller.
CALLERS = st.sampled_from(
    [
        ('0143250135', '+33143250135'),
        ('+33143250135', '+33143250135'),
        ('sip:0143250135@pbx.mairie.local', '+33143250135'),
        ('0612345678', '+33612345678'),
    ]
)
EVENTS = st.lists(
    st.builds(
        lambda kind, caller, callee, tag, call_id: Event(
            kind, caller[0], callee, tag, call_id=call_id, identity=caller[1]
        ),
        kind=st.sampled_from(['start', 'stop']),
        caller=CALLERS,
        callee=st.sampled_from(['42', '43']),
        tag=st.sampled_from(['a', 'b', 'c', 'd']),
        call_id=st.sampled_from(['', '', 'x', 'y']),
    ),
    max_size=12,
)


@given(events=EVENTS)
def test_any_sequence_of_events_leaves_the_calls_the_reference_model_computes(app, events):
    """Replayed in order, any log of starts and stops, with or without call ids, gives the model's calls."""
    EXAMPLES['ordering'] = EXAMPLES.get('ordering', 0) + 1
    Call.objects.all().delete()
    for event in events:
        send(app, f'call-{event.kind}', **event.params)
    expected = expected_calls(events)
    assert stored_calls(Call.objects.all(), by='caller_key') == expected
    assert Call.objects.filter(end__isnull=True).count() == sum(
        1 for calls in expected.values() for _start, stop in calls if stop is None
    )
