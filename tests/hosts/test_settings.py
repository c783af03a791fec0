"""The stand-ins' settings modules end by running the site's settings file, as the real ones do."""

import runpy

import combo.settings
import passerelle.settings
import pytest


@pytest.mark.parametrize(
    'module, variable',
    [(passerelle.settings, 'PASSERELLE_SETTINGS_FILE'), (combo.settings, 'COMBO_SETTINGS_FILE')],
)
def test_settings_file_named_in_the_environment_is_run_last(tmp_path, monkeypatch, module, variable):
    site_settings = tmp_path / 'site.py'
    site_settings.write_text("INSTALLED_APPS += ('plugin',)\nKNOWN_SERVICES = {'wcs': {}}\n")
    monkeypatch.setenv(variable, str(site_settings))

    namespace = runpy.run_path(module.__file__)

    assert namespace['INSTALLED_APPS'][-1] == 'plugin'
    assert namespace['KNOWN_SERVICES'] == {'wcs': {}}


@pytest.mark.django_db
def test_stand_in_migrations_match_their_models():
    from django.core.management import call_command

    call_command(
        'makemigrations', 'base', 'data', 'search', 'echo_connector', 'sample_cells', check=True, dry_run=True
    )
