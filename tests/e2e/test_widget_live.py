"""The agent's screen-pop end to end: IPBX webhooks to the connector, the cell's poll, the search cell.

Everything runs for real on the live demo server (tests/e2e/conftest.py):
the IPBX's GET requests, the connector, the cell's signed call to it, the
widget in Debian's Chromium and the search cell's results. Texts are read from
the cell's data- attributes, so these tests hold in any language.
"""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

# Polls every 2 s (the demo cell's interval): this leaves several polls of margin.
POP_TIMEOUT = 10000


class Portal:
    """The agent portal page, seen through the phone cell's DOM contract."""

    def __init__(self, page):
        self.page = page
        self.dialogs = []
        page.on('dialog', self.on_dialog)

    def on_dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    @property
    def cell(self):
        return self.page.locator('[data-phone-call-cell]')

    @property
    def search(self):
        return self.page.locator(self.cell.get_attribute('data-target-input'))

    @property
    def results(self):
        return self.search.locator('xpath=ancestor::*[contains(@class, "combo-search-cell")][1]').locator(
            '.combo-search-results'
        )

    def role(self, name):
        return self.cell.locator('[data-role="%s"]' % name)

    def text(self, key):
        return self.cell.get_attribute('data-text-' + key)

    def incoming_pattern(self):
        before, after = self.text('incoming').split('{caller}')
        return re.compile('^%s.+%s$' % (re.escape(before), re.escape(after)))

    def wait_for_polls(self, count):
        """Let `count` more poll answers reach the widget."""
        for _ in range(count):
            with self.page.expect_response(lambda response: '/poll/' in response.url, timeout=POP_TIMEOUT):
                pass
        self.page.wait_for_timeout(100)


@pytest.fixture
def portal(page):
    return Portal(page)


def test_pop_types_national_digits_into_search_input(portal, start_call):
    start_call('+33143250135')
    expect(portal.search).to_have_value('0143250135', timeout=POP_TIMEOUT)
    expect(portal.role('status')).to_have_text(portal.incoming_pattern())
    expect(portal.role('status')).to_contain_text('01 43 25 01 35')
    expect(portal.results).to_contain_text('Camille Martin')
    expect(portal.results).to_contain_text('Inscription à la cantine scolaire')


def test_same_call_is_not_retyped_after_agent_edit(portal, start_call):
    start_call('0612345678')
    expect(portal.search).to_have_value('0612345678', timeout=POP_TIMEOUT)
    portal.search.fill('Bernard')
    portal.wait_for_polls(3)
    expect(portal.search).to_have_value('Bernard')
    expect(portal.results).to_contain_text('Lucas Bernard')


def test_call_to_another_extension_is_not_popped(portal, start_call):
    start_call('0143250135', callee='43')
    portal.wait_for_polls(3)
    expect(portal.search).to_have_value('')
    expect(portal.role('status')).to_have_text(portal.text('idle'))


def test_withheld_call_is_announced_and_nothing_typed(portal, start_call):
    start_call('anonymous')
    expect(portal.role('status')).to_have_text(portal.text('withheld'), timeout=POP_TIMEOUT)
    portal.wait_for_polls(2)
    expect(portal.search).to_have_value('')
    expect(portal.results).to_be_empty()


def test_reload_during_call_pops_again(portal, start_call):
    start_call('0478123456')
    expect(portal.search).to_have_value('0478123456', timeout=POP_TIMEOUT)
    portal.page.reload()
    expect(portal.search).to_have_value('0478123456', timeout=POP_TIMEOUT)
    expect(portal.results).to_contain_text('Hugo Thomas')


def test_call_end_is_announced_and_search_results_stay(portal, start_call, stop_call):
    start_call('0478123456')
    expect(portal.results).to_contain_text('Hugo Thomas', timeout=POP_TIMEOUT)
    stop_call('0478123456')
    expect(portal.role('status')).to_have_text(portal.text('ended'), timeout=POP_TIMEOUT)
    expect(portal.role('caller')).to_have_text('04 78 12 34 56')
    expect(portal.search).to_have_value('0478123456')
    expect(portal.results).to_contain_text('Réservation de la salle des fêtes')


def test_recent_call_click_types_its_number(portal, start_call, stop_call):
    start_call('0556102030')
    stop_call('0556102030')
    start_call('anonymous')
    stop_call('anonymous')
    items = portal.cell.locator('.phone-call-cell__recent-item')
    expect(items).to_have_count(2, timeout=POP_TIMEOUT)
    expect(items.first.locator('button')).to_have_count(0)
    expect(items.first).to_contain_text(portal.text('withheld-number'))
    items.nth(1).locator('button').click()
    expect(portal.search).to_have_value('0556102030')
    expect(portal.results).to_contain_text('Emma Leroy')


def test_pause_switch_is_remembered(portal, start_call):
    portal.role('pause').check()
    portal.page.reload()
    expect(portal.role('pause')).to_be_checked()
    start_call('0472001122')
    expect(portal.role('status')).to_have_text(portal.incoming_pattern(), timeout=POP_TIMEOUT)
    portal.wait_for_polls(2)
    expect(portal.search).to_have_value('')
    portal.role('search-again').click()
    expect(portal.search).to_have_value('0472001122')
    expect(portal.results).to_contain_text('Nathan Richard')


def test_error_state_shown_then_recovers(portal, start_call, connector_link):
    expect(portal.cell).not_to_have_class(re.compile('phone-call-cell--error'))
    connector_link.cut()
    expect(portal.cell).to_have_class(re.compile('phone-call-cell--error'), timeout=POP_TIMEOUT)
    expect(portal.role('error')).to_be_visible()
    expect(portal.role('error-detail')).not_to_be_empty()
    connector_link.restore()
    start_call('0781223344')
    # The first failure backs off to 4 s, the second to 8 s: recovery comes within them.
    expect(portal.cell).not_to_have_class(re.compile('phone-call-cell--error'), timeout=20000)
    expect(portal.role('error')).to_be_hidden()
    expect(portal.search).to_have_value('0781223344')


def test_hostile_caller_strings_are_inert(portal, start_call, stop_call):
    hostile = '<img src=x onerror=alert(1)>'
    start_call('javascript:alert(2)')
    stop_call('javascript:alert(2)')
    start_call(hostile)
    expect(portal.role('status').locator('bdi')).to_have_text(hostile, timeout=POP_TIMEOUT)
    recent = portal.cell.locator('.phone-call-cell__recent-caller')
    expect(recent).to_have_text('javascript:alert(2)')
    recent.click()
    portal.wait_for_polls(1)
    assert portal.dialogs == []
    assert portal.page.locator('img').count() == 0
    assert portal.cell.locator('a').count() == 0


def test_pop_goes_to_the_configured_one_of_two_search_cells(demo, login, start_call):
    from combo.apps.search.models import SearchCell

    from combo_phone_cell.models import PhoneCallCell

    cell = PhoneCallCell.objects.get(slug='telephonie')
    second = SearchCell.objects.create(page=cell.page, slug='recherche-2', order=2, public=False)
    PhoneCallCell.objects.filter(pk=cell.pk).update(search_cell=second.pk)
    portal = Portal(login('agent'))
    assert portal.cell.get_attribute('data-target-input') == '#combo-search-input-%s' % second.pk
    start_call('0145678901')
    expect(portal.page.locator('#combo-search-input-%s' % second.pk)).to_have_value(
        '0145678901', timeout=POP_TIMEOUT
    )
    first = SearchCell.objects.get(page=cell.page, slug='recherche')
    expect(portal.page.locator('#combo-search-input-%s' % first.pk)).to_have_value('')
    expect(portal.results).to_contain_text('Chloé Robert')
