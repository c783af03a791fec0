"""The stand-in Combo settings module, as a deployment or a plugin's test suite uses it."""

import runpy

import combo.settings


def test_settings_file_named_in_environment_is_executed_last(tmp_path, monkeypatch):
    local_settings = tmp_path / 'local_settings.py'
    local_settings.write_text(
        "INSTALLED_APPS += ('combo_phone_cell',)\n"
        "KNOWN_SERVICES = {'passerelle': {'ipbx': {'url': 'https://passerelle.example.net/'}}}\n"
    )
    monkeypatch.setenv('COMBO_SETTINGS_FILE', str(local_settings))

    namespace = runpy.run_path(combo.settings.__file__)

    assert namespace['INSTALLED_APPS'][-1] == 'combo_phone_cell'
    assert 'combo.apps.search' in namespace['INSTALLED_APPS']
    assert namespace['KNOWN_SERVICES']['passerelle']['ipbx']['url'] == 'https://passerelle.example.net/'


def test_settings_without_environment_file_define_an_empty_service_list(monkeypatch):
    monkeypatch.delenv('COMBO_SETTINGS_FILE', raising=False)

    namespace = runpy.run_path(combo.settings.__file__)

    assert namespace['KNOWN_SERVICES'] == {}
    assert namespace['ROOT_URLCONF'] == 'combo.urls'
    assert namespace['LOGIN_URL'] == '/login/'
