"""Access: only the API user granted on the connector, and the key never leaks."""

import logging

import pytest
from passerelle.base.signature import sign_url

from passerelle_phonecalls.models import Call

pytestmark = pytest.mark.django_db

START_URL = '/phonecalls/ipbx/call-start?caller=0143250135&callee=42&apikey=abcdef'


@pytest.mark.parametrize(
    'url',
    [
        '/phonecalls/ipbx/call-start?caller=0143250135&callee=42&apikey=abcdeg',
        '/phonecalls/ipbx/call-start?caller=0143250135&callee=42',
        '/phonecalls/ipbx/call-stop?caller=0143250135&callee=42&apikey=ABCDEF',
        '/phonecalls/ipbx/calls?callee=42&apikey=',
    ],
)
def test_request_with_a_wrong_or_missing_key_is_refused(app, api_user, call_factory, url):
    open_call = call_factory()
    resp = app.get(url, status=403)
    assert resp.json['err'] == 1
    assert resp.json['err_desc']
    assert list(Call.objects.filter(end__isnull=True)) == [open_call]
    assert Call.objects.count() == 1


def test_key_granted_on_another_connector_is_refused(app, connector_factory, api_user_factory, connector):
    api_user_factory(connector_factory(slug='ipbx-annexe', title='IPBX annexe'))
    app.get(START_URL, status=403)
    assert Call.objects.count() == 0


def test_unknown_connector_slug_is_a_json_404(app, api_user):
    resp = app.get('/phonecalls/standard/call-start?caller=0143250135&callee=42&apikey=abcdef', status=404)
    assert resp.content_type == 'application/json'
    assert resp.json['err'] == 1
    assert Call.objects.count() == 0


def test_calls_refuses_post(app, api_user):
    resp = app.post('/phonecalls/ipbx/calls?apikey=abcdef', params={'callee': '42'}, status=405)
    assert resp.json['err'] == 1


def test_refused_request_never_echoes_nor_logs_the_key(app, api_user, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger='passerelle')
    resp = app.get('/phonecalls/ipbx/call-start?caller=%00&callee=42&apikey=abcdef', status=400)
    assert 'abcdef' not in resp.text
    resp = app.get('/phonecalls/ipbx/call-start?caller=0143250135&callee=42&apikey=abcdeg', status=403)
    assert 'abcdeg' not in resp.text
    assert 'abcde' not in caplog.text


def test_signed_request_of_the_agent_portal_lists_the_calls(app, connector, api_user_factory, call_factory):
    api_user_factory(connector, username='combo.example.net', keytype='SIGN', key='combo-secret')
    call = call_factory()
    url = sign_url('/phonecalls/ipbx/calls?callee=42&orig=combo.example.net', 'combo-secret')
    resp = app.get(url)
    assert [current['id'] for current in resp.json['data']['current']] == [call.pk]


def test_signed_call_start_stores_no_signature_parameter(app, connector, api_user_factory):
    api_user_factory(connector, username='ipbx.example.net', keytype='SIGN', key='ipbx-secret')
    url = sign_url(
        '/phonecalls/ipbx/call-start?caller=0143250135&callee=42&orig=ipbx.example.net&queue=1', 'ipbx-secret'
    )
    resp = app.get(url)
    assert resp.json['data']['details'] == {'queue': '1'}
    assert Call.objects.get().details == {'queue': '1'}
