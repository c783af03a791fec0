"""The connector as Passerelle sees it: app, settings form, documentation, migrations."""

import ast
import inspect
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import translation

import passerelle_phonecalls
from passerelle_phonecalls.calls import fill_redirect_url
from passerelle_phonecalls.models import Call, PhoneCalls

pytestmark = pytest.mark.django_db

CATALOGUE = os.path.join(
    os.path.dirname(passerelle_phonecalls.__file__), 'locale', 'fr', 'LC_MESSAGES', 'django.po'
)


def endpoints():
    return [
        member.endpoint_info
        for _name, member in inspect.getmembers(PhoneCalls, inspect.isfunction)
        if hasattr(member, 'endpoint_info')
    ]


def test_app_label_does_not_clash_with_an_upstream_phonecalls_app():
    assert PhoneCalls._meta.app_label == 'passerelle_phonecalls'
    assert Call._meta.app_label == 'passerelle_phonecalls'


def test_connector_urls_keep_the_documented_phonecalls_prefix():
    assert PhoneCalls.get_connector_slug() == 'phonecalls'


def test_connector_url_prefix_can_be_changed_to_coexist_with_an_upstream_app(settings):
    settings.PASSERELLE_PHONECALLS_CONNECTOR_SLUG = 'phonecalls-ipbx'
    assert PhoneCalls.get_connector_slug() == 'phonecalls-ipbx'


def test_connector_defaults_are_those_of_the_specification(connector):
    assert connector.max_call_duration == 120
    assert connector.data_retention_period == 60
    assert connector.default_region == 'FR'
    assert connector.redirect_url == ''
    assert connector.record_internal_calls is True
    connector.full_clean()


def test_connector_is_in_the_telephony_category():
    with translation.override('en'):
        assert str(PhoneCalls.category) == 'Telephony'
    assert str(PhoneCalls.api_description)


@pytest.mark.parametrize(
    'field, value',
    [
        ('default_region', 'XX'),
        ('default_region', 'fr'),
        ('max_call_duration', 0),
        ('data_retention_period', 0),
        ('redirect_url', 'https://agents.example.net/?q={number}'),
        ('redirect_url', 'https://agents.example.net/?q={caller.__class__}'),
        ('redirect_url', 'not a url'),
    ],
)
def test_connector_settings_refuse_invalid_values(connector, field, value):
    setattr(connector, field, value)
    with pytest.raises(ValidationError) as excinfo:
        connector.full_clean()
    assert field in excinfo.value.message_dict


@pytest.mark.parametrize(
    'redirect_url',
    [
        'https://agents.example.net/?q={caller}',
        'https://agents.example.net/recherche/{caller_national}?e={caller_e164}&poste={callee}',
        'https://agents.example.net/',
    ],
)
def test_connector_settings_accept_redirect_url_templates(connector, redirect_url):
    connector.redirect_url = redirect_url
    connector.full_clean()


def test_redirect_url_filling_leaves_unknown_braces_alone():
    assert fill_redirect_url('https://x.example/{a}?q={caller}', {'caller': '0143250135'}) == (
        'https://x.example/{a}?q=0143250135'
    )


def test_every_endpoint_is_documented_for_the_administrator():
    infos = {info.name: info for info in endpoints()}
    statistics = {'statistics', 'statistics-calls', 'statistics-total-duration', 'statistics-mean-duration'}
    assert set(infos) == {'call-start', 'call-stop', 'calls', 'changes'} | statistics
    for info in infos.values():
        assert info.perm == 'can_access'
        assert str(info.description)
        assert str(info.long_description)
        arguments = list(inspect.signature(info.func).parameters)[2:]
        assert set(info.parameters) == set(arguments), info.name
        for parameter in info.parameters.values():
            assert str(parameter['description'])
            assert parameter['example_value']
    assert infos['call-start'].methods == ['get', 'post']
    assert infos['call-stop'].methods == ['get', 'post']
    assert infos['calls'].methods == ['get']
    assert infos['changes'].methods == ['get']
    assert [info.name for info in sorted(infos.values(), key=lambda info: info.display_order)] == [
        'call-start',
        'call-stop',
        'calls',
        'changes',
        'statistics',
        'statistics-calls',
        'statistics-total-duration',
        'statistics-mean-duration',
    ]


def imported_modules(path):
    """The absolute names of the modules a Python file imports (``from . import x`` is not absolute)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module


def test_only_the_host_seam_imports_passerelle():
    package = Path(passerelle_phonecalls.__file__).parent
    modules = sorted(package.rglob('*.py'))
    assert package / 'host.py' in modules
    importers = {
        str(path.relative_to(package))
        for path in modules
        for name in imported_modules(path)
        if name == 'passerelle' or name.startswith('passerelle.')
    }
    assert importers == {'host.py'}


def test_migrations_match_the_models():
    out = io.StringIO()
    call_command('makemigrations', 'passerelle_phonecalls', check=True, dry_run=True, stdout=out)
    assert 'No changes detected' in out.getvalue()


def test_deleting_a_connector_deletes_its_calls(connector, call_factory):
    call_factory()
    connector.delete()
    assert Call.objects.count() == 0


@pytest.mark.skipif(not shutil.which('msgattrib'), reason='gettext tools are not installed')
def test_french_catalogue_is_complete():
    untranslated = subprocess.run(
        ['msgattrib', '--untranslated', CATALOGUE], capture_output=True, text=True, check=True
    ).stdout
    fuzzy = subprocess.run(
        ['msgattrib', '--only-fuzzy', CATALOGUE], capture_output=True, text=True, check=True
    ).stdout
    assert untranslated == ''
    assert fuzzy == ''
    subprocess.run(['msgfmt', '--check', '-o', os.devnull, CATALOGUE], check=True)


@pytest.mark.skipif(
    not os.path.exists(CATALOGUE[:-3] + '.mo'), reason='French catalogue not compiled: make messages'
)
def test_errors_are_explained_in_french_on_a_french_site(app, api_user, settings):
    settings.LANGUAGE_CODE = 'fr-fr'
    with translation.override('fr'):
        assert str(PhoneCalls.category) == 'Téléphonie'
        assert str(PhoneCalls._meta.verbose_name) == 'Appels téléphoniques (IPBX)'
    resp = app.get('/phonecalls/ipbx/call-start?caller=+&callee=42&apikey=abcdef', status=400)
    assert resp.json['err_desc'] == "paramètre 'caller' invalide : il ne doit pas être vide."
