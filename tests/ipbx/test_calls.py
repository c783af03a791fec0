"""Real SIP calls through Kamailio: what Publik records for each way a call can go."""

import subprocess
import sys

import pytest

from tests.ipbx import lab
from tests.ipbx.conftest import (
    calls_of,
    current_call,
    finished_call,
    recorded,
    wait_for_sentinel_call,
    wait_until,
)
from tests.ipbx.lab import socket_addresses

LOOPBACK = {'127.0.0.1', '::1', '::ffff:127.0.0.1'}


def test_a_call_answered_then_hung_up_by_the_caller_is_recorded_once_and_closed(sip_lab, publik, place_calls):
    call = place_calls([('0140000001', '', '42')])
    call_id = call.call_ids[0]

    in_progress = current_call(sip_lab, '42', call_id)
    assert (in_progress['caller'], in_progress['callee'], in_progress['end']) == ('0140000001', '42', None)
    call.hang_up()
    call.finish()

    closed = finished_call(sip_lab, '42', call_id)
    assert closed['id'] == in_progress['id']
    assert closed['end'] is not None
    assert recorded(sip_lab, '42', call_id) == [closed]
    assert [hook.status for hook in publik.hits(call_id)] == [200, 200]
    assert [hook.event for hook in publik.hits(call_id)] == ['call-start', 'call-stop']


def test_a_call_hung_up_by_the_agent_is_closed_with_the_caller_and_extension_of_its_start(
    sip_lab, publik, place_calls
):
    # In the agent's BYE, From is the extension and To the caller: the stop
    # must still name the caller and the extension the way the start did.
    call = place_calls([('0140000002', '', '43')])
    call_id = call.call_ids[0]
    current_call(sip_lab, '43', call_id)

    sip_lab.phones['43'].hang_up(call_id)
    call.finish()

    closed = finished_call(sip_lab, '43', call_id)
    assert (closed['caller'], closed['callee']) == ('0140000002', '43')
    assert recorded(sip_lab, '43', call_id) == [closed]
    stop = publik.wait_answered(call_id, 'call-stop')[0]
    assert (stop.params['caller'], stop.params['callee']) == ('0140000002', '43')


def test_a_call_put_on_hold_goes_on_without_a_stop(sip_lab, publik, place_calls, agents):
    call = place_calls([('0143250135', 'Camille Martin', '42')])
    call_id = call.call_ids[0]
    current_call(sip_lab, '42', call_id)

    sip_lab.phones['42'].hold(call_id)
    wait_until(lambda: call.received('ACK'), 10, "the hold's re-INVITE answered and acknowledged")
    # Anything the re-INVITE queued is sent before the next call's webhooks.
    wait_for_sentinel_call(sip_lab, place_calls, publik, '43')

    assert [hook.event for hook in publik.hits(call_id)] == ['call-start']
    assert [shown['search_value'] for shown in agents['42'].poll()['current']] == ['0143250135']
    call.hang_up()
    call.finish()
    finished_call(sip_lab, '42', call_id)
    assert [hook.event for hook in publik.hits(call_id)] == ['call-start', 'call-stop']


def test_a_call_to_a_busy_agent_sends_nothing(sip_lab, publik, place_calls):
    busy = place_calls([('0140000003', '', '42')], scenario='call-busy.xml')
    busy.finish()
    wait_for_sentinel_call(sip_lab, place_calls, publik, '42')

    assert publik.hits(busy.call_ids[0]) == []
    assert recorded(sip_lab, '42', busy.call_ids[0]) == []
    assert calls_of(sip_lab, '42', caller='0140000003') == {'current': [], 'past': []}


def test_a_call_cancelled_while_ringing_sends_nothing(sip_lab, publik, place_calls):
    cancelled = place_calls([('0140000004', '', '43')], scenario='call-cancel.xml')
    cancelled.finish()
    wait_for_sentinel_call(sip_lab, place_calls, publik, '43')

    assert publik.hits(cancelled.call_ids[0]) == []
    assert calls_of(sip_lab, '43', caller='0140000004') == {'current': [], 'past': []}


def test_ten_overlapping_calls_from_distinct_callers_are_each_recorded_once(sip_lab, publik, place_calls):
    callers = [('01400001%02d' % n, '', '42' if n % 2 else '43') for n in range(10)]
    calls = place_calls(callers)

    def all_in_progress_together():
        current = {
            call['call_id']: call for ext in ('42', '43') for call in calls_of(sip_lab, ext)['current']
        }
        return all(call_id in current for call_id in calls.call_ids) and current

    current = wait_until(all_in_progress_together, 20, 'the ten calls in progress at the same time')
    for call_id, (caller, _display, ext) in zip(calls.call_ids, callers, strict=True):
        assert (current[call_id]['caller'], current[call_id]['callee']) == (caller, ext)

    for index in range(len(callers)):
        calls.hang_up(index)
    calls.finish()

    for call_id, (caller, _display, ext) in zip(calls.call_ids, callers, strict=True):
        closed = finished_call(sip_lab, ext, call_id)
        assert (closed['caller'], closed['callee']) == (caller, ext)
        assert recorded(sip_lab, ext, call_id) == [closed]
        assert [hook.event for hook in publik.hits(call_id)] == ['call-start', 'call-stop']


@pytest.mark.parametrize(
    'caller, display_name, expected_e164',
    [
        ('+33143250136', '', '+33143250136'),
        ('0143250137', 'Camille Martin', '+33143250137'),
        ('+33143250138', 'Élise Lefèvre', '+33143250138'),
    ],
    ids=['e164', 'display-name', 'e164-and-accented-display-name'],
)
def test_the_caller_is_the_number_of_the_from_header_as_sent(
    sip_lab, publik, place_calls, caller, display_name, expected_e164
):
    call = place_calls([(caller, display_name, '42')])
    call_id = call.call_ids[0]

    in_progress = current_call(sip_lab, '42', call_id)
    call.hang_up()
    call.finish()

    assert in_progress['caller'] == caller
    assert in_progress['caller_e164'] == expected_e164
    start = publik.hits(call_id, 'call-start')[0]
    assert start.params['caller'] == caller
    # URL-encoded: a "+" left as is would be read as a space.
    assert 'caller=%s&' % caller.replace('+', '%2b') in start.query.lower()
    finished_call(sip_lab, '42', call_id)


def test_a_withheld_caller_is_recorded_as_withheld(sip_lab, publik, place_calls):
    call = place_calls([('anonymous', 'Anonymous', '43')])
    call_id = call.call_ids[0]

    in_progress = current_call(sip_lab, '43', call_id)
    call.hang_up()
    call.finish()

    assert (in_progress['caller'], in_progress['withheld'], in_progress['caller_e164']) == (
        'anonymous',
        True,
        None,
    )
    finished_call(sip_lab, '43', call_id)


def test_the_api_key_travels_in_an_authorization_header_never_in_the_url(sip_lab, publik, place_calls):
    call = place_calls([('0140000005', '', '42')])
    call_id = call.call_ids[0]
    publik.wait_answered(call_id, 'call-start')
    call.hang_up()
    call.finish()

    hooks = publik.wait_answered(call_id, 'call-stop') and publik.hits(call_id)
    assert [hook.status for hook in hooks] == [200, 200]
    for hook in hooks:
        assert sorted(hook.params) == ['call_id', 'callee', 'caller']
        assert hook.authorization.startswith('Basic ')


def test_every_process_of_the_lab_listens_on_127_0_0_1_only(sip_lab, place_calls):
    call = place_calls([('0140000006', '', '42')])
    call_id = call.call_ids[0]
    current_call(sip_lab, '42', call_id)

    for process in [*sip_lab.processes, call]:
        addresses = socket_addresses(process.group_members())
        assert addresses, process.name
        assert {address for _protocol, address, _port in addresses} <= LOOPBACK, (process.name, addresses)
    assert sip_lab.publik.server.server_address[0] == '127.0.0.1'

    call.hang_up()
    call.finish()
    finished_call(sip_lab, '42', call_id)


def test_make_call_to_an_extension_no_phone_registered_says_what_the_sip_server_answered(sip_lab):
    # What `make call` runs; 39 is no phone's extension and no group.
    command = [sys.executable, '-m', 'tests.ipbx.lab', 'call', '--caller', '0143250135', '--ext', '39']
    command += ['--sip-port', str(sip_lab.sip_port), '--hold', '1']
    result = subprocess.run(command, cwd=lab.ROOT, capture_output=True, text=True, timeout=90)

    assert result.returncode == 1
    assert result.stderr.strip() == (
        'the SIP server answered "404 Not Found": no phone is registered as extension 39 '
        '(make ipbx-demo registers 42 and 43)'
    )
