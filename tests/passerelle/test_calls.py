"""calls: the current and recent calls of an extension, for the agent portal."""

import datetime

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db

CALLS_URL = '/phonecalls/ipbx/calls?callee=42&apikey=abcdef'


@pytest.fixture(autouse=True)
def ipbx_access(api_user):
    return api_user


def minutes_ago(minutes):
    return timezone.now() - datetime.timedelta(minutes=minutes)


def test_calls_of_an_extension_without_calls_are_empty(app):
    resp = app.get(CALLS_URL)
    assert resp.json == {'err': 0, 'data': {'current': [], 'past': []}}


def test_calls_lists_open_and_finished_calls_newest_first(app, call_factory):
    old_past = call_factory(caller='0612345678', start=minutes_ago(90), end=minutes_ago(80))
    recent_past = call_factory(caller='0612345678', start=minutes_ago(30), end=minutes_ago(25))
    older_current = call_factory(caller='0143250135', start=minutes_ago(5))
    newer_current = call_factory(caller='0699999999', start=minutes_ago(1))
    call_factory(callee='43', start=minutes_ago(2))
    data = app.get(CALLS_URL).json['data']
    assert [call['id'] for call in data['current']] == [newer_current.pk, older_current.pk]
    assert [call['id'] for call in data['past']] == [recent_past.pk, old_past.pk]
    assert data['past'][0]['duration'] == 300
    assert data['current'][0]['end'] is None


def test_calls_answers_the_same_call_shape_as_call_start(app, call_factory):
    started = app.get('/phonecalls/ipbx/call-start?caller=0143250135&callee=42&apikey=abcdef').json['data']
    assert app.get(CALLS_URL).json['data']['current'] == [started]


def test_calls_limit_applies_to_each_list(app, call_factory):
    for minutes in range(1, 16):
        call_factory(
            caller=f'06123456{minutes:02d}', start=minutes_ago(minutes), end=minutes_ago(minutes - 1)
        )
        call_factory(caller=f'07123456{minutes:02d}', start=minutes_ago(minutes))
    data = app.get(CALLS_URL).json['data']
    assert (len(data['current']), len(data['past'])) == (10, 10)
    data = app.get(CALLS_URL + '&limit=3').json['data']
    assert [call['caller'] for call in data['current']] == ['0712345601', '0712345602', '0712345603']
    assert [call['caller'] for call in data['past']] == ['0612345601', '0612345602', '0612345603']


@pytest.mark.parametrize('limit', ['1', '100'])
def test_calls_accepts_limits_from_1_to_100(app, call_factory, limit):
    call_factory(start=minutes_ago(3), end=minutes_ago(2))
    call_factory(start=minutes_ago(2), end=minutes_ago(1))
    assert len(app.get(CALLS_URL + '&limit=' + limit).json['data']['past']) == min(2, int(limit))


@pytest.mark.parametrize(
    'caller',
    [
        '0143250135',
        '01 43 25 01 35',
        '+33143250135',
        'sip:0143250135@pbx.mairie.local',
        'tel:+33-1-43-25-01-35',
    ],
)
def test_calls_filtered_by_caller_matches_any_writing_of_the_number(app, call_factory, caller):
    writings = [
        '0143250135',
        '+33143250135',
        'sip:0143250135@pbx.mairie.local;user=phone',
        '"Camille Martin" <sip:+33143250135@10.0.0.1>',
        '0143250135@10.0.0.1',
    ]
    calls = [
        call_factory(caller=writing, start=minutes_ago(10 - index), end=minutes_ago(9 - index))
        for index, writing in enumerate(writings)
    ]
    call_factory(caller='0612345678', start=minutes_ago(3), end=minutes_ago(2))
    data = app.get(CALLS_URL, params={'caller': caller, 'limit': 10}).json['data']
    assert [call['id'] for call in data['past']] == [call.pk for call in reversed(calls)]


def test_calls_filtered_by_a_withheld_caller_matches_every_withheld_call(app, call_factory):
    withheld = call_factory(caller='anonymous', start=minutes_ago(2))
    hidden = call_factory(
        caller='sip:anonymous@anonymous.invalid', callee='42', start=minutes_ago(1), end=minutes_ago(0)
    )
    call_factory(caller='0143250135')
    data = app.get(CALLS_URL + '&caller=masqu%C3%A9').json['data']
    assert [call['id'] for call in data['current']] == [withheld.pk]
    assert [call['id'] for call in data['past']] == [hidden.pk]


def test_calls_of_another_connector_are_not_listed(app, connector_factory, call_factory):
    other = connector_factory(slug='ipbx-annexe', title='IPBX annexe')
    call_factory(resource=other)
    assert app.get(CALLS_URL).json['data'] == {'current': [], 'past': []}


def test_calls_method_returns_current_and_past_lists(connector, call_factory):
    current = call_factory()
    past = call_factory(caller='0612345678', start=minutes_ago(10), end=minutes_ago(9))
    assert connector.calls_of('42') == ([current], [past])
    assert connector.calls_of('42', caller='+33 6 12 34 56 78') == ([], [past])


def test_calls_does_not_present_a_forgotten_open_call_as_current(app, call_factory):
    call_factory(start=minutes_ago(121))
    ongoing = call_factory(caller='0612345678', start=minutes_ago(119))
    data = app.get(CALLS_URL).json['data']
    assert [call['id'] for call in data['current']] == [ongoing.pk]
    assert data['past'] == []
