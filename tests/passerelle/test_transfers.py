"""Transfers: who an agent announcing a call is on a call with, and the transferred leg of a B2BUA.

With the exact URLs an IPBX sends. Camille (01 43 25 01 35) calls agent 42;
42 hands her over to 43, either announcing her first (42 calls 43: 43 is
told that 42 is on a call with Camille's number) or through a PBX that
bridges both legs and presents 42 as the caller of the leg to 43, with the
conversation's linked identifier (Asterisk's ``LINKEDID``): that leg is
Camille's call, transferred from 42.
"""

import datetime
from unittest import mock

import pytest
from django.utils import timezone

from passerelle_phonecalls.models import TRANSFER_WINDOW, Call

pytestmark = pytest.mark.django_db

BASE = '/phonecalls/ipbx/'
CAMILLE = {
    'kind': 'external',
    'caller_display': '01 43 25 01 35',
    'caller_national': '0143250135',
    'caller_e164': '+33143250135',
}


@pytest.fixture(autouse=True)
def ipbx_access(api_user):
    return api_user


def webhook(app, event, query):
    return app.get(f'{BASE}{event}?{query}&apikey=abcdef').json['data']


def current_calls(app, callee):
    return app.get(f'{BASE}calls?callee={callee}&apikey=abcdef').json['data']['current']


# Announcing a transfer: on_call_with.


def test_agent_announcing_a_transfer_is_shown_on_a_call_with_the_citizen(app):
    webhook(app, 'call-start', 'caller=0143250135&callee=42')

    started = webhook(app, 'call-start', 'caller=42&callee=43')

    assert (started['kind'], started['on_call_with'], started['transferred_from']) == (
        'internal',
        CAMILLE,
        None,
    )
    [announcement] = current_calls(app, '43')
    assert announcement['on_call_with'] == CAMILLE
    [citizen] = current_calls(app, '42')
    assert citizen['on_call_with'] is None


def test_once_the_agent_hung_up_on_the_citizen_the_announcement_is_on_a_call_with_no_one(app):
    webhook(app, 'call-start', 'caller=0143250135&callee=42')
    webhook(app, 'call-start', 'caller=42&callee=43')

    webhook(app, 'call-stop', 'caller=0143250135&callee=42')

    assert current_calls(app, '43')[0]['on_call_with'] is None


def test_agent_with_two_citizens_on_the_line_is_on_a_call_with_the_newest(app, call_factory):
    now = timezone.now()
    call_factory(caller='0612345678', start=now - datetime.timedelta(minutes=5))
    call_factory(caller='0143250135', start=now - datetime.timedelta(minutes=1))
    webhook(app, 'call-start', 'caller=42&callee=43')

    assert current_calls(app, '43')[0]['on_call_with'] == CAMILLE


@pytest.mark.parametrize(
    'earlier',
    [
        {'caller': '0143250135', 'end': 'now'},
        {'caller': '0143250135', 'start': 'stale'},
        {'caller': 'anonymous'},
        {'caller': '44'},
        {'caller': '0143250135', 'callee': '44'},
    ],
    ids=['ended', 'missed-hang-up', 'withheld', 'internal', 'other-extension'],
)
def test_internal_call_is_on_a_call_with_no_one_without_an_open_external_call_of_its_caller(
    app, call_factory, earlier
):
    now = timezone.now()
    fields = dict(earlier)
    if fields.pop('end', None):
        fields['end'] = now
    if fields.pop('start', None):
        fields['start'] = now - datetime.timedelta(hours=3)
    call_factory(**fields)

    webhook(app, 'call-start', 'caller=42&callee=43')

    assert current_calls(app, '43')[0]['on_call_with'] is None


def test_external_and_past_calls_are_on_a_call_with_no_one(app):
    webhook(app, 'call-start', 'caller=0143250135&callee=42')
    webhook(app, 'call-start', 'caller=42&callee=43')
    stopped = webhook(app, 'call-stop', 'caller=42&callee=43')

    assert stopped['on_call_with'] is None
    past = app.get(f'{BASE}calls?callee=43&apikey=abcdef').json['data']['past']
    assert [call['on_call_with'] for call in past] == [None]


# The transferred leg of a B2BUA: transferred_from.

CAMILLE_TO_42 = 'caller=0143250135&callee=42&uniqueid=1700000000.41&linkedid=1700000000.41'
LEG_TO_43 = 'caller=42&callee=43&uniqueid=1700000000.57&linkedid=1700000000.41'


def test_leg_presented_by_the_transferring_agent_with_the_linked_id_is_the_citizens_call(app):
    webhook(app, 'call-start', CAMILLE_TO_42)

    leg = webhook(app, 'call-start', LEG_TO_43)

    assert {key: leg[key] for key in CAMILLE} == CAMILLE
    assert (leg['caller'], leg['callee'], leg['call_id'], leg['transferred_from']) == (
        '0143250135',
        '43',
        '1700000000.57',
        '42',
    )
    assert leg['on_call_with'] is None
    assert current_calls(app, '43') == [leg]


def test_blind_transfer_the_first_leg_stops_then_the_transferred_leg_starts_and_stops(app):
    webhook(app, 'call-start', CAMILLE_TO_42)
    assert webhook(app, 'call-stop', CAMILLE_TO_42)['end'] is not None

    leg = webhook(app, 'call-start', LEG_TO_43)
    assert (leg['kind'], leg['transferred_from']) == ('external', '42')
    # Sent again (an IPBX retry): the same call.
    assert webhook(app, 'call-start', LEG_TO_43)['id'] == leg['id']

    stopped = webhook(app, 'call-stop', LEG_TO_43)
    assert (stopped['id'], stopped['end'] is not None) == (leg['id'], True)
    assert current_calls(app, '42') == current_calls(app, '43') == []


def test_leg_matching_by_the_call_id_alone_is_the_citizens_call(app):
    webhook(app, 'call-start', 'caller=0143250135&callee=42&call_id=a84b4c76e66710')

    leg = webhook(app, 'call-start', 'caller=42&callee=43&call_id=a84b4c76e66710')

    assert (leg['caller_national'], leg['transferred_from']) == ('0143250135', '42')


def test_transferred_leg_without_identifier_on_its_stop_is_closed_by_the_presenting_extension(app):
    webhook(app, 'call-start', CAMILLE_TO_42)
    leg = webhook(app, 'call-start', LEG_TO_43)

    stopped = webhook(app, 'call-stop', 'caller=42&callee=43')

    assert stopped['id'] == leg['id']
    assert stopped['end'] is not None


def test_leg_is_read_as_transferred_within_a_minute_of_the_first_legs_end_only(app):
    webhook(app, 'call-start', CAMILLE_TO_42)
    webhook(app, 'call-stop', CAMILLE_TO_42)
    later = timezone.now() + TRANSFER_WINDOW + datetime.timedelta(seconds=1)

    with mock.patch('django.utils.timezone.now', return_value=later):
        leg = webhook(app, 'call-start', LEG_TO_43)

    assert (leg['kind'], leg['caller'], leg['transferred_from']) == ('internal', '42', None)


@pytest.mark.parametrize(
    'query',
    [
        'caller=42&callee=43&uniqueid=1700000000.57&linkedid=1700000000.99',
        'caller=42&callee=43',
        'caller=44&callee=43&uniqueid=1700000000.57&linkedid=1700000000.41',
        'caller=0612345678&callee=43&uniqueid=1700000000.57&linkedid=1700000000.41',
    ],
    ids=['other-linked-id', 'no-identifier', 'another-extension', 'an-external-caller'],
)
def test_start_not_continuing_the_call_of_its_caller_is_read_as_it_comes(app, query):
    webhook(app, 'call-start', CAMILLE_TO_42)

    leg = webhook(app, 'call-start', query)

    assert leg['transferred_from'] is None
    assert leg['caller'] == query.split('&')[0].split('=')[1]


def test_transferred_leg_is_recorded_when_internal_calls_are_not(app, connector):
    connector.record_internal_calls = False
    connector.save()
    webhook(app, 'call-start', CAMILLE_TO_42)

    leg = webhook(app, 'call-start', LEG_TO_43)

    assert (leg['kind'], leg['transferred_from']) == ('external', '42')
    assert webhook(app, 'call-start', 'caller=42&callee=43')['ignored'] is True


def test_linked_id_holding_invisible_characters_is_refused_like_a_call_id(app):
    resp = app.get(
        f'{BASE}call-start?caller=0143250135&callee=42&uniqueid=1&linkedid=%E2%80%AE1&apikey=abcdef',
        status=400,
    )
    assert "'linkedid'" in resp.json['err_desc']
    assert not Call.objects.exists()


def test_linked_id_is_the_call_id_when_the_ipbx_sends_none(app):
    webhook(app, 'call-start', 'caller=0143250135&callee=42&call_id=c1')
    webhook(app, 'call-start', 'caller=0612345678&callee=42&uniqueid=u2&linkedid=l2')
    assert sorted(Call.objects.values_list('call_id', 'linked_id')) == [('c1', 'c1'), ('u2', 'l2')]


def test_a_missed_hang_up_of_the_presenting_extension_is_not_transferred(app, call_factory):
    call_factory(
        start=timezone.now() - datetime.timedelta(hours=3), call_id='1700000000.41', linked_id='1700000000.41'
    )

    leg = webhook(app, 'call-start', LEG_TO_43)

    assert (leg['kind'], leg['transferred_from']) == ('internal', None)
