"""Ring groups and destinations that are not agents, through Kamailio's recipe.

Group 40 rings 42 and 43 at once; extension 800 is the voicemail (the
recipe's lab settings, contrib/ipbx/kamailio/kamailio.cfg).
"""

from tests.ipbx.conftest import (
    calls_of,
    current_call,
    finished_call,
    recorded,
    wait_for_sentinel_call,
    wait_until,
)


def test_a_ring_group_call_pops_only_for_the_member_who_answers_with_their_own_extension(
    sip_lab, publik, place_calls, agents
):
    call = place_calls([('0143250135', 'Camille Martin', '40', 0, 'wait')])
    call_id = call.call_ids[0]
    phones = sip_lab.phones
    wait_until(
        lambda: phones['42'].received('INVITE', call_id) and phones['43'].received('INVITE', call_id),
        10,
        'both members ringing',
    )

    phones['43'].pick_up(call_id)

    answered = current_call(sip_lab, '43', call_id)
    assert (answered['caller'], answered['callee']) == ('0143250135', '43')
    wait_until(lambda: phones['42'].received('CANCEL', call_id), 10, '42 to stop ringing')
    assert call_id not in phones['42'].answers()
    agents['43'].wait_current(
        lambda current: [c['search_value'] for c in current] == ['0143250135'], "Camille on 43's cell"
    )
    assert agents['42'].poll() == {'extension': '42', 'current': [], 'recent': agents['42'].poll()['recent']}
    assert call_id not in [
        c['call_id']
        for ext in ('40', '42')
        for c in calls_of(sip_lab, ext)['current'] + calls_of(sip_lab, ext)['past']
    ]

    call.hang_up()
    call.finish()
    closed = finished_call(sip_lab, '43', call_id)
    assert recorded(sip_lab, '43', call_id) == [closed]
    starts = publik.hits(call_id, 'call-start')
    assert [(hook.params['caller'], hook.params['callee']) for hook in starts] == [('0143250135', '43')]
    assert [hook.params['callee'] for hook in publik.hits(call_id, 'call-stop')] == ['43']


def test_a_call_answered_by_the_voicemail_records_nothing(sip_lab, publik, place_calls, register_phone):
    voicemail = register_phone('800')
    call = place_calls([('0143250135', 'Camille Martin', '800')])
    call_id = call.call_ids[0]
    wait_until(lambda: call_id in call.answered(), 10, 'the voicemail to answer')
    assert call_id in voicemail.answers()
    call.hang_up()
    call.finish()
    wait_for_sentinel_call(sip_lab, place_calls, publik, '42')

    assert publik.hits(call_id) == []
    assert recorded(sip_lab, '800', call_id) == []
