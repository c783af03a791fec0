"""call-stop: the IPBX says an agent hung up."""

import datetime

import pytest
from django.utils import timezone

from passerelle_phonecalls.models import Call

pytestmark = pytest.mark.django_db

START_URL = '/phonecalls/ipbx/call-start?caller=0143250135&callee=42&apikey=abcdef'
# The reference text's own stop example, whose caller differs from its start example.
REFERENCE_STOP_URL = '/phonecalls/ipbx/call-stop?caller=0143350135&callee=42&apikey=abcdef'
STOP_URL = '/phonecalls/ipbx/call-stop?caller=0143250135&callee=42&apikey=abcdef'


@pytest.fixture(autouse=True)
def ipbx_access(api_user):
    return api_user


def test_call_stop_closes_the_open_call(app):
    started = app.get(START_URL).json['data']
    resp = app.get(STOP_URL)
    assert resp.status_code == 200
    assert resp.json['err'] == 0
    data = resp.json['data']
    assert data['id'] == started['id']
    assert data['start'] == started['start']
    assert datetime.datetime.fromisoformat(data['end']).utcoffset() is not None
    call = Call.objects.get()
    assert call.end is not None
    assert datetime.datetime.fromisoformat(data['end']) == call.end


def test_call_stop_gives_the_duration_in_seconds(app, call_factory):
    call_factory(start=timezone.now() - datetime.timedelta(minutes=3, seconds=20))
    duration = app.get(STOP_URL).json['data']['duration']
    assert 200 <= duration <= 202


def test_call_stop_of_the_reference_text_without_open_call_is_harmless(app):
    resp = app.get(REFERENCE_STOP_URL)
    assert resp.status_code == 200
    assert resp.json == {
        'err': 0,
        'data': {'caller': '0143350135', 'callee': '42', 'call_id': None, 'open_call': False},
    }
    assert Call.objects.count() == 0


def test_call_stop_adds_its_parameters_to_the_call_details(app):
    app.get(START_URL + '&queue=accueil&status=answered')
    resp = app.get(STOP_URL + '&status=hangup&cause=16')
    expected = {'queue': 'accueil', 'status': 'hangup', 'cause': '16'}
    assert resp.json['data']['details'] == expected
    assert Call.objects.get().details == expected


def test_call_stop_closes_an_internal_call_opened_before_internal_calls_were_ignored(
    app, connector, call_factory
):
    call = call_factory(caller='1234')
    connector.record_internal_calls = False
    connector.save()
    resp = app.get('/phonecalls/ipbx/call-stop?caller=1234&callee=42&apikey=abcdef')
    assert resp.json['data']['id'] == call.pk
    call.refresh_from_db()
    assert call.end is not None


def test_call_stop_of_an_ignored_internal_call_says_it_was_ignored(app, connector):
    connector.record_internal_calls = False
    connector.save()
    resp = app.get('/phonecalls/ipbx/call-stop?caller=1234&callee=42&apikey=abcdef')
    assert resp.json['err'] == 0
    assert resp.json['data']['ignored'] is True
    assert Call.objects.count() == 0


@pytest.mark.parametrize(
    'stop_caller',
    [
        '+33143250135',
        '01 43 25 01 35',
        'sip:0143250135@pbx.mairie.local;user=phone',
        '"Camille Martin" <sip:+33143250135@10.0.0.1>',
        '0143250135@10.0.0.1',
    ],
)
def test_call_stop_written_otherwise_closes_the_start_of_the_same_caller(app, stop_caller):
    started = app.get(START_URL).json['data']
    resp = app.get(
        '/phonecalls/ipbx/call-stop', params={'caller': stop_caller, 'callee': '42', 'apikey': 'abcdef'}
    )
    assert resp.json['data']['id'] == started['id']
    # The call keeps the caller its start was written with.
    assert resp.json['data']['caller'] == '0143250135'
    assert Call.objects.get().end is not None
