"""The settings.d snippets the Debian packages install enable each app once, on every tenant.

Passerelle and Combo execute every file of their ``settings.d`` directory in
the namespace of their settings module, where ``INSTALLED_APPS`` and
``TENANT_APPS`` are tuples. Each test executes a snippet in such a namespace,
as the host does; no database is involved.
"""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PASSERELLE_SNIPPET = ROOT / 'debian' / 'settings.d' / 'passerelle' / '50-phonecalls.py'
COMBO_SNIPPET = ROOT / 'debian' / 'settings.d' / 'combo' / '50-phone-cell.py'

PASSERELLE_APPS = (
    'django.contrib.auth',
    'django.contrib.contenttypes',
    'django.contrib.sessions',
    'django.contrib.messages',
    'django.contrib.staticfiles',
    'passerelle.base',
    'passerelle.apps.csvdatasource',
)
COMBO_APPS = (
    'django.contrib.auth',
    'django.contrib.contenttypes',
    'django.contrib.sessions',
    'django.contrib.messages',
    'django.contrib.staticfiles',
    'combo.data',
    'combo.public',
    'combo.apps.search',
)
# hobo's multi-tenancy keeps a few apps in the public schema only.
SHARED_ONLY = ('hobo.multitenant',)

SNIPPETS = [
    pytest.param(PASSERELLE_SNIPPET, 'passerelle_phonecalls', PASSERELLE_APPS, id='passerelle'),
    pytest.param(COMBO_SNIPPET, 'combo_phone_cell', COMBO_APPS, id='combo'),
]


def host_settings(apps, **overrides):
    """A namespace like a host's settings module when settings.d is executed."""
    namespace = {
        '__name__': 'settings',
        'DEBUG': False,
        'INSTALLED_APPS': SHARED_ONLY + apps,
        'TENANT_APPS': apps,
    }
    namespace.update(overrides)
    return namespace


def include(snippet, namespace):
    """Execute ``snippet`` in ``namespace`` the way the host executes its settings.d files."""
    exec(compile(snippet.read_text(), str(snippet), 'exec'), namespace)
    return namespace


def settings_names(namespace):
    return {name for name in namespace if name != '__builtins__'}


@pytest.mark.parametrize('snippet,app,apps', SNIPPETS)
def test_snippet_appends_the_app_to_installed_and_tenant_apps_keeping_tuples(snippet, app, apps):
    settings = include(snippet, host_settings(apps))

    assert settings['INSTALLED_APPS'] == SHARED_ONLY + apps + (app,)
    assert settings['TENANT_APPS'] == apps + (app,)
    assert type(settings['INSTALLED_APPS']) is tuple
    assert type(settings['TENANT_APPS']) is tuple


@pytest.mark.parametrize('snippet,app,apps', SNIPPETS)
def test_second_inclusion_of_a_snippet_changes_nothing(snippet, app, apps):
    once = include(snippet, host_settings(apps))
    before = dict(once)

    twice = include(snippet, once)

    assert twice['INSTALLED_APPS'] == before['INSTALLED_APPS']
    assert twice['TENANT_APPS'] == before['TENANT_APPS']
    assert twice['INSTALLED_APPS'].count(app) == 1
    assert twice['TENANT_APPS'].count(app) == 1
    assert settings_names(twice) == settings_names(before)


@pytest.mark.parametrize('snippet,app,apps', SNIPPETS)
def test_snippet_does_not_repeat_an_app_a_local_settings_file_already_added(snippet, app, apps):
    settings = host_settings(apps, INSTALLED_APPS=SHARED_ONLY + apps + (app,), TENANT_APPS=(app,) + apps)

    include(snippet, settings)

    assert settings['INSTALLED_APPS'] == SHARED_ONLY + apps + (app,)
    assert settings['TENANT_APPS'] == (app,) + apps


@pytest.mark.parametrize('snippet,app,apps', SNIPPETS)
def test_snippet_on_a_host_without_multi_tenancy_only_extends_installed_apps(snippet, app, apps):
    settings = host_settings(apps)
    del settings['TENANT_APPS']

    include(snippet, settings)

    assert settings['INSTALLED_APPS'] == SHARED_ONLY + apps + (app,)
    assert 'TENANT_APPS' not in settings


@pytest.mark.parametrize('snippet,app,apps', SNIPPETS)
def test_snippet_adds_the_app_once_when_a_local_file_made_both_settings_one_list(snippet, app, apps):
    shared = list(apps)
    settings = host_settings(apps, INSTALLED_APPS=shared, TENANT_APPS=shared)

    include(snippet, settings)

    assert settings['INSTALLED_APPS'] == list(apps) + [app]
    assert settings['TENANT_APPS'].count(app) == 1


@pytest.mark.parametrize('snippet,app,apps', SNIPPETS)
def test_snippet_left_behind_by_apt_remove_enables_nothing(snippet, app, apps, monkeypatch):
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, 'find_spec', lambda name, *args: None if name == app else find_spec(name, *args)
    )
    settings = host_settings(apps)
    before = dict(settings)

    include(snippet, settings)

    assert settings['INSTALLED_APPS'] == before['INSTALLED_APPS']
    assert settings['TENANT_APPS'] == before['TENANT_APPS']
    assert settings_names(settings) == settings_names(before)


def test_passerelle_snippet_enables_the_connector_and_leaves_no_other_name():
    settings = host_settings(PASSERELLE_APPS)
    before = settings_names(settings)

    include(PASSERELLE_SNIPPET, settings)

    assert settings['PASSERELLE_APP_PASSERELLE_PHONECALLS_ENABLED'] is True
    assert settings_names(settings) - before == {'PASSERELLE_APP_PASSERELLE_PHONECALLS_ENABLED'}


def test_combo_snippet_leaves_no_name_but_the_apps_settings():
    settings = host_settings(COMBO_APPS)
    before = settings_names(settings)

    include(COMBO_SNIPPET, settings)

    assert settings_names(settings) == before


@pytest.mark.parametrize(
    'package,snippet,destination',
    [
        ('python3-passerelle-phonecalls', PASSERELLE_SNIPPET, 'etc/passerelle/settings.d'),
        ('python3-combo-phone-cell', COMBO_SNIPPET, 'etc/combo/settings.d'),
    ],
)
def test_each_package_installs_its_snippet_in_its_hosts_settings_d(package, snippet, destination):
    lines = (ROOT / 'debian' / f'{package}.install').read_text().splitlines()

    assert f'{snippet.relative_to(ROOT)} {destination}' in lines
