"""Fixtures of the cell tests: users, pages, cells, and fake Passerelle and w.c.s. services over HTTP.

The cell tests need only Combo: the connector and w.c.s. are small local HTTP
servers (``support.py``) that can be told to fail in every way real ones can.
"""

import pytest
from combo.apps.search.models import SearchCell
from combo.data.models import Page
from django.contrib.auth.models import Group, User

from combo_phone_cell.models import AgentExtension, PhoneCallCell
from tests.combo.support import FakeConnector, FakeWcs, connector_call
from tests.servers import free_port


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: the cell keeps its snapshot and its agents' decisions there."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def app(django_app):
    """WebTest application on the Combo project."""
    return django_app


@pytest.fixture
def user_factory(db):
    def make_user(username='agent', groups=(), **overrides):
        overrides.setdefault('first_name', username.capitalize())
        # No password: WebTest logs users in directly, and hashing one is slow.
        user = User.objects.create_user(username=username, **overrides)
        for name in groups:
            user.groups.add(Group.objects.get_or_create(name=name)[0])
        return user

    return make_user


@pytest.fixture
def agent(user_factory):
    return user_factory('agent')


@pytest.fixture
def admin_user(user_factory):
    return user_factory('admin', is_staff=True)


@pytest.fixture
def agent_app(app, agent):
    """WebTest application where ``agent`` is logged in."""
    app.set_user(agent)
    return app


@pytest.fixture
def page_factory(db):
    def make_page(**overrides):
        values = {'title': 'Accueil agent', 'slug': 'index', 'template_name': 'standard', 'public': False}
        values.update(overrides)
        return Page.objects.create(**values)

    return make_page


@pytest.fixture
def page(page_factory):
    return page_factory()


@pytest.fixture
def search_cell_factory(page):
    def make_search_cell(**overrides):
        values = {'page': page, 'order': 1, 'title': 'Recherche usager'}
        values.update(overrides)
        return SearchCell.objects.create(**values)

    return make_search_cell


@pytest.fixture
def cell_factory(page, connector):
    """Phone call cells on ``page`` (logged-in users only), pointed at the fake connector."""

    def make_cell(**overrides):
        values = {'page': page, 'order': 2, 'connector_url': connector.base_url, 'recent_calls': 5}
        values.update(overrides)
        return PhoneCallCell.objects.create(**values)

    return make_cell


@pytest.fixture
def cell(cell_factory):
    return cell_factory()


@pytest.fixture
def extension_factory():
    def set_extension(user, extension='42'):
        return AgentExtension.objects.update_or_create(user=user, defaults={'extension': extension})[0]

    return set_extension


@pytest.fixture
def call_factory():
    return connector_call


@pytest.fixture
def connector():
    """A fake phonecalls connector listening on 127.0.0.1 for the test's duration."""
    fake = FakeConnector()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def closed_port_url():
    """Base URL of a connector that is down: nothing listens on its port."""
    return f'http://127.0.0.1:{free_port()}/phonecalls/ipbx/'


@pytest.fixture
def short_timeout(settings):
    """A connector timeout short enough for tests: returns it in seconds."""
    settings.PHONE_CALL_CELL_TIMEOUT = 0.5
    return 0.5


@pytest.fixture
def known_passerelle(settings, connector):
    """Declares the fake connector's host as a known Passerelle service (signed requests)."""
    service = {
        'url': f'http://127.0.0.1:{connector.server.server_address[1]}/',
        'orig': 'combo.ville.example',
        'secret': 'combo-passerelle-shared-secret',
        'title': 'Passerelle',
    }
    settings.KNOWN_SERVICES = {'passerelle': {'passerelle': service}}
    return service


@pytest.fixture
def fake_wcs(settings):
    """A fake w.c.s. known to Combo (``KNOWN_SERVICES['wcs']``), with a fresh cache of its listings."""
    from django.core.cache import cache

    wcs = FakeWcs()
    wcs.start()
    settings.KNOWN_SERVICES = {**(settings.KNOWN_SERVICES or {}), 'wcs': {'demarches': wcs.service()}}
    cache.clear()
    yield wcs
    wcs.stop()
    cache.clear()
