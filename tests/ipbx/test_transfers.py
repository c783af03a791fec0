"""Transfers as a SIP proxy carries them: what each agent's poll answer shows.

Kamailio only relays a transfer: the agent's phone sends a REFER to the
caller's phone, which hangs up with the agent and calls the transfer target
in a new call (with a Replaces header for an attended transfer). Publik
sees the calls as they are: one ends for the first agent, one starts for
the second, with the citizen as caller.
"""

import requests

from tests.ipbx import lab
from tests.ipbx.conftest import calls_of, current_call, finished_call, wait_until

CAMILLE = ('0143250135', 'Camille Martin', '42')


def shown(current):
    """What the agent's cell shows of their current calls: ``(kind, caller_display, search_value)``."""
    return [(call['kind'], call['caller_display'], call['search_value']) for call in current]


CAMILLE_SHOWN = ('external', '01 43 25 01 35', '0143250135')


def test_blind_transfer_pops_the_citizen_for_the_colleague_and_ends_the_first_agents_call(
    sip_lab, publik, place_calls, agents
):
    camille = place_calls([CAMILLE])
    first_call = camille.call_ids[0]
    current_call(sip_lab, '42', first_call)
    agents['42'].wait_current(lambda current: shown(current) == [CAMILLE_SHOWN], "Camille on 42's cell")

    sip_lab.phones['42'].transfer(first_call, lab.blind_target('43'))

    second_call = lab.transferred_call_id(first_call)
    transferred = current_call(sip_lab, '43', second_call)
    assert (transferred['caller'], transferred['callee'], transferred['kind']) == (
        '0143250135',
        '43',
        'external',
    )
    finished_call(sip_lab, '42', first_call)
    agents['43'].wait_current(lambda current: shown(current) == [CAMILLE_SHOWN], "Camille on 43's cell")
    # 42's banner ends (the shared snapshot may be a fraction of the interval
    # old): no current call, Camille's call among the recent ones, ended.
    agents['42'].wait_current(lambda current: current == [], "Camille's call ended on 42's cell")
    seen_by_42 = agents['42'].poll()
    assert [(call['search_value'], call['end'] is not None) for call in seen_by_42['recent'][:1]] == [
        ('0143250135', True)
    ]

    camille.hang_up()
    camille.finish()
    finished_call(sip_lab, '43', second_call)
    assert [hook.event for hook in publik.hits(first_call)] == ['call-start', 'call-stop']
    assert [hook.event for hook in publik.hits(second_call)] == ['call-start', 'call-stop']
    agents['43'].wait_current(lambda current: current == [], "43's call ended on 43's cell")


def consult(sip_lab, place_calls, agents):
    """Camille calls 42, who calls 43 to announce her: ``(camille, consultation)``, both answered."""
    camille = place_calls([CAMILLE])
    current_call(sip_lab, '42', camille.call_ids[0])
    # 42 calls 43 from a second line of the same phone (extension 42 as caller).
    consultation = place_calls([('42', '', '43')])
    current_call(sip_lab, '43', consultation.call_ids[0])
    return camille, consultation


def test_attended_transfer_announces_to_the_colleague_the_citizen_the_agent_is_on_a_call_with(
    sip_lab, publik, place_calls, agents
):
    camille, consultation = consult(sip_lab, place_calls, agents)

    try:
        current = agents['43'].wait_current(lambda current: len(current) == 1, "42's call on 43's cell")
        recorded_by_connector = calls_of(sip_lab, '43')['current']
    finally:
        consultation.hang_up()
        consultation.finish()
        camille.hang_up()
        camille.finish()
        finished_call(sip_lab, '43', consultation.call_ids[0])
        finished_call(sip_lab, '42', camille.call_ids[0])

    assert shown(current) == [('internal', '42', None)]
    # The connector's call (contract A), then the cell's (contract B).
    assert [call['on_call_with'] for call in recorded_by_connector] == [
        {
            'kind': 'external',
            'caller_display': '01 43 25 01 35',
            'caller_national': '0143250135',
            'caller_e164': '+33143250135',
        }
    ]
    # Not typed on its own (42 may only be asking advice), offered to search.
    assert current[0]['on_call_with'] == {'caller_display': '01 43 25 01 35', 'search_value': '0143250135'}
    assert current[0]['transferred_from'] is None


def test_attended_transfer_joins_the_citizen_to_the_colleague_and_ends_the_internal_call(
    sip_lab, publik, place_calls, agents
):
    camille, consultation = consult(sip_lab, place_calls, agents)
    first_call, internal_call = camille.call_ids[0], consultation.call_ids[0]
    agents['43'].wait_current(lambda current: shown(current) == [('internal', '42', None)], "42 on 43's cell")
    to_tag = wait_until(consultation.to_tag, 10, "43's tag in the consultation call")

    sip_lab.phones['42'].transfer(
        first_call, lab.attended_target('43', internal_call, to_tag, consultation.from_tag())
    )

    joined_call = lab.transferred_call_id(first_call)
    joined = current_call(sip_lab, '43', joined_call)
    assert (joined['caller'], joined['callee'], joined['kind']) == ('0143250135', '43', 'external')
    wait_until(
        lambda: sip_lab.phones['43'].received('ACK', joined_call), 10, "the caller's ACK on 43's phone"
    )
    # The INVITE reached 43's phone with the Replaces of the consultation call.
    replaces = 'Replaces: %s;to-tag=%s;from-tag=%s' % (internal_call, to_tag, consultation.from_tag())
    assert replaces in sip_lab.phones['43'].messages_log.read_text(errors='replace')
    # The phone that accepts a Replaces ends the replaced call (RFC 3891);
    # the lab's phones are told to.
    sip_lab.phones['43'].hang_up(internal_call)
    consultation.finish()
    finished_call(sip_lab, '43', internal_call)
    finished_call(sip_lab, '42', first_call)

    agents['43'].wait_current(lambda current: shown(current) == [CAMILLE_SHOWN], "only Camille on 43's cell")
    agents['42'].wait_current(lambda current: current == [], "Camille's first call ended on 42's cell")

    camille.hang_up()
    camille.finish()
    finished_call(sip_lab, '43', joined_call)
    for call_id in (first_call, internal_call, joined_call):
        assert [hook.event for hook in publik.hits(call_id)] == ['call-start', 'call-stop']


def webhook(sip_lab, event, **params):
    """One webhook sent the way a B2BUA's recipe sends it (docs/ipbx.rst), straight to the connector."""
    response = requests.get(
        '%s/phonecalls/ipbx/%s' % (sip_lab.demo.url, event),
        params=params,
        auth=(lab.DEMO_API_USER, lab.DEMO_API_KEY),
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_a_b2bua_transfer_presenting_the_agent_as_caller_pops_the_citizen_for_the_colleague(sip_lab, agents):
    # Asterisk-like: the transferred leg's caller is 42, but it shares the
    # citizen's call's linkedid; 42's leg has just ended.
    citizen = {'caller': '0143250135', 'uniqueid': '1796190000.11', 'linkedid': '1796190000.11'}
    webhook(sip_lab, 'call-start', callee='42', **citizen)
    webhook(sip_lab, 'call-stop', callee='42', **citizen)
    webhook(
        sip_lab, 'call-start', caller='42', callee='43', uniqueid='1796190000.15', linkedid='1796190000.11'
    )
    try:
        current = agents['43'].wait_current(
            lambda current: len(current) == 1, "the transferred call on 43's cell"
        )
        recorded_by_connector = calls_of(sip_lab, '43')['current']
    finally:
        webhook(
            sip_lab, 'call-stop', caller='42', callee='43', uniqueid='1796190000.15', linkedid='1796190000.11'
        )

    assert [
        (call['caller_e164'], call['kind'], call['transferred_from']) for call in recorded_by_connector
    ] == [('+33143250135', 'external', '42')]
    assert shown(current) == [CAMILLE_SHOWN]
    assert current[0]['transferred_from'] == '42'
    assert current[0]['on_call_with'] is None
