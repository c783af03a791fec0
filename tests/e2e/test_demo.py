"""The demo as `make demo` serves it: seeding, the printed curl lines, the portal's front door."""

import io
import re
import shlex

import pytest
import requests
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from demo.management.commands.demo_serve import banner
from demo.seed import seed

pytestmark = pytest.mark.django_db


def seeded_counts():
    from combo.apps.search.models import DirectoryUser, OpenRequest
    from combo.data.models import Page
    from passerelle.base.models import AccessRight, ApiUser

    from combo_phone_cell.models import AgentExtension, PhoneCallCell
    from passerelle_phonecalls.models import PhoneCalls

    models = [
        PhoneCalls,
        ApiUser,
        AccessRight,
        Page,
        PhoneCallCell,
        AgentExtension,
        DirectoryUser,
        OpenRequest,
    ]
    return {model.__name__: model.objects.count() for model in models} | {
        'User': get_user_model().objects.count()
    }


def test_seeding_twice_changes_nothing():
    seed('http://127.0.0.1:8000', 'combo.demo', 'secret')
    first = seeded_counts()
    seed('http://127.0.0.1:8000', 'combo.demo', 'secret')
    assert seeded_counts() == first
    assert first['DirectoryUser'] >= 12
    assert first['User'] == 3


def test_seeded_agents_have_their_extensions():
    from combo_phone_cell.models import AgentExtension

    seed('http://127.0.0.1:8000', 'combo.demo', 'secret')
    extensions = dict(AgentExtension.objects.values_list('user__username', 'extension'))
    assert extensions == {'agent': '42', 'agent2': '43'}


def test_anonymous_visitor_of_the_portal_gets_the_login_form(client):
    seed('http://127.0.0.1:8000', 'combo.demo', 'secret')
    response = client.get('/', follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse('auth_login'))
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content


def test_printed_curl_lines_get_the_documented_answers(demo):
    lines = [
        shlex.split(line.strip())[1]
        for line in banner(demo.url, demo.url + '/manage/').splitlines()
        if line.strip().startswith('curl ')
    ]
    assert [re.search(r'/ipbx/([\w-]+)\?', url).group(1) for url in lines] == [
        'call-start',
        'call-stop',
        'calls',
    ]
    start, stop, calls = (requests.get(url, timeout=10) for url in lines)

    assert start.status_code == 200
    assert start.json()['err'] == 0
    assert start.json()['data']['caller'] == '0143250135'
    assert start.json()['data']['end'] is None
    assert stop.status_code == 200
    assert stop.json()['data']['id'] == start.json()['data']['id']
    assert stop.json()['data']['end'] is not None
    assert calls.status_code == 200
    assert calls.json()['data']['current'] == []
    assert [call['id'] for call in calls.json()['data']['past']] == [start.json()['data']['id']]


def test_migrations_match_the_models_in_the_demo_project():
    out = io.StringIO()
    call_command('makemigrations', '--check', '--dry-run', stdout=out)
    assert 'No changes detected' in out.getvalue()
