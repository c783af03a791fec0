"""Access: only the API user granted on the connector, and the key never leaks."""

import logging

import pytest
from passerelle.base.signature import sign_url

from passerelle_phonecalls.models import Call

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    'endpoint',
    [
        'call-start',
        'call-stop',
        'calls',
        'changes',
        'statistics',
        'statistics-calls',
        'statistics-total-duration',
        'statistics-mean-duration',
    ],
)
def test_every_endpoint_is_for_the_granted_api_user_only_and_a_refusal_changes_nothing(
    app, api_user, call_factory, endpoint
):
    # Which user is granted is the product's choice (``perm``); how the key is
    # matched, and the 404 and 405 of URLs and methods, are Passerelle's.
    open_call = call_factory()
    resp = app.get(f'/phonecalls/ipbx/{endpoint}?caller=0143250135&callee=42&apikey=abcdeg', status=403)
    assert resp.json['err'] == 1
    assert list(Call.objects.filter(end__isnull=True)) == [open_call]
    assert Call.objects.count() == 1


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
