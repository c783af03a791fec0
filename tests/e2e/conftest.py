"""End-to-end fixtures: the demo project served live, seeded, driven by Debian's Chromium.

Both hosts and both apps run in one live server here, as in the demo: the
cell's poll view calls the connector back over HTTP with a Publik signature.
"""

import json
import os
import pathlib
import time
import types

import pytest
import requests

from demo.seed import DEMO_API_KEY, seed
from tests.chromium import chromium
from tests.e2e.axe import Audit

SIGNATURE_ORIG = 'combo.e2e'
SIGNATURE_SECRET = 'e2e-signature-secret'

# Playwright's sync API keeps an event loop in the test thread; the ORM calls
# the tests make between browser steps are still plain synchronous code.
os.environ.setdefault('DJANGO_ALLOW_ASYNC_UNSAFE', 'true')


@pytest.fixture
def demo(live_server, settings, transactional_db):
    """The seeded demo world on the live server; its cell signs its calls to the connector and w.c.s.

    The cache starts empty: the cell keeps w.c.s.'s listings for a minute,
    and no test may see another's.
    """
    from django.core.cache import cache

    service = {'url': live_server.url + '/', 'orig': SIGNATURE_ORIG, 'secret': SIGNATURE_SECRET}
    settings.KNOWN_SERVICES = {'passerelle': {'e2e': dict(service)}, 'wcs': {'e2e': dict(service)}}
    settings.WCS_API_SECRETS = {SIGNATURE_ORIG: SIGNATURE_SECRET}
    cache.clear()
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
    with chromium() as browser:
        yield browser


class InFlight:
    """The requests of a browser context that have not finished yet."""

    def __init__(self, context):
        self.requests = set()
        context.on('request', lambda request: self.requests.add(request))
        context.on('requestfinished', lambda request: self.requests.discard(request))
        context.on('requestfailed', lambda request: self.requests.discard(request))

    def settle(self, context, timeout=5):
        """Stop the phone cells of the context's pages (removed, they stop polling) and let requests end.

        The live server must not be answering a poll while the test database
        is emptied after the test.
        """
        for page in context.pages:
            try:
                page.evaluate("document.querySelectorAll('phone-call-cell').forEach((cell) => cell.remove())")
            except Exception:
                continue  # A page that is closed or elsewhere has no cell to stop.
        deadline = time.monotonic() + timeout
        while self.requests and time.monotonic() < deadline and context.pages:
            context.pages[0].wait_for_timeout(20)


@pytest.fixture
def login(browser, demo):
    """Open a fresh browser context and log in on the portal; returns the Playwright page."""
    contexts = []

    def login(username='agent', password=None):
        context = browser.new_context(locale='fr-FR')
        context.set_default_timeout(10000)
        contexts.append((context, InFlight(context)))
        page = context.new_page()
        page.goto(demo.url + '/login/?next=/')
        page.fill('input[name=username]', username)
        page.fill('input[name=password]', password or username)
        page.press('input[name=password]', 'Enter')
        page.wait_for_url(demo.url + '/')
        return page

    yield login
    for context, in_flight in contexts:
        in_flight.settle(context)
        context.close()


@pytest.fixture
def page(login):
    """The agent `agent` (extension 42) on the agent portal."""
    return login('agent')


@pytest.fixture
def cell_settings(demo):
    """Change the demo's phone cell, as an administrator would in Combo's manager: ``cell_settings(**fields)``."""
    from combo_phone_cell.models import PhoneCallCell

    def change(**fields):
        PhoneCallCell.objects.filter(slug='telephonie').update(**fields)

    return change


@pytest.fixture(scope='session')
def audit():
    """axe-core on the phone cell; the figures of every run land in test-artifacts/axe-summary*.json.

    One file per test process: pytest-xdist runs the suite in several.
    """
    audit = Audit()
    yield audit
    if audit.runs:
        worker = os.environ.get('PYTEST_XDIST_WORKER')
        name = 'axe-summary-%s.json' % worker if worker else 'axe-summary.json'
        path = pathlib.Path(__file__).resolve().parents[2] / 'test-artifacts' / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(audit.runs, indent=1, ensure_ascii=False))


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
