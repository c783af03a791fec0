"""Call events racing each other: one open call, the same answer for duplicates, one stop closes a call.

Each race is first made deterministic (the other event runs whole at the
worst moment of this one), then run for real with threads released together
(each thread has its own database connection; on SQLite the test database is
a file, see conftest.py).
"""

import threading
from unittest import mock

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.utils import timezone

from passerelle_phonecalls.models import Call, PhoneCalls
from passerelle_phonecalls.privacy import erase_calls_of_number

pytestmark = pytest.mark.django_db

START_URL = '/phonecalls/ipbx/call-start?caller=0143250135&callee=42&apikey=abcdef'
STOP_URL = '/phonecalls/ipbx/call-stop?caller=0143250135&callee=42&apikey=abcdef'
THREADS = 8


def run_together(function, count=THREADS):
    """Run ``function`` in ``count`` threads released at the same instant; return results or exceptions."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def target(index):
        try:
            barrier.wait(timeout=10)
            results[index] = function()
        except Exception as e:  # reported by the test, not lost in the thread
            results[index] = e
        finally:
            # Each thread has its own connection; leaving it open would keep
            # the test database from being flushed and dropped.
            connection.close()

    threads = [threading.Thread(target=target, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_start_losing_the_race_to_an_identical_start_answers_the_winners_call(connector, call_factory):
    """The IntegrityError path, made deterministic: the lookup misses the winner's call once."""
    winner = call_factory()
    original_open_call_of = PhoneCalls.open_call_of
    lookups = []

    def open_call_of_missing_the_winner_once(self, *args, **kwargs):
        lookups.append(args)
        return None if len(lookups) == 1 else original_open_call_of(self, *args, **kwargs)

    with mock.patch.object(PhoneCalls, 'open_call_of', open_call_of_missing_the_winner_once):
        call, created = connector.call_start('+33 1 43 25 01 35', '42')
    assert (call, created) == (winner, False)
    assert list(Call.objects.all()) == [winner]


def test_start_losing_the_race_to_a_start_and_its_stop_answers_that_call_finished(connector, call_factory):
    """Between this start's lookup and its insert another start opened the call, and a stop closed it
    before this start could read it: the start was a copy of that call, and answers it."""
    original_open_call_of, original_newest_call_of = PhoneCalls.open_call_of, PhoneCalls.newest_call_of
    raced = []

    def open_call_of_then_the_other_start(self, *args, **kwargs):
        found = original_open_call_of(self, *args, **kwargs)
        if not raced:
            raced.append(call_factory())
        return found

    def newest_call_of_after_the_stop(self, *args):
        connector.call_stop('0143250135', '42')
        return original_newest_call_of(self, *args)

    with (
        mock.patch.object(PhoneCalls, 'open_call_of', open_call_of_then_the_other_start),
        mock.patch.object(PhoneCalls, 'newest_call_of', newest_call_of_after_the_stop),
    ):
        call, created = connector.call_start('0143250135', '42')
    assert (call, created) == (raced[0], False)
    assert call.end is not None
    assert list(Call.objects.all()) == raced


@pytest.fixture
def erasure_racing(connector, call_factory):
    """Make every lookup of a start or stop lose its call to another event then to an erasure.

    After each lookup of the pair's open call, another event of the same
    caller stores its call (so this event's insert is refused), and an
    erasure of the number deletes it before this event can read it: the
    worst interleaving an erasure storm can produce, in every round.
    ``erasure_racing(rounds)`` does it in the first ``rounds`` rounds only.
    """
    original_open_call_of = PhoneCalls.open_call_of
    raced = []

    def patch(rounds=None, call_id=''):
        def open_call_of_then_another_event(self, *args, **kwargs):
            found = original_open_call_of(self, *args, **kwargs)
            if rounds is None or len(raced) < rounds:
                raced.append(call_factory(call_id=call_id))
            return found

        def call_of_id_then_erased(self, callee, call_id):
            erase_calls_of_number('0143250135')
            return None

        def newest_call_of_after_the_erasure(self, *args):
            if rounds is None or len(raced) <= rounds:
                erase_calls_of_number('0143250135')
            return Call.objects.filter(caller_key='+33143250135').order_by('-pk').first()

        patches = [
            mock.patch.object(PhoneCalls, 'open_call_of', open_call_of_then_another_event),
            mock.patch.object(PhoneCalls, 'newest_call_of', newest_call_of_after_the_erasure),
        ]
        if call_id:
            original_call_of_id = PhoneCalls.call_of_id

            def call_of_id(self, *args):
                if rounds is None or len(raced) <= rounds:
                    return call_of_id_then_erased(self, *args)
                return original_call_of_id(self, *args)

            patches.append(mock.patch.object(PhoneCalls, 'call_of_id', call_of_id))
        return patches, raced

    return patch


def test_start_losing_its_call_to_an_erasure_starts_afresh(connector, erasure_racing):
    patches, raced = erasure_racing(rounds=1)
    with patches[0], patches[1]:
        call, created = connector.call_start('0143250135', '42')
    assert len(raced) == 1
    assert created
    assert list(Call.objects.all()) == [call]


def test_start_losing_its_call_to_an_erasure_in_every_round_is_answered_not_stored(
    app, api_user, erasure_racing
):
    """An erasure storm on the caller: the start is ordered before the erasure, which deleted it."""
    patches, raced = erasure_racing()
    with patches[0], patches[1]:
        resp = app.get(START_URL)
    assert len(raced) > 2
    data = resp.json['data']
    assert (resp.status_code, data['id'], data['caller_e164'], data['callee'], data['end']) == (
        200,
        None,
        '+33143250135',
        '42',
        None,
    )
    assert not Call.objects.exists()


@pytest.mark.parametrize('url', [START_URL, STOP_URL])
def test_event_with_a_call_id_losing_its_call_to_an_erasure_in_every_round_is_answered(
    app, api_user, erasure_racing, url
):
    patches, raced = erasure_racing(call_id='c1')
    with patches[0], patches[1], patches[2]:
        resp = app.get(url + '&call_id=c1')
    assert len(raced) > 2
    assert resp.status_code == 200
    data = resp.json['data']
    if url == STOP_URL:
        assert data == {'caller': '0143250135', 'callee': '42', 'call_id': 'c1', 'open_call': False}
    else:
        assert (data['id'], data['call_id']) == (None, 'c1')
    # Only the other event's call of the last round is left: the erasure came before it.
    assert list(Call.objects.all()) == raced[-1:]


def test_of_two_stops_racing_for_one_call_only_one_closes_it(connector, call_factory):
    """The conditional close, made deterministic: the other stop runs whole between this one's lookup and its update."""
    call = call_factory(details={'event': 'e'})
    original_open_call_of = PhoneCalls.open_call_of
    other = []

    def open_call_of_then_the_other_stop(self, *args, **kwargs):
        found = original_open_call_of(self, *args, **kwargs)
        if not other:
            other.append(None)
            other[0] = connector.call_stop('0143250135', '42', {'hangup': 'other'})
        return found

    with mock.patch.object(PhoneCalls, 'open_call_of', open_call_of_then_the_other_stop):
        this = connector.call_stop('0143250135', '42', {'hangup': 'this'})
    assert other[0] is not None and other[0].pk == call.pk
    # This stop found the call open, but the other closed it first: this one changes nothing.
    assert this is None
    call.refresh_from_db()
    assert call.details == {'event': 'e', 'hangup': 'other'}
    assert call.end == other[0].end


def test_database_refuses_a_second_open_call_of_the_same_caller_written_otherwise(connector, call_factory):
    call_factory(caller='0143250135')
    with pytest.raises(IntegrityError), transaction.atomic():
        Call.objects.create(resource=connector, caller='+33143250135', caller_key='+33143250135', callee='42')
    call_factory(end=Call.objects.get().start)
    assert Call.objects.count() == 2


def test_database_refuses_a_second_call_of_the_same_id_on_an_extension(connector, call_factory):
    call_factory(call_id='c1', end=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        call_factory(caller='0612345678', call_id='c1')
    call_factory(callee='43', call_id='c1')
    call_factory(call_id='c2')
    assert Call.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_identical_starts_at_the_same_instant_open_one_call(connector, api_user):
    results = run_together(lambda: Client().get(START_URL))
    assert all(not isinstance(result, Exception) for result in results), results
    assert [response.status_code for response in results] == [200] * THREADS
    ids = {response.json()['data']['id'] for response in results}
    assert len(ids) == 1
    assert list(Call.objects.values_list('pk', flat=True)) == list(ids)
    assert Call.objects.get().end is None


@pytest.mark.django_db(transaction=True)
def test_identical_starts_through_the_model_method_open_one_call(connector):
    results = run_together(lambda: connector.call_start('0143250135', '42'))
    assert all(not isinstance(result, Exception) for result in results), results
    assert len({call.pk for call, _created in results}) == 1
    assert sum(created for _call, created in results) == 1
    assert Call.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_identical_stops_at_the_same_instant_close_the_call_once(connector, api_user, call_factory):
    call = call_factory()
    results = run_together(lambda: Client().get(STOP_URL))
    assert [response.status_code for response in results] == [200] * THREADS
    closed = [response.json()['data'] for response in results if 'id' in response.json()['data']]
    assert len(closed) == 1
    assert closed[0]['id'] == call.pk
    call.refresh_from_db()
    assert call.end is not None
