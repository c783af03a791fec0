"""Contract A: every call the connector serves is valid against ``docs/contracts/``, and its example is real.

The example ``docs/contracts/examples/calls.json`` is the ``calls`` answer
of extension 43 after a day's kinds of calls, sent as an IPBX sends them:
the cell's tests serve it as the connector's answer.
"""

import datetime

import pytest
from django.utils import timezone

from passerelle_phonecalls.models import Call
from tests.contracts import assert_valid, check_example, dated_from

pytestmark = pytest.mark.django_db

BASE = '/phonecalls/ipbx/'


@pytest.fixture(autouse=True)
def ipbx_access(api_user):
    return api_user


def webhook(app, event, query):
    answer = app.get(f'{BASE}{event}?{query}&apikey=abcdef').json
    assert answer['err'] == 0
    if 'id' in answer['data']:
        assert_valid('call', answer['data'])
    return answer['data']


def renumbered(answer):
    """``answer`` with call ids 1, 2… in order of appearance: ids depend on the database's sequence."""
    ids = {}
    for call in answer['data']['current'] + answer['data']['past']:
        call['id'] = ids.setdefault(call['id'], len(ids) + 1)
    return answer


def test_every_call_served_is_valid_and_extension_43_s_day_is_the_example(app):
    # Ended calls of 43: a withheld caller, a number that cannot be read, a
    # citizen with a detail, and a citizen handed over by 44 through a B2BUA.
    for caller in ('anonymous', 'O1 43 25 O1 35', '%2B33612345678'):
        webhook(app, 'call-start', f'caller={caller}&callee=43&queue=accueil')
        webhook(app, 'call-stop', f'caller={caller}&callee=43')
    webhook(app, 'call-start', 'caller=0155667788&callee=44&uniqueid=1700000000.1&linkedid=1700000000.1')
    webhook(app, 'call-start', 'caller=44&callee=43&uniqueid=1700000000.2&linkedid=1700000000.1')
    webhook(app, 'call-stop', 'caller=44&callee=43&uniqueid=1700000000.2')
    # Now: Camille is on a call with 42, who calls 43 to announce her.
    webhook(app, 'call-start', 'caller=0143250135&callee=42&call_id=a84b4c76e66710')
    webhook(app, 'call-start', 'caller=42&callee=43&call_id=b93c5d87f77821')

    # Dated a minute apart, newest last, so that the example does not depend on the test's speed.
    now = timezone.now().replace(microsecond=0)
    calls = list(Call.objects.filter(callee='43').order_by('pk'))
    for minutes, call in zip(range(len(calls) * 3, 0, -3), calls, strict=True):
        start = now - datetime.timedelta(minutes=minutes)
        Call.objects.filter(pk=call.pk).update(
            start=start, end=None if call.end is None else start + datetime.timedelta(seconds=42 + minutes)
        )

    answer = app.get(f'{BASE}calls?callee=43&limit=10&apikey=abcdef').json

    assert_valid('calls', answer)
    assert [call['kind'] for call in answer['data']['current']] == ['internal']
    assert [call['kind'] for call in answer['data']['past']] == [
        'external',
        'external',
        'unreadable',
        'withheld',
    ]
    check_example('calls', renumbered(dated_from(answer, now)))
