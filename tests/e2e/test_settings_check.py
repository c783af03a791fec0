"""In Chromium, in French: the administrator tests the phone cell's connection from its settings form.

Each failure an administrator meets when setting up the cell (a closed port,
a wrong connector slug, an address that is not a phonecalls connector, an
unsigned request, a wrong key, an API user not granted on the connector) is
reached through the demo's real HTTP, and the words shown are checked.
"""

import re
import socket

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SIGNATURE_ORIG

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def settings_form(browser, demo):
    """The phone cell's settings form in the manager, as the administrator ``admin``, in French.

    The administrator's session is opened server-side and handed to the
    browser: what is tested here is the settings form, not the login page.
    """
    from django.contrib.auth import get_user_model
    from django.test import Client

    from combo_phone_cell.host import cell_settings_url
    from combo_phone_cell.models import PhoneCallCell

    client = Client()
    client.force_login(get_user_model().objects.get(username='admin'))
    context = browser.new_context(locale='fr-FR')
    context.set_default_timeout(10000)
    context.add_cookies([{'name': 'sessionid', 'value': client.cookies['sessionid'].value, 'url': demo.url}])
    page = context.new_page()
    page.goto(demo.url + cell_settings_url(PhoneCallCell.objects.get(slug='telephonie')))
    yield page
    context.close()


def check_connection(page, connector_url, extension='42', api_key=None):
    """Type ``connector_url`` (and ``api_key``) in the form, test it for ``extension``; return the result box."""
    page.fill('#id_connector_url', connector_url)
    if api_key is not None:
        page.fill('#id_api_key', api_key)
    page.fill('#id_phone_call_check_extension', extension)
    page.get_by_role('button', name='Tester la connexion').click()
    result = page.locator('.phone-call-cell-check')
    expect(result).to_have_attribute('data-state', re.compile('^(ok|failed|incomplete)$'))
    return result


def step(result, name):
    return result.locator(f'[data-step="{name}"] .phone-call-cell-check__text')


def closed_port():
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def unknown_host_url(demo, slug='ipbx'):
    """The demo's connector at an address that is not the known Passerelle service (127.0.0.1, not localhost)."""
    return demo.url.replace('localhost', '127.0.0.1') + f'/phonecalls/{slug}/'


def test_working_connection_shows_every_step_and_the_extension_s_calls(settings_form, demo, start_call):
    start_call('0143250135')

    result = check_connection(settings_form, demo.url + '/phonecalls/ipbx/')

    expect(result.locator('.phone-call-cell-check__summary')).to_have_text('La connexion fonctionne.')
    expect(step(result, 'credentials')).to_have_text(
        f'L’URL est sur le service Passerelle connu « {demo.url}/ » : la requête est signée au nom de '
        f'« {SIGNATURE_ORIG} ».'
    )
    expect(step(result, 'access')).to_have_text(f'Accès accordé à la requête signée de « {SIGNATURE_ORIG} ».')
    expect(step(result, 'calls')).to_have_text('Poste 42 : 1 appel en cours, 0 appel récent.')
    expect(result.locator('.phone-call-cell-check__step--ok')).to_have_count(7)


def test_closed_port_says_nothing_answers_there(settings_form):
    port = closed_port()

    result = check_connection(settings_form, f'http://127.0.0.1:{port}/phonecalls/ipbx/', api_key='abcdef')

    expect(result.locator('.phone-call-cell-check__summary')).to_have_text(
        'La connexion ne fonctionne pas : voyez l’étape marquée « erreur » ci-dessous.'
    )
    expect(step(result, 'answers')).to_have_text(
        f'Rien ne répond sur 127.0.0.1:{port} : la connexion a échoué. Vérifiez le nom du serveur et le port '
        'dans l’URL, et que Passerelle fonctionne et est joignable depuis Combo.'
    )


def test_wrong_slug_says_there_is_no_such_connector(settings_form, demo):
    result = check_connection(settings_form, demo.url + '/phonecalls/ipbx-ancien/')

    expect(step(result, 'answers')).to_have_text(f'Un serveur répond sur {demo.url.split("//")[1]}.')
    expect(step(result, 'exists')).to_have_text(
        'Passerelle n’a pas de connecteur de téléphonie « ipbx-ancien » à cette adresse (HTTP 404). Comparez '
        'l’identifiant en fin d’URL avec celui de la page du connecteur dans Passerelle.'
    )


def test_an_address_that_is_not_a_phonecalls_connector_is_named_so(settings_form, demo):
    result = check_connection(settings_form, demo.url + '/static/')

    expect(step(result, 'phonecalls')).to_have_text(
        'Le serveur répond, mais pas comme un connecteur de téléphonie. Vérifiez que l’URL est bien l’adresse '
        'd’un connecteur de téléphonie, telle qu’affichée sur sa page dans Passerelle : …/phonecalls/<identifiant>/.'
    )


def test_unsigned_request_warns_then_says_why_passerelle_refused_it(settings_form, demo):
    result = check_connection(settings_form, unknown_host_url(demo))

    expect(result.locator('[data-step="credentials"] .phone-call-cell-check__status')).to_have_text(
        'Attention'
    )
    expect(step(result, 'credentials')).to_contain_text('aucune clé d’API n’est saisie')
    expect(step(result, 'access')).to_have_text(
        'Passerelle a refusé la requête, qui ne portait ni signature ni clé (HTTP 403). Utilisez l’adresse d’un '
        'service Passerelle connu pour que la requête soit signée, ou saisissez la clé d’API d’un utilisateur '
        'd’API ayant l’accès à ce connecteur.'
    )


def test_wrong_key_says_what_to_check_in_passerelle(settings_form, demo):
    result = check_connection(settings_form, unknown_host_url(demo), api_key='mauvaise-cle')

    expect(step(result, 'credentials')).to_have_text(
        'L’URL n’est pas sur un service Passerelle connu : la requête porte la clé d’API.'
    )
    expect(step(result, 'access')).to_have_text(
        'Passerelle a refusé la clé d’API (HTTP 403) : aucun utilisateur d’API n’a cette clé, ou cet utilisateur '
        'n’a pas l’accès à ce connecteur. Vérifiez dans Passerelle la clé de l’utilisateur d’API et son droit '
        'd’accès (can_access) à ce connecteur.'
    )


def test_signature_not_granted_on_the_connector_names_the_api_user(settings_form, demo):
    from passerelle.base.models import AccessRight

    AccessRight.objects.filter(apiuser__username=SIGNATURE_ORIG).delete()

    result = check_connection(settings_form, demo.url + '/phonecalls/ipbx/')

    expect(step(result, 'exists')).to_have_text('Le connecteur « ipbx » existe.')
    expect(step(result, 'access')).to_have_text(
        f'Passerelle a refusé la requête signée au nom de « {SIGNATURE_ORIG} » (HTTP 403). Dans Passerelle, un '
        f'utilisateur d’API de type de clé « signature » doit s’appeler « {SIGNATURE_ORIG} », avoir pour clé le '
        'secret que ce Combo partage avec Passerelle, et avoir l’accès à ce connecteur (can_access).'
    )


def test_without_an_extension_the_test_says_it_is_partial_not_failing(settings_form, demo):
    result = check_connection(settings_form, demo.url + '/phonecalls/ipbx/', extension='')

    expect(result).to_have_attribute('data-state', 'incomplete')
    expect(result.locator('.phone-call-cell-check__step--error')).to_have_count(0)


def saved_check(page):
    return page.locator('.phone-call-cell-saved-check')


def test_a_broken_setting_saved_shows_its_failing_step(settings_form):
    from combo_phone_cell.models import PhoneCallCell

    url = f'http://127.0.0.1:{closed_port()}/phonecalls/ipbx/'
    settings_form.fill('#id_connector_url', url)
    settings_form.fill('#id_api_key', 'abcdef')
    settings_form.fill('#id_phone_call_check_extension', '42')
    settings_form.get_by_role('button', name='Enregistrer').click()

    expect(saved_check(settings_form)).to_have_attribute('data-state', 'failed')
    expect(saved_check(settings_form).locator('[data-step]')).to_have_count(1)
    expect(saved_check(settings_form).locator('[data-step="answers"]')).to_be_visible()
    assert PhoneCallCell.objects.get(slug='telephonie').connector_url == url


def test_a_working_setting_saved_says_it_works(settings_form, demo):
    settings_form.fill('#id_phone_call_check_extension', '42')
    settings_form.get_by_role('button', name='Enregistrer').click()

    expect(saved_check(settings_form)).to_have_attribute('data-state', 'ok')
    expect(saved_check(settings_form)).not_to_have_attribute('role', 'alert')


def test_saving_an_unsigned_url_without_key_warns_but_saves(settings_form, demo):
    from combo_phone_cell.models import PhoneCallCell

    settings_form.fill('#id_connector_url', unknown_host_url(demo))
    settings_form.get_by_role('button', name='Enregistrer').click()

    expect(settings_form.locator('.phone-call-cell-settings__warning')).to_contain_text(
        'Attention : cette URL n’est pas sur un service Passerelle connu'
    )
    assert PhoneCallCell.objects.get(slug='telephonie').connector_url == unknown_host_url(demo)


def test_form_is_laid_out_as_the_manager_s_and_titled_with_the_cell_s_name(settings_form):
    settings_form.set_viewport_size({'width': 1280, 'height': 1400})

    url = settings_form.locator('#id_connector_url')
    label = settings_form.locator('label[for=id_connector_url]')
    help_text = settings_form.locator('#id_connector_url_helptext')
    form_box = settings_form.locator('.phone-call-cell-settings').bounding_box()
    assert label.bounding_box()['y'] < url.bounding_box()['y'] < help_text.bounding_box()['y']
    assert url.bounding_box()['width'] > 0.9 * form_box['width']
    expect(settings_form.locator('h2').first).to_have_text('Appel téléphonique')
    settings_form.screenshot(path='test-artifacts/settings-form.png', full_page=True)
