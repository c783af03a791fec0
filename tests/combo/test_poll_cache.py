"""The poll's savings: one shared snapshot of the connector's calls for every agent, decisions kept per
session, and neither ever showing an agent a call that is not theirs, nor an old setting.
"""

import time

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.utils import translation

from combo_phone_cell import snapshot, store
from combo_phone_cell.agents import CellSettings
from combo_phone_cell.models import AgentExtension
from tests.combo.support import FakeConnector

pytestmark = pytest.mark.django_db

# Bounds a wait for a condition; the condition, not this, ends the wait.
DEADLINE = 10


@pytest.fixture(autouse=True)
def site_language(settings):
    """The polls here ask for English: the next tests find the site's language again."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def poll_url(cell):
    return f'/api/phone-call-cell/{cell.pk}/poll/'


def changes_asked(connector):
    return [path for path in connector.received if '/changes' in path]


@pytest.fixture
def poll_as(app):
    """Poll ``cell`` as ``user`` (logged in on the shared WebTest application); returns the JSON answer."""

    def do_poll(user, cell, status=200):
        app.set_user(user)
        return app.get(poll_url(cell), status=status, headers={'Accept-Language': 'en'}).json

    return do_poll


@pytest.fixture
def agents(user_factory, extension_factory):
    """Five agents on extensions 41 to 45."""
    users = []
    for number in range(41, 46):
        user = user_factory(f'agent{number}')
        extension_factory(user, str(number))
        users.append(user)
    return users


def test_many_agents_cost_the_connector_one_changes_request(
    poll_as, agents, cell_factory, connector, call_factory
):
    cell = cell_factory(poll_interval=60, recent_calls=0)
    connector.current = [call_factory(id=1, callee='43'), call_factory(id=2, callee='45')]

    answers = [poll_as(agent, cell) for agent in agents * 3]

    assert len(connector.received) == 1
    assert len(changes_asked(connector)) == 1
    current_ids = {
        answer['data']['extension']: [call['id'] for call in answer['data']['current']] for answer in answers
    }
    assert current_ids == {'41': [], '42': [], '43': [1], '44': [], '45': [2]}


def test_an_agent_never_sees_the_call_of_another_extension(
    poll_as, agents, cell_factory, connector, call_factory
):
    cell = cell_factory(poll_interval=60)
    connector.current = [call_factory(id=1, callee='42')]

    for agent in agents:
        data = poll_as(agent, cell)['data']
        assert all(call['id'] == 1 for call in data['current'])
        assert bool(data['current']) == (data['extension'] == '42')


def test_a_call_start_reaches_the_agent_within_the_interval(
    poll_as, agent, extension_factory, cell_factory, connector, call_factory
):
    extension_factory(agent, '42')
    cell = cell_factory(poll_interval=1)
    assert poll_as(agent, cell)['data']['current'] == []

    connector.current = [call_factory(id=5)]
    started = time.monotonic()
    while not poll_as(agent, cell)['data']['current'] and time.monotonic() - started < DEADLINE:
        time.sleep(0.05)

    assert time.monotonic() - started < 1


def test_recent_calls_are_read_again_only_when_a_call_of_the_extension_starts_or_ends(
    poll_as, agent, extension_factory, cell_factory, connector, call_factory
):
    extension_factory(agent, '42')
    cell = cell_factory(poll_interval=1, recent_calls=5)
    for _ in range(3):
        poll_as(agent, cell)
    assert len(connector.calls_received) == 1

    connector.current = [call_factory(id=5)]
    deadline = time.monotonic() + DEADLINE
    while not poll_as(agent, cell)['data']['current'] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(connector.calls_received) == 2

    connector.current = []
    connector.past = [call_factory(id=5, end='2024-03-14T09:15:03+01:00', duration=180)]
    while not poll_as(agent, cell)['data']['recent'] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [call['id'] for call in poll_as(agent, cell)['data']['recent']] == [5]
    assert len(connector.calls_received) == 3


def test_a_short_call_between_two_refreshes_still_renews_the_recent_calls(
    poll_as, agent, extension_factory, cell_factory, connector, call_factory
):
    extension_factory(agent, '42')
    cell = cell_factory(poll_interval=1, recent_calls=5)
    poll_as(agent, cell)

    # Started and ended between two of the cell's requests: only "ended" tells it.
    connector.past = [call_factory(id=6, end='2024-03-14T09:15:03+01:00', duration=3)]
    deadline = time.monotonic() + DEADLINE
    while not poll_as(agent, cell)['data']['recent'] and time.monotonic() < deadline:
        time.sleep(0.05)

    assert [call['id'] for call in poll_as(agent, cell)['data']['recent']] == [6]


def test_a_connector_without_the_changes_endpoint_is_asked_per_agent(
    poll_as, agents, cell_factory, connector, call_factory
):
    connector.changes = False
    connector.current = [call_factory(id=1, callee='42')]
    cell = cell_factory(poll_interval=60)

    answers = [poll_as(agent, cell) for agent in agents[:2] * 2]

    assert [answer['state'] for answer in answers] == ['ok'] * 4
    assert len(changes_asked(connector)) == 1
    assert len(connector.calls_received) == 4


def test_a_fixed_setting_is_used_at_the_next_poll(poll_as, agent, extension_factory, cell_factory, connector):
    extension_factory(agent, '42')
    cell = cell_factory(connector_url=connector.base_url.replace('/ipbx/', '/wrong/'), poll_interval=60)
    assert poll_as(agent, cell, status=502)['state'] == 'config_error'

    cell.connector_url = connector.base_url
    cell.save()

    assert poll_as(agent, cell)['state'] == 'ok'


def test_a_new_extension_is_used_at_the_next_poll(poll_as, agent, extension_factory, cell, connector):
    extension_factory(agent, '42')
    assert poll_as(agent, cell)['data']['extension'] == '42'

    AgentExtension.store(agent, '43')

    assert poll_as(agent, cell)['data']['extension'] == '43'


def test_a_role_taken_away_is_refused_at_the_next_poll(
    poll_as, user_factory, extension_factory, cell, connector
):
    group = Group.objects.create(name='Accueil téléphonique')
    cell.groups.add(group)
    member = user_factory('member', groups=['Accueil téléphonique'])
    extension_factory(member, '42')
    assert poll_as(member, cell)['state'] == 'ok'

    member.groups.remove(group)

    assert poll_as(member, cell, status=403)['state'] == 'config_error'


def test_the_session_s_end_is_seen_at_the_next_poll(agent_app, agent, extension_factory, cell, connector):
    extension_factory(agent, '42')
    agent_app.get(poll_url(cell))

    agent_app.set_user(None)
    agent_app.reset()

    response = agent_app.get(poll_url(cell), status=403)
    assert response.json['state'] == 'signed_out'


def test_two_connectors_never_share_a_snapshot(
    poll_as, agent, extension_factory, cell_factory, connector, call_factory
):
    other = FakeConnector()
    other.start()
    try:
        extension_factory(agent, '42')
        connector.current = [call_factory(id=1)]
        other.current = [call_factory(id=2)]
        first = cell_factory(poll_interval=60)
        second = cell_factory(poll_interval=60, connector_url=other.base_url, order=3)

        assert [call['id'] for call in poll_as(agent, first)['data']['current']] == [1]
        assert [call['id'] for call in poll_as(agent, second)['data']['current']] == [2]
    finally:
        other.stop()


def test_one_connector_asked_with_another_key_has_its_own_snapshot(
    poll_as, agent, extension_factory, cell_factory, connector, call_factory
):
    extension_factory(agent, '42')
    connector.current = [call_factory(id=1)]
    right = cell_factory(poll_interval=60, api_key='right-key')
    wrong = cell_factory(poll_interval=60, api_key='wrong-key', order=3)
    poll_as(agent, right)

    poll_as(agent, wrong)

    keys = [
        dict(p.split('=', 1) for p in path.split('?', 1)[1].split('&')).get('apikey')
        for path in changes_asked(connector)
    ]
    assert keys == ['right-key', 'wrong-key']


def test_two_sites_sharing_one_cache_have_their_own_keys(monkeypatch):
    first = store.site_key('cell', 1)
    monkeypatch.setattr(connection, 'schema_name', 'ville-b', raising=False)
    second = store.site_key('cell', 1)
    monkeypatch.setitem(connection.settings_dict, 'NAME', 'another-database')

    assert len({first, second, store.site_key('cell', 1)}) == 3


def test_two_sites_with_one_cache_and_one_connector_read_each_their_calls(
    poll_as, agent, extension_factory, cell_factory, connector, call_factory, monkeypatch
):
    """Two towns on one memcached: each site's decisions are its own, even for the same cell number."""
    extension_factory(agent, '42')
    connector.current = [call_factory(id=1)]
    cell = cell_factory(poll_interval=60, api_key='town-a')
    assert [call['id'] for call in poll_as(agent, cell)['data']['current']] == [1]

    # The same cell number on another site, with another key to the same connector.
    monkeypatch.setattr(connection, 'schema_name', 'town-b', raising=False)
    cell.api_key = 'town-b'
    type(cell).objects.filter(pk=cell.pk).update(api_key='town-b')
    connector.current = [call_factory(id=2)]

    assert [call['id'] for call in poll_as(agent, cell)['data']['current']] == [2]


def test_without_a_usable_cache_every_poll_asks_the_connector(
    poll_as, agent, extension_factory, cell_factory, connector, call_factory, settings, closed_port_url
):
    port = closed_port_url.split(':')[2].split('/')[0]
    settings.CACHES = {
        **settings.CACHES,
        'down': {
            'BACKEND': 'django.core.cache.backends.memcached.PyMemcacheCache',
            'LOCATION': f'127.0.0.1:{port}',
        },
    }
    settings.PHONE_CALL_CELL_CACHE = 'down'
    extension_factory(agent, '42')
    connector.current = [call_factory(id=7)]
    cell = cell_factory(poll_interval=60)

    answers = [poll_as(agent, cell) for _ in range(2)]

    assert [[call['id'] for call in answer['data']['current']] for answer in answers] == [[7], [7]]
    assert len(connector.calls_received) == 2


def test_calls_are_kept_without_their_details(
    agent, extension_factory, cell_factory, connector, call_factory, poll_as
):
    extension_factory(agent, '42')
    connector.current = [call_factory(details={'agent_name': 'Martine'})]
    cell = cell_factory(poll_interval=60, recent_calls=0)
    poll_as(agent, cell)

    keys = snapshot.Keys(CellSettings.of(cell), '42')
    kept = cache.get(keys.extension)['current']
    assert [call['id'] for call in kept] == [17]
    assert 'details' not in kept[0]


def test_an_extension_released_by_an_administrator_is_no_longer_read_at_the_next_poll(
    poll_as, agent, admin_user, extension_factory, cell, connector
):
    holding = extension_factory(agent, '42')
    assert poll_as(agent, cell)['data']['extension'] == '42'

    assert holding.release('42', admin_user)

    answer = poll_as(agent, cell)
    assert (answer['state'], answer['data']['extension']) == ('no_extension', None)
