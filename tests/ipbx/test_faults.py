"""Publik slow, down or late behind a real PBX: what the calls and the agent's screen get.

The proxy of ``tests/ipbx/publik.py`` stands for Publik; Kamailio, the
phones and the connector are the real ones. Kamailio's configuration sends
each webhook from a background worker, with a 5 s timeout and one retry
after 1 to 2 s on a network error, a timeout or a 5xx.
"""

import datetime
import json
import statistics
import threading

import pytest

from tests.ipbx.conftest import (
    FIGURES,
    MAX_CALL_MINUTES,
    calls_of,
    current_call,
    finished_call,
    recorded,
    wait_until,
)
from tests.ipbx.lab import Calls

PUBLIK_DELAY = 1.0


def test_a_publik_answering_in_one_second_does_not_delay_the_answer(sip_lab, publik, place_calls):
    publik.delays = {'call-start': PUBLIK_DELAY, 'call-stop': PUBLIK_DELAY}
    callers = [('01400002%02d' % n, '', '42' if n % 2 else '43') for n in range(4)]
    calls = place_calls(callers)

    answered = wait_until(
        lambda: len(calls.answered()) == len(callers) and calls.answered(), 15, 'the four calls answered'
    )
    sent = {**sip_lab.phones['42'].answers(), **sip_lab.phones['43'].answers()}
    relay = [answered[call_id] - sent[call_id] for call_id in calls.call_ids]
    for call_id in calls.call_ids:
        start = publik.wait_answered(call_id, 'call-start')[0]
        # Publik did take its second for each of them...
        assert start.answered - start.received >= PUBLIK_DELAY
    # ...while the callers got the agent's 200 OK without waiting for it, and
    # soon enough that no phone had to retransmit it.
    assert max(relay) < PUBLIK_DELAY / 2, relay
    for call_id, (_caller, _display, ext) in zip(calls.call_ids, callers, strict=True):
        assert sip_lab.phones[ext].invite_answers_sent(call_id) == 1
    FIGURES['200 OK relay, Publik answering in 1 s (4 calls at once)'] = 'median %.1f ms, max %.1f ms' % (
        statistics.median(relay) * 1000,
        max(relay) * 1000,
    )

    for index in range(len(callers)):
        calls.hang_up(index)
    calls.finish()
    for call_id, (caller, _display, ext) in zip(calls.call_ids, callers, strict=True):
        assert finished_call(sip_lab, ext, call_id, timeout=20)['caller'] == caller


def test_a_start_refused_during_a_short_outage_is_retried_and_recorded(sip_lab, publik, place_calls):
    publik.down = True
    call = place_calls([('0140000301', '', '42')])
    call_id = call.call_ids[0]

    publik.wait_answered(call_id, 'call-start')
    publik.down = False
    first, retry = publik.wait_answered(call_id, 'call-start', count=2)

    assert (first.status, retry.status) == (502, 200)
    # A backoff, not an immediate second copy.
    assert retry.received - first.received >= 1.0
    current_call(sip_lab, '42', call_id)
    call.hang_up()
    call.finish()
    closed = finished_call(sip_lab, '42', call_id)
    assert recorded(sip_lab, '42', call_id) == [closed]


def test_a_start_that_timed_out_is_retried_and_the_call_recorded_once(sip_lab, publik, place_calls):
    # Publik takes 6 s for the first copy: Kamailio gives up at 5 s and retries,
    # while Publik still handles that first copy after the PBX stopped waiting.
    publik.delays = {'call-start': 6.0}
    call = place_calls([('0140000302', '', '43')])
    call_id = call.call_ids[0]

    publik.wait_for(lambda hooks: any(hook.call_id == call_id for hook in hooks), 10, 'the first start')
    publik.delays = {}
    publik.wait_answered(call_id, 'call-start', count=2, timeout=20)
    first, retry = publik.hits(call_id, 'call-start')
    assert (first.abandoned, retry.abandoned) == (True, False)
    assert retry.received - first.received >= 5.0

    current_call(sip_lab, '43', call_id)
    call.hang_up()
    call.finish()
    closed = finished_call(sip_lab, '43', call_id)
    assert recorded(sip_lab, '43', call_id) == [closed]


def test_a_start_lost_in_a_longer_outage_shows_nothing_and_its_stop_is_harmless(sip_lab, publik, place_calls):
    publik.down = True
    call = place_calls([('0140000303', '', '42')])
    call_id = call.call_ids[0]

    publik.wait_answered(call_id, 'call-start', count=2)
    publik.down = False
    assert [hook.status for hook in publik.hits(call_id, 'call-start')] == [502, 502]
    assert calls_of(sip_lab, '42', caller='0140000303')['current'] == []
    call.hang_up()
    call.finish()

    # The stop is harmless: answered, and nothing is ever shown as in progress
    # (the connector may keep the stop as a finished call, which the start,
    # had it come late, would have found).
    stop = publik.wait_answered(call_id, 'call-stop')[0]
    assert stop.status == 200
    assert json.loads(stop.body)['err'] == 0
    assert calls_of(sip_lab, '42', caller='0140000303')['current'] == []
    assert len(recorded(sip_lab, '42', call_id)) <= 1
    assert all(call['end'] is not None for call in recorded(sip_lab, '42', call_id))


def test_a_start_delayed_until_after_its_stop_leaves_no_call_in_progress(sip_lab, publik, place_calls):
    # Two webhook senders, the start's the slower: Publik gets the stop first.
    publik.delays = {'call-start': 2.0}
    call = place_calls([('0140000304', '', '43')])
    call_id = call.call_ids[0]

    publik.wait_for(
        lambda hooks: any(hook.call_id == call_id for hook in hooks), 10, 'the start, held by Publik'
    )
    call.hang_up()
    call.finish()
    stop = publik.wait_answered(call_id, 'call-stop')[0]
    start = publik.wait_answered(call_id, 'call-start')[0]
    assert stop.answered < start.answered

    assert [c['call_id'] for c in calls_of(sip_lab, '43')['current']].count(call_id) == 0
    (only,) = recorded(sip_lab, '43', call_id)
    assert only['end'] is not None


class ScreenWatch:
    """Polls, in the background, the current calls of an extension (what the agent's screen shows).

    Notes when one call was last listed and when it first was not, so that
    the moment it left the screen is known whichever test runs meanwhile.
    """

    def __init__(self, sip_lab, callee, call_id, interval=0.5):
        self.sip_lab, self.callee, self.call_id, self.interval = sip_lab, callee, call_id, interval
        self.last_listed = self.first_unlisted = self.error = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name='screen-watch', daemon=True)
        self._thread.start()

    def _watch(self):
        while not self._stop.is_set() and self.first_unlisted is None:
            # The connector decides at some moment between these two.
            before = now()
            try:
                current = calls_of(self.sip_lab, self.callee)['current']
            except Exception as error:  # noqa: BLE001 - reported by the test that reads the watch
                self.error = error
                return
            after = now()
            if any(call['call_id'] == self.call_id for call in current):
                self.last_listed = before
            elif self.last_listed is not None:
                self.first_unlisted = after
            self._stop.wait(self.interval)

    def stop(self):
        self._stop.set()
        self._thread.join(5)


@pytest.fixture(scope='session')
def call_whose_hang_up_was_lost(sip_lab):
    """A call answered while Publik was up, hung up while Publik was down for longer than the retry.

    Returns ``(call, watch)``: the call as the connector listed it, and a
    ScreenWatch following it on the agent's screen.
    """
    publik = sip_lab.publik
    publik.reset()
    caller = None
    try:
        caller = Calls(sip_lab.workdir, sip_lab.sip_port, [('0140000401', '', '43')])
        call_id = caller.call_ids[0]
        call = current_call(sip_lab, '43', call_id)
        watch = ScreenWatch(sip_lab, '43', call_id)
        publik.down = True
        caller.hang_up()
        caller.finish()
        publik.wait_answered(call_id, 'call-stop', count=2)
    finally:
        publik.reset()
        if caller is not None:
            caller.stop()
    yield call, watch
    watch.stop()


@pytest.mark.ipbx_order('early')
def test_a_hang_up_lost_in_an_outage_leaves_the_call_on_the_agents_screen(
    sip_lab, publik, call_whose_hang_up_was_lost
):
    call, _watch = call_whose_hang_up_was_lost
    call_id = call['call_id']
    assert [hook.status for hook in publik.hits(call_id, 'call-stop')] == [502, 502]
    current = [listed for listed in calls_of(sip_lab, '43')['current'] if listed['call_id'] == call_id]
    assert current == [call]


@pytest.mark.ipbx_order('late')
def test_the_call_whose_hang_up_was_lost_leaves_the_screen_at_the_maximum_call_duration(
    sip_lab, call_whose_hang_up_was_lost
):
    call, watch = call_whose_hang_up_was_lost
    start = datetime.datetime.fromisoformat(call['start'])
    bound = start + datetime.timedelta(minutes=MAX_CALL_MINUTES)

    wait_until(
        lambda: watch.first_unlisted or watch.error,
        max((bound - now()).total_seconds(), 0) + 15,
        'the call to leave the current calls',
        interval=0.5,
    )
    assert watch.error is None

    # Listed until the bound, gone just after it: the bound, and only the bound, ends it.
    slack = datetime.timedelta(seconds=2 * watch.interval + 1)
    assert bound - slack <= watch.last_listed <= bound
    assert bound <= watch.first_unlisted <= bound + slack
    FIGURES["call whose hang-up was lost: on the agent's screen for"] = (
        '%.1f s (maximum call duration: %d min)'
        % (
            (watch.first_unlisted - start).total_seconds(),
            MAX_CALL_MINUTES,
        )
    )


def now():
    return datetime.datetime.now(datetime.UTC)
