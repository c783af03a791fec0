"""changes: every current call and the calls ended since a cursor, for the agent portal's shared snapshot."""

import datetime
import urllib.parse

import pytest
from django.utils import timezone

from passerelle_phonecalls.models import Call
from tests.passerelle.test_query_plans import assert_index_backed, history, plans_of  # noqa: F401

pytestmark = pytest.mark.django_db

CHANGES_URL = '/phonecalls/ipbx/changes?apikey=abcdef'


@pytest.fixture(autouse=True)
def ipbx_access(api_user):
    return api_user


def minutes_ago(minutes):
    return timezone.now() - datetime.timedelta(minutes=minutes)


def changes(app, since=None, status=200):
    url = CHANGES_URL + (f'&since={urllib.parse.quote(since)}' if since else '')
    return app.get(url, status=status).json


def test_changes_give_every_open_call_of_every_extension_newest_first(app, call_factory):
    older = call_factory(callee='42', start=minutes_ago(5))
    newer = call_factory(callee='43', caller='0612345678', start=minutes_ago(1))
    call_factory(callee='44', start=minutes_ago(30), end=minutes_ago(25))

    data = changes(app)['data']

    assert [call['id'] for call in data['current']] == [newer.pk, older.pk]
    assert [call['callee'] for call in data['current']] == ['43', '42']
    assert data['ended'] == []
    assert data['complete'] is True


def test_changes_answer_each_call_in_the_shape_calls_answers_with(app, call_factory):
    call_factory(callee='42', start=minutes_ago(5))

    current = changes(app)['data']['current'][0]
    same = app.get('/phonecalls/ipbx/calls?callee=42&apikey=abcdef').json['data']['current'][0]

    assert current == same


def test_a_missed_hang_up_is_not_a_current_call(app, connector, call_factory):
    call_factory(callee='42', start=minutes_ago(connector.max_call_duration + 1))

    assert changes(app)['data']['current'] == []


def test_calls_ended_since_the_cursor_are_given_once_the_cursor_passed(app, call_factory):
    call = call_factory(callee='42', start=minutes_ago(5))
    cursor = changes(app)['data']['cursor']
    Call.objects.filter(pk=call.pk).update(end=timezone.now())

    data = changes(app, since=cursor)['data']

    assert data['current'] == []
    assert [(ended['id'], ended['callee']) for ended in data['ended']] == [(call.pk, '42')]


def test_calls_ended_before_the_cursor_are_not_given_again(app, call_factory):
    call_factory(callee='42', start=minutes_ago(30), end=minutes_ago(20))

    data = changes(app, since=minutes_ago(10).isoformat())['data']

    assert data['ended'] == []


def test_the_cursor_lags_a_few_seconds_behind_so_that_no_end_is_missed(app):
    before = timezone.now()

    cursor = datetime.datetime.fromisoformat(changes(app)['data']['cursor'])

    assert before - datetime.timedelta(seconds=10) < cursor < before


@pytest.mark.parametrize('since', ['yesterday', '2024-13-45T10:00:00+00:00', '2024-03-14T10:00:00'])
def test_a_since_that_is_not_a_cursor_is_refused_with_a_400(app, since):
    answer = changes(app, since=since, status=400)

    assert answer['err'] == 1
    assert 'since' in answer['err_desc']


def test_changes_are_refused_without_the_key(app):
    answer = app.get('/phonecalls/ipbx/changes', status=403).json

    assert answer['err'] == 1


def test_changes_of_another_connector_are_not_given(app, connector_factory, call_factory):
    other = connector_factory(slug='other', title='Other')
    call_factory(resource=other, callee='42')

    assert changes(app)['data']['current'] == []


@pytest.mark.postgresql
def test_changes_use_indexes_whatever_the_history(app, history):  # noqa: F811
    cursor = (timezone.now() - datetime.timedelta(minutes=10)).isoformat()

    plans = plans_of(lambda: changes(app, since=cursor))

    assert len(plans) == 2
    assert_index_backed(plans)
