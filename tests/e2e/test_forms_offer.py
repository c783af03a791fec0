"""From the call to a request, in Chromium on the demo: the forms the cell offers during a call.

The demo's cell offers the w.c.s. forms the agent may submit in back office
(two of the stand-in's three); the cell lists them through w.c.s.'s signed
API and links each to its back-office submission with the phone channel and
the caller. Everything goes through real HTTP: the IPBX's webhooks, the
cell's forms view, its signed call to the w.c.s. stand-in, the stand-in's
submission page.
"""

import datetime
import time
import urllib.parse

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.widget import Cell

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

POP_TIMEOUT = 10000
OFFERED = ['Inscription à la cantine scolaire', 'Signalement voirie']


def link_query(link):
    return urllib.parse.parse_qs(urllib.parse.urlsplit(link.get_attribute('href')).query)


@pytest.fixture
def cell(page):
    cell = Cell(page)
    cell.expect_state('idle', timeout=POP_TIMEOUT)
    return cell


def test_a_form_offered_during_a_call_opens_a_draft_on_the_phone_channel_with_the_caller(
    cell, start_call, audit
):
    start_call('0143250135')
    links = cell.role('forms').locator('a')
    expect(links).to_have_text(OFFERED, timeout=POP_TIMEOUT)
    expect(cell.search).to_have_value('0143250135')
    audit.check(cell.page, 'call-with-forms')
    assert link_query(links.first)['ReturnURL'] == [cell.page.url]
    links.filter(has_text='Signalement voirie').click()
    expect(cell.page.locator('.wcs-channel')).to_have_text('Téléphone')
    expect(cell.page.locator('.wcs-caller')).to_have_text('0143250135')
    expect(cell.page.get_by_role('heading', name='Signalement voirie')).to_be_visible()
    cell.page.locator('.wcs-return').click()
    expect(cell.element).to_be_visible()


def test_the_offer_stays_for_the_configured_time_after_hang_up_then_goes(cell, start_call, cell_settings):
    from passerelle_phonecalls.models import Call

    cell_settings(forms_offer_minutes=1)
    cell.page.reload()
    start_call('0143250135')
    expect(cell.role('forms').locator('a')).to_have_count(2, timeout=POP_TIMEOUT)
    # The hang-up reached Publik 50 s ago: written into the call rather than
    # waited for, so that the offer has about 10 s left when the cell sees it.
    now = timezone.now()
    Call.objects.filter(end__isnull=True).update(
        start=now - datetime.timedelta(seconds=80), end=now - datetime.timedelta(seconds=50)
    )
    cell.expect_state('ended', timeout=POP_TIMEOUT)
    seen_ended = time.monotonic()
    expect(cell.role('forms')).to_be_visible()
    expect(cell.role('forms')).to_be_hidden(timeout=20000)
    # Hidden a minute after the hang-up, not when the cell saw it: about 10 s later.
    assert time.monotonic() - seen_ended > 5
    cell.expect_state('ended')


def test_a_withheld_call_offers_the_forms_without_a_caller(cell, start_call):
    start_call('anonymous')
    links = cell.role('forms').locator('a')
    expect(links).to_have_count(2, timeout=POP_TIMEOUT)
    query = link_query(links.first)
    assert query['channel'] == ['phone']
    assert 'caller' not in query
    links.first.click()
    expect(cell.page.locator('.wcs-channel')).to_have_text('Téléphone')
    expect(cell.page.locator('.wcs-caller')).to_have_count(0)


def test_an_internal_call_offers_nothing(cell, start_call):
    forms_requests = []
    cell.page.on('request', lambda request: '/forms/' in request.url and forms_requests.append(request))
    start_call('1234')
    cell.expect_state('call', timeout=POP_TIMEOUT)
    with cell.page.expect_response(lambda response: '/poll/' in response.url, timeout=POP_TIMEOUT):
        pass
    expect(cell.role('forms')).to_be_hidden()
    assert forms_requests == []


@pytest.mark.parametrize('failure', ['down', 'signature-refused', 'garbage'])
def test_wcs_failures_hide_the_forms_and_the_pop_still_works(demo, login, settings, start_call, failure):
    wcs = settings.KNOWN_SERVICES['wcs']['e2e']
    if failure == 'down':
        wcs['url'] = 'http://127.0.0.1:9/'
    elif failure == 'signature-refused':
        settings.WCS_API_SECRETS = {wcs['orig']: 'another-secret'}
    else:
        # An address answering an HTML page (a login page) where the forms API should be.
        wcs['url'] = demo.url + '/login/?next='
    cell = Cell(login('agent'))
    cell.expect_state('idle', timeout=POP_TIMEOUT)
    with cell.page.expect_response(lambda response: '/forms/' in response.url, timeout=POP_TIMEOUT) as answer:
        start_call('0143250135')
    assert answer.value.json() == {'err': 0, 'data': []}
    expect(cell.search).to_have_value('0143250135', timeout=POP_TIMEOUT)
    expect(cell.results).to_contain_text('Camille Martin')
    cell.expect_state('call')
    expect(cell.role('forms')).to_be_hidden()
