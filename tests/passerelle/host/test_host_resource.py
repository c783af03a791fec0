"""``BaseResource`` defaults and the settings module of the Passerelle stand-in."""

import runpy

import passerelle.settings
import pytest
from passerelle.base.models import BaseResource, get_connector_classes

pytestmark = pytest.mark.django_db


def test_connector_slug_defaults_to_app_label_with_dashes(echo_model):
    assert echo_model._meta.app_label == 'echo_connector'
    assert echo_model.get_connector_slug() == 'echo-connector'


def test_resource_logger_is_named_after_connector_and_instance(echo_factory):
    assert echo_factory(slug='ipbx').logger.name == 'passerelle.resource.echo-connector.ipbx'


def test_connector_classes_are_concrete_base_resource_subclasses(echo_model):
    classes = get_connector_classes()
    assert echo_model in classes
    assert BaseResource not in classes


def test_base_hooks_do_nothing(echo):
    assert echo.check_status() is None
    assert BaseResource.hourly(echo) is None
    assert BaseResource.daily(echo) is None


def test_absolute_url_is_the_instance_prefix(echo_factory):
    assert echo_factory(slug='ipbx').get_absolute_url() == '/echo-connector/ipbx/'


def test_settings_have_the_passerelle_defaults(monkeypatch):
    monkeypatch.delenv('PASSERELLE_SETTINGS_FILE', raising=False)
    namespace = runpy.run_path(passerelle.settings.__file__)
    assert namespace['ROOT_URLCONF'] == 'passerelle.urls'
    assert namespace['KNOWN_SERVICES'] == {}
    assert (namespace['USE_TZ'], namespace['TIME_ZONE'], namespace['LANGUAGE_CODE']) == (
        True,
        'Europe/Paris',
        'fr-fr',
    )
    assert 'passerelle.base' in namespace['INSTALLED_APPS']


def test_settings_file_from_environment_is_executed_last(monkeypatch, tmp_path):
    site_settings = tmp_path / 'settings.py'
    site_settings.write_text(
        "if 'passerelle_phonecalls' not in INSTALLED_APPS:\n"
        "    INSTALLED_APPS += ('passerelle_phonecalls',)\n"
        'PASSERELLE_APP_PASSERELLE_PHONECALLS_ENABLED = True\n'
    )
    monkeypatch.setenv('PASSERELLE_SETTINGS_FILE', str(site_settings))
    namespace = runpy.run_path(passerelle.settings.__file__)
    assert namespace['INSTALLED_APPS'][-2:] == ('passerelle.base', 'passerelle_phonecalls')
    assert namespace['PASSERELLE_APP_PASSERELLE_PHONECALLS_ENABLED'] is True
