"""End-to-end fixtures: the demo project served live, seeded, driven by Debian's Chromium.

Both hosts and both apps run in one live server here, as in the demo: the
cell's poll view calls the connector back over HTTP with a Publik signature.
"""

import os
import types

import pytest
import requests

from demo.seed import DEMO_API_KEY, seed
from tests.chromium import launch, require_chromium

SIGNATURE_ORIG = 'combo.e2e'
SIGNATURE_SECRET = 'e2e-signature-secret'

# Playwright's sync API keeps an event loop in the test thread; the ORM calls
# the tests make between browser steps are still plain synchronous code.
os.environ.setdefault('DJANGO_ALLOW_ASYNC_UNSAFE', 'true')


@pytest.fixture
def demo(live_server, settings, transactional_db):
    """The seeded demo world on the live server; its cell signs its calls as in production."""
    settings.KNOWN_SERVICES = {
        'passerelle': {
            'e2e': {'url': live_server.url + '/', 'orig': SIGNATURE_ORIG, 'secret': SIGNATURE_SECRET},
        }
    }
    connector = seed(live_server.url, SIGNATURE_ORIG, SIGNATURE_SECRET)
    return types.SimpleNamespace(
        url=live_server.url, connector=connector, endpoint=live_server.url + '/phonecalls/ipbx'
    )


def call_event(demo, event, caller, callee):
    response = requests.get(
        '%s/%s' % (demo.endpoint, event),
        params={'caller': caller, 'callee': callee, 'apikey': DEMO_API_KEY},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()['data']


@pytest.fixture
def start_call(demo):
    """What the IPBX sends when an agent picks up: the real HTTP webhook."""

    def start_call(caller, callee='42'):
        return call_event(demo, 'call-start', caller, callee)

    return start_call


@pytest.fixture
def stop_call(demo):
    def stop_call(caller, callee='42'):
        return call_event(demo, 'call-stop', caller, callee)

    return stop_call


@pytest.fixture(scope='session')
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.fixture
def login(browser, demo):
    """Open a fresh browser context and log in on the portal; returns the Playwright page."""
    contexts = []

    def login(username='agent', password=None):
        context = browser.new_context(locale='fr-FR')
        context.set_default_timeout(10000)
        contexts.append(context)
        page = context.new_page()
        page.goto(demo.url + '/login/?next=/')
        page.fill('input[name=username]', username)
        page.fill('input[name=password]', password or username)
        page.locator('form').filter(has=page.locator('input[name=password]')).locator('[type=submit]').click()
        page.wait_for_url(demo.url + '/')
        return page

    yield login
    for context in contexts:
        context.close()


@pytest.fixture
def page(login):
    """The agent `agent` (extension 42) on the agent portal."""
    return login('agent')


@pytest.fixture
def connector_link(demo):
    """Cut and restore the cell's link to the connector: cut points the cell at a closed port."""
    from combo_phone_cell.models import PhoneCallCell

    cell = PhoneCallCell.objects.get(slug='telephonie')
    working_url = cell.connector_url

    def set_url(url):
        PhoneCallCell.objects.filter(pk=cell.pk).update(connector_url=url)

    return types.SimpleNamespace(
        cut=lambda: set_url('http://127.0.0.1:9/phonecalls/ipbx/'),
        restore=lambda: set_url(working_url),
    )
