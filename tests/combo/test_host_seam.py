"""Combo is reached through one module, ``combo_phone_cell/host.py``, whose guesses fail soft."""

import ast
import graphlib
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.test import override_settings

import combo_phone_cell
from combo_phone_cell import host

pytestmark = pytest.mark.django_db

PACKAGE = Path(combo_phone_cell.__file__).parent


def modules():
    """Every module of the app, as ``(dotted name, parsed tree)``."""
    for path in sorted(PACKAGE.rglob('*.py')):
        parts = path.relative_to(PACKAGE.parent).with_suffix('').parts
        name = '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)
        yield name, path, ast.parse(path.read_text(), str(path))


def imported_modules(name, path, tree):
    """The absolute names of the modules ``tree`` imports anywhere (functions included)."""
    package = name if path.name == '__init__.py' else name.rpartition('.')[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ''
            if node.level:
                anchor = package.split('.')[: len(package.split('.')) - node.level + 1]
                base = '.'.join(anchor + ([node.module] if node.module else []))
            yield base
            # ``from . import views`` imports the module ``views`` of the package.
            yield from (f'{base}.{alias.name}' for alias in node.names)


def test_only_the_host_module_imports_combo():
    importers = sorted(
        name
        for name, path, tree in modules()
        if any(module.split('.')[0] == 'combo' for module in imported_modules(name, path, tree))
    )

    assert importers == ['combo_phone_cell.host']


def test_the_app_s_modules_import_each_other_without_a_cycle():
    names = {name for name, _path, _tree in modules()}
    graph = {
        name: {module for module in imported_modules(name, path, tree) if module in names and module != name}
        for name, path, tree in modules()
    }

    order = list(graphlib.TopologicalSorter(graph).static_order())

    assert order.index('combo_phone_cell.host') < order.index('combo_phone_cell.models')
    assert order.index('combo_phone_cell.forms') < order.index('combo_phone_cell.models')


class OlderCombo:
    """A cell of an older Combo, whose ``is_visible`` takes the user."""

    def __init__(self, visible_to):
        self.visible_to = visible_to

    def is_visible(self, user=None):
        return user == self.visible_to


def test_cell_visibility_tolerates_an_older_combo_that_takes_the_user(agent, admin_user):
    request = SimpleNamespace(user=agent)

    assert host.cell_is_visible(OlderCombo(visible_to=agent), request) is True
    assert host.cell_is_visible(OlderCombo(visible_to=admin_user), request) is False


def test_cell_visibility_asks_a_current_combo_with_the_request(cell, agent, admin_user):
    cell.restricted_to_unlogged = True

    assert host.cell_is_visible(cell, SimpleNamespace(user=agent)) is False


@override_settings(ROOT_URLCONF='combo_phone_cell.urls')
def test_settings_url_is_none_when_combo_s_manager_url_is_not_there(cell):
    assert host.cell_settings_url(cell) is None


def test_settings_url_opens_the_cell_s_settings_form_in_combo_s_manager(app, admin_user, cell):
    app.set_user(admin_user)

    page = app.get(host.cell_settings_url(cell))

    assert page.lxml.xpath('//form//input[contains(@name, "connector_url")]')


def test_an_agent_is_named_by_nameid_first_then_by_email(user_factory):
    saml_user = user_factory('saml', email='saml@ville.example')
    saml_user.get_name_id = lambda: 'f00dcafe'
    email_user = user_factory('mail', email='agent@ville.example')
    nobody = user_factory('nobody', email='')

    assert host.agent_identity(saml_user) == {'NameID': 'f00dcafe'}
    assert host.agent_identity(email_user) == {'email': 'agent@ville.example'}
    assert host.agent_identity(nobody) == {}


def test_known_services_leave_out_entries_without_url(settings):
    settings.KNOWN_SERVICES = {
        'wcs': {'good': {'url': 'https://wcs.example/', 'secret': 's'}, 'bad': {'secret': 's'}, 'odd': 'x'},
        'passerelle': ['not a dict'],
    }

    assert list(host.known_services('wcs')) == ['good']
    assert host.known_services('passerelle') == {}
    assert host.known_services('authentic') == {}
