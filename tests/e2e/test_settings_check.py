"""In Chromium: the administrator tests the phone cell's connection from its settings form.

What each failure means, and the words that explain it, are proved once by
the check view's tests (tests/combo/test_connection_check.py) and the form's
(tests/combo/test_cell_form.py). Here only what needs a browser, on the demo's
real HTTP: the button posts the form as it stands, the report is drawn from
the view's answer (the report's state, each step's class and status label,
texts from the data- attributes), the check run at save time is shown, and the
form is laid out as the manager's.
"""

import pytest
from playwright.sync_api import expect

from tests.servers import free_port

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

CLOSED_PORT_URL = 'http://127.0.0.1:%d/phonecalls/ipbx/' % free_port()


@pytest.fixture
def settings_form(browser, demo):
    """The phone cell's settings form in the manager, as the administrator ``admin``.

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


def unknown_host_url(demo):
    """The demo's connector at an address that is not the known Passerelle service: sent unsigned, refused."""
    return demo.url.replace('localhost', '127.0.0.1') + '/phonecalls/ipbx/'


@pytest.mark.parametrize(
    'where, extension, state, steps',
    [
        ('known', '42', 'ok', {'calls': 'ok'}),
        ('unknown', '42', 'failed', {'credentials': 'warning', 'access': 'error'}),
        ('known', '', 'incomplete', {'answers': 'skipped'}),
    ],
)
def test_the_report_of_the_form_as_typed_shows_its_state_and_each_step_s_status(
    settings_form, demo, where, extension, state, steps
):
    settings_form.fill(
        '#id_connector_url', demo.url + '/phonecalls/ipbx/' if where == 'known' else unknown_host_url(demo)
    )
    settings_form.fill('#id_phone_call_check_extension', extension)
    settings_form.locator('.phone-call-cell-check__button').click()

    section = settings_form.locator('.phone-call-cell-check')
    expect(section).to_have_attribute('data-state', state)
    expect(section.locator('.phone-call-cell-check__summary')).to_have_text(
        section.get_attribute('data-text-' + state)
    )
    expect(section.locator('[data-step]')).to_have_count(7)
    for name, status in steps.items():
        step = section.locator(f'[data-step="{name}"]')
        expect(step).to_have_class(f'phone-call-cell-check__step phone-call-cell-check__step--{status}')
        label = section.get_attribute('data-text-status-' + status)
        expect(step.locator('.phone-call-cell-check__status')).to_have_text(label)
    if state == 'ok':
        expect(section.locator('.phone-call-cell-check__step--ok')).to_have_count(7)
    if state != 'failed':
        expect(section.locator('.phone-call-cell-check__step--error')).to_have_count(0)
    expect(settings_form.locator('.phone-call-cell-check__button')).to_be_enabled()


def test_a_check_that_cannot_run_says_so_and_can_be_run_again(settings_form):
    settings_form.route('**/check/', lambda route: route.fulfill(status=500, body='<h1>Server Error</h1>'))

    settings_form.locator('.phone-call-cell-check__button').click()

    section = settings_form.locator('.phone-call-cell-check')
    expect(section).to_have_attribute('data-state', 'broken')
    expect(section.locator('.phone-call-cell-check__summary')).to_have_text(
        section.get_attribute('data-text-broken')
    )
    expect(section.locator('[data-step]')).to_have_count(0)
    expect(settings_form.locator('.phone-call-cell-check__button')).to_be_enabled()


@pytest.mark.parametrize(
    'url, state, shown',
    [(None, 'ok', []), (CLOSED_PORT_URL, 'failed', ['answers'])],
    ids=['working', 'broken'],
)
def test_saving_shows_the_check_of_the_saved_settings(settings_form, url, state, shown):
    from combo_phone_cell.models import PhoneCallCell

    if url:
        settings_form.fill('#id_connector_url', url)
        settings_form.fill('#id_api_key', 'abcdef')
    settings_form.fill('#id_phone_call_check_extension', '42')
    settings_form.locator('button.submit-button').click()

    saved = settings_form.locator('.phone-call-cell-saved-check')
    expect(saved).to_have_attribute('data-state', state)
    expect(saved.locator('[data-step]')).to_have_count(len(shown))
    for name in shown:
        expect(saved.locator(f'[data-step="{name}"]')).to_be_visible()
    if state == 'ok':
        expect(saved).not_to_have_attribute('role', 'alert')
    else:
        expect(saved).to_have_attribute('role', 'alert')
        assert PhoneCallCell.objects.get(slug='telephonie').connector_url == url


def test_form_is_laid_out_as_the_manager_s(settings_form):
    settings_form.set_viewport_size({'width': 1280, 'height': 1400})

    url = settings_form.locator('#id_connector_url')
    label = settings_form.locator('label[for=id_connector_url]')
    help_text = settings_form.locator('#id_connector_url_helptext')
    form_box = settings_form.locator('.phone-call-cell-settings').bounding_box()
    assert label.bounding_box()['y'] < url.bounding_box()['y'] < help_text.bounding_box()['y']
    assert url.bounding_box()['width'] > 0.9 * form_box['width']
    settings_form.screenshot(path='test-artifacts/settings-form.png', full_page=True)
