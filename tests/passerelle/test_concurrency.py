"""Duplicate call events arriving together: one open call, the same answer for all."""

import threading
from unittest import mock

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client

from passerelle_phonecalls.models import Call, PhoneCalls

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
    original_open_calls = PhoneCalls.open_calls
    lookups = []

    def open_calls_missing_the_winner_once(self):
        lookups.append(self)
        calls = original_open_calls(self)
        return calls.none() if len(lookups) == 1 else calls

    with mock.patch.object(PhoneCalls, 'open_calls', open_calls_missing_the_winner_once):
        call, created = connector.call_start('0143250135', '42')
    assert len(lookups) == 2
    assert (call, created) == (winner, False)
    assert list(Call.objects.all()) == [winner]


def test_database_refuses_a_second_open_call_for_the_same_pair(connector, call_factory):
    call_factory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Call.objects.create(resource=connector, caller='0143250135', callee='42')
    call_factory(end=Call.objects.get().start)
    assert Call.objects.count() == 2


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_identical_starts_at_the_same_instant_open_one_call(connector, api_user):
    results = run_together(lambda: Client().get(START_URL))
    assert all(not isinstance(result, Exception) for result in results), results
    assert [response.status_code for response in results] == [200] * THREADS
    ids = {response.json()['data']['id'] for response in results}
    assert len(ids) == 1
    assert list(Call.objects.values_list('pk', flat=True)) == list(ids)
    assert Call.objects.get().end is None


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_identical_starts_through_the_model_method_open_one_call(connector):
    results = run_together(lambda: connector.call_start('0143250135', '42'))
    assert all(not isinstance(result, Exception) for result in results), results
    assert len({call.pk for call, _created in results}) == 1
    assert sum(created for _call, created in results) == 1
    assert Call.objects.count() == 1


@pytest.mark.postgresql
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
