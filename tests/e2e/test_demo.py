"""The demo as ``make demo`` serves it: its world, a restart that keeps changes, French pages, a webhook storm."""

import collections
import re
import shlex
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from demo.management.commands.demo_serve import banner
from demo.seed import DEMO_API_KEY, seed
from tests.ipbx.lab import DemoServer
from tests.servers import free_port

URL, ORIG, SECRET = 'http://127.0.0.1:8000', 'combo.demo', 'demo-signature-secret'


def seeded_counts():
    from combo.apps.search.models import ProfileAttribute
    from combo.data.models import Page
    from passerelle.base.models import AccessRight, ApiUser

    from combo_phone_cell.models import AgentExtension, PhoneCallCell
    from passerelle_phonecalls.models import PhoneCalls

    models = [PhoneCalls, ApiUser, AccessRight, Page, PhoneCallCell, AgentExtension, ProfileAttribute]
    return {model.__name__: model.objects.count() for model in models + [get_user_model()]}


@pytest.mark.django_db
def test_seeding_twice_changes_nothing():
    seed(URL, ORIG, SECRET)
    first = seeded_counts()

    seed(URL, ORIG, SECRET)

    assert seeded_counts() == first
    assert first['User'] == 3 + 12


@pytest.mark.django_db
def test_restarting_the_demo_keeps_what_the_administrator_and_the_agents_changed():
    from combo_phone_cell.models import AgentExtension, PhoneCallCell

    seed(URL, ORIG, SECRET)
    PhoneCallCell.objects.update(connector_url='https://passerelle.mairie.example/phonecalls/ipbx/')
    AgentExtension.objects.filter(user__username='agent').update(extension='4242')

    call_command('migrate', verbosity=0)
    seed(URL, ORIG, SECRET)

    assert PhoneCallCell.objects.get().connector_url == 'https://passerelle.mairie.example/phonecalls/ipbx/'
    assert dict(AgentExtension.objects.values_list('user__username', 'extension')) == {
        'agent': '4242',
        'agent2': '43',
    }


@pytest.mark.django_db
def test_another_port_moves_the_connector_url_the_demo_wrote_itself():
    from combo_phone_cell.models import PhoneCallCell

    seed(URL, ORIG, SECRET)
    seed('http://127.0.0.1:8001', ORIG, SECRET)

    assert PhoneCallCell.objects.get().connector_url == 'http://127.0.0.1:8001/phonecalls/ipbx/'


@pytest.mark.django_db
@pytest.mark.parametrize(
    'typed, found',
    [
        ('0143250135', ['Camille Martin']),
        ('+33143250135', ['Camille Martin']),
        ('0143250136', []),
        ('+33143250136', []),
        ('01.43.25.01.36', ['Jules Moreau']),
    ],
)
def test_the_search_finds_phone_number_profiles_and_legacy_fields_only_as_written(typed, found):
    from combo.apps.search.models import search_users

    seed(URL, ORIG, SECRET)

    assert [user.get_full_name() for user in search_users(typed)] == found


@pytest.mark.django_db
def test_agents_are_offered_two_forms_during_a_call(client):
    from passerelle.base.signature import sign_url

    from combo_phone_cell.models import PhoneCallCell

    seed(URL, ORIG, SECRET)
    url = sign_url(
        f'/api/formdefs/?backoffice-submission=on&email=agent%40mairie.example&orig={ORIG}', SECRET
    )

    forms = client.get(url).json()['data']

    assert [form['title'] for form in forms] == ['Inscription à la cantine scolaire', 'Signalement voirie']
    assert settings.KNOWN_SERVICES['wcs']['demo']['orig'] == ORIG
    assert PhoneCallCell.objects.get().forms_offer == 'all'


@pytest.mark.django_db
def test_portal_speaks_french_unless_the_browser_asks_for_english(client):
    seed(URL, ORIG, SECRET)

    response = client.get('/', follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse('auth_login'))
    assert '<button class="submit-button">Connexion</button>' in response.content.decode()
    assert 'Log in' in client.get('/login/', HTTP_ACCEPT_LANGUAGE='en').content.decode()


@pytest.mark.django_db
def test_administrator_reaches_the_phone_cell_settings_from_the_manager(client):
    from combo_phone_cell.models import PhoneCallCell

    seed(URL, ORIG, SECRET)
    client.login(username='admin', password='admin')
    cell = PhoneCallCell.objects.get()
    cell_form = reverse(
        'combo-manager-page-edit-cell',
        kwargs={'page_pk': cell.page_id, 'cell_reference': cell.get_reference()},
    )

    assert f'href="{cell_form}"' in client.get('/manage/').content.decode()
    assert client.get(cell_form).status_code == 200


def test_printed_curl_lines_get_the_documented_answers(demo):
    lines = [
        shlex.split(line)[1] for line in banner(demo.url).splitlines() if line.strip().startswith('curl ')
    ]
    assert [re.search(r'/ipbx/([\w-]+)\?', url).group(1) for url in lines] == [
        'call-start',
        'call-stop',
        'calls',
    ]

    start, stop, calls = (requests.get(url, timeout=10) for url in lines)

    assert start.json()['err'] == 0
    assert start.json()['data']['end'] is None
    assert stop.json()['data']['id'] == start.json()['data']['id']
    assert stop.json()['data']['end'] is not None
    assert calls.json()['data']['current'] == []
    assert [call['id'] for call in calls.json()['data']['past']] == [start.json()['data']['id']]


@pytest.fixture
def demo_serve(tmp_path):
    """``demo/manage.py demo_serve`` in its own process, on its own port and SQLite file, as ``make demo``."""
    server = DemoServer(tmp_path, free_port(), tmp_path / 'demo.sqlite3')
    try:
        server.wait_ready(timeout=120)
        yield server.url
    finally:
        server.stop()


def test_thirty_two_concurrent_webhook_senders_never_get_a_server_error(demo_serve):
    """The demo's SQLite under a threaded server: writers queue instead of failing with "database is locked"."""
    senders = 32
    start_together = threading.Barrier(senders)

    def send(index):
        statuses = []
        start_together.wait()
        with requests.Session() as session:
            for round_ in range(12):
                # Eight extensions shared by the senders: starts and stops race on the same calls.
                params = {
                    'caller': f'06{index:04d}{round_:04d}',
                    'callee': str(100 + index % 8),
                    'apikey': DEMO_API_KEY,
                }
                for event in ('call-start', 'call-stop'):
                    response = session.get(f'{demo_serve}/phonecalls/ipbx/{event}', params=params, timeout=60)
                    statuses.append(response.status_code)
        return statuses

    with ThreadPoolExecutor(senders) as pool:
        statuses = collections.Counter(
            status for result in pool.map(send, range(senders)) for status in result
        )

    assert statuses == {200: senders * 12 * 2}
