"""Every state of the phone cell, reached through the demo's real HTTP, in Debian's Chromium.

Everything runs for real on the live demo server (tests/e2e/conftest.py): the
IPBX's webhooks, the connector, the cell's signed call to it, the element in
Chromium and the search cell's results. Each state is reached the way it
happens in production (a call, a hang-up, the connector stopped, a wrong slug,
an unsigned URL, a session ended, an agent without extension...); each test
checks the text shown and what was typed, and runs axe-core on the cell.
Texts are read from the element's data-text-* attributes, so the tests hold
in any language.
"""

import re
import urllib.parse

import pytest
from playwright.sync_api import expect

from tests.e2e.widget import Cell

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

# The cell polls every second here (``fast_polls``): this leaves many polls of margin.
POP_TIMEOUT = 10000


class Portal(Cell):
    """The agent portal page, seen through the phone cell's DOM contract."""

    def wait_for_polls(self, count):
        """Let `count` more poll answers reach the element."""
        for _ in range(count):
            with self.page.expect_response(lambda response: '/poll/' in response.url, timeout=POP_TIMEOUT):
                pass
        self.page.wait_for_timeout(100)

    def expect_status(self, key, caller=None, timeout=POP_TIMEOUT):
        expected = self.sentence(key, caller) if caller is not None else self.text(key)
        expect(self.status).to_have_text(expected, timeout=timeout)


@pytest.fixture(autouse=True)
def fast_polls(cell_settings):
    """The demo's cell polls every second rather than two: each state is reached sooner, the rules are the same."""
    cell_settings(poll_interval=1)


@pytest.fixture
def portal(page):
    return Portal(page)


def wait_until(page, condition, timeout=POP_TIMEOUT):
    """Wait, letting the page run, until ``condition()`` is true."""
    for _ in range(timeout // 50):
        if condition():
            return
        page.wait_for_timeout(50)
    raise AssertionError('condition not met within %d ms' % timeout)


def test_before_the_first_answer_the_cell_claims_nothing(login, audit):
    page = login('agent')
    held = []
    page.route('**/poll/', lambda route: held.append(route) if holding else route.continue_())
    holding = True
    page.reload()
    portal = Portal(page)
    wait_until(page, lambda: held)
    portal.expect_state('unknown')
    portal.expect_status('unknown')
    expect(portal.role('recent')).to_be_hidden()
    expect(portal.role('call')).to_be_hidden()
    audit.check(page, 'unknown')
    holding = False
    for route in held:
        route.continue_()
    portal.expect_state('idle')


def test_idle_cell_says_no_call_and_no_recent_calls(portal, audit):
    portal.expect_state('idle', timeout=POP_TIMEOUT)
    portal.expect_status('idle')
    expect(portal.role('recent-empty')).to_be_visible()
    expect(portal.role('pause')).not_to_be_checked()
    expect(portal.role('paused-badge')).to_be_hidden()
    expect(portal.role('extension')).to_have_text('42')
    # The extension, then its change control.
    line = portal.role('extension-line')
    assert line.locator('bdi + button, :has(bdi) + button').count() == 1
    audit.check(portal.page, 'idle')


def test_call_in_progress_shows_the_caller_its_duration_and_that_the_number_was_typed(
    portal, start_call, audit
):
    start_call('+33143250135')
    portal.expect_status('call', '01 43 25 01 35')
    expect(portal.search).to_have_value('0143250135')
    expect(portal.role('typed')).to_have_text(portal.text('typed'))
    expect(portal.results).to_contain_text('Camille Martin')
    first = portal.role('elapsed').text_content()
    expect(portal.role('elapsed')).not_to_have_text(first, timeout=POP_TIMEOUT)
    expect(portal.role('search-now')).to_have_text(portal.text('search-again'))
    audit.check(portal.page, 'call')


def test_call_end_is_announced_and_search_results_stay(portal, start_call, stop_call, audit):
    start_call('0478123456')
    expect(portal.results).to_contain_text('Hugo Thomas', timeout=POP_TIMEOUT)
    stop_call('0478123456')
    portal.expect_state('ended', timeout=POP_TIMEOUT)
    portal.expect_status('ended')
    expect(portal.role('caller')).to_have_text('04 78 12 34 56')
    expect(portal.role('typed')).to_be_hidden()
    expect(portal.search).to_have_value('0478123456')
    expect(portal.results).to_contain_text('Hugo Thomas')
    expect(portal.recent_items).to_have_count(1)
    audit.check(portal.page, 'ended')


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
    portal.expect_status('idle')


def test_reload_during_call_pops_again(portal, start_call):
    start_call('0478123456')
    expect(portal.search).to_have_value('0478123456', timeout=POP_TIMEOUT)
    portal.page.reload()
    expect(portal.search).to_have_value('0478123456', timeout=POP_TIMEOUT)
    expect(portal.results).to_contain_text('Hugo Thomas')


@pytest.mark.parametrize(
    'caller, kind',
    [('anonymous', 'withheld'), ('1234', 'internal'), ('<img src=x onerror=alert(1)>', 'unreadable')],
)
def test_a_call_not_from_an_external_number_is_announced_and_nothing_typed(
    portal, start_call, audit, caller, kind
):
    start_call(caller)
    portal.expect_state('call', timeout=POP_TIMEOUT)
    expect(portal.status).to_have_text(portal.sentence(kind, caller))
    expect(portal.role('typed')).to_have_text(portal.text('not-typed-' + kind))
    expect(portal.role('search-now')).to_be_hidden()
    portal.wait_for_polls(2)
    expect(portal.search).to_have_value('')
    expect(portal.results).to_be_empty()
    audit.check(portal.page, 'call-' + kind)


def test_the_next_caller_never_faces_the_previous_citizens_record(portal, start_call, stop_call):
    start_call('0143250135')
    expect(portal.results).to_contain_text('Camille Martin', timeout=POP_TIMEOUT)
    stop_call('0143250135')
    portal.expect_state('ended', timeout=POP_TIMEOUT)
    expect(portal.results).to_contain_text('Camille Martin')
    start_call('anonymous')
    portal.expect_status('withheld')
    expect(portal.search).to_have_value('')
    expect(portal.results).not_to_contain_text('Camille Martin')


def test_a_fixed_setting_reaches_the_agent_within_ten_seconds_without_a_reload(demo, login, start_call):
    """A wrong connector slug, fixed while the agent looks on."""
    from combo_phone_cell.models import PhoneCallCell

    # Saved as the manager's form saves it, so that whatever the cell keeps is refreshed as in production.
    cell = PhoneCallCell.objects.get(slug='telephonie')
    working_url = cell.connector_url
    cell.connector_url = demo.url + '/phonecalls/nope/'
    cell.save()
    portal = Portal(login('agent'))
    portal.expect_state('config-error', timeout=POP_TIMEOUT)
    # A configuration error is told to the administrator at once (the cell's health): notified.
    portal.expect_status('config-error-notified')
    portal.wait_for_polls(1)
    cell.connector_url = working_url
    cell.save()
    start_call('0143250135')
    expect(portal.search).to_have_value('0143250135', timeout=10000)
    expect(portal.status).to_contain_text(portal.sentence('call', '01 43 25 01 35'))


@pytest.mark.parametrize(
    'caller',
    ['sip:0143250135@pbx.mairie.local', '"Camille" <sip:0143250135@pbx.mairie.local>'],
    ids=['sip-uri', 'display-name'],
)
def test_sip_callers_type_the_national_number_and_bring_up_the_citizen(portal, start_call, caller):
    start_call(caller)
    expect(portal.search).to_have_value('0143250135', timeout=POP_TIMEOUT)
    portal.expect_status('call', '01 43 25 01 35')
    expect(portal.results).to_contain_text('Camille Martin')


def test_paused_cell_says_so_in_its_header_and_searches_on_demand(portal, start_call, audit):
    portal.role('pause').check()
    expect(portal.role('paused-badge')).to_be_visible()
    portal.page.reload()
    expect(portal.role('pause')).to_be_checked()
    expect(portal.role('paused-badge')).to_have_text(re.compile(r'\S'))
    start_call('0472001122')
    portal.expect_status('call', '04 72 00 11 22')
    expect(portal.role('typed')).to_have_text(portal.text('not-typed-paused'))
    expect(portal.role('search-now')).to_have_text(portal.text('search-now'))
    portal.wait_for_polls(2)
    expect(portal.search).to_have_value('')
    audit.check(portal.page, 'call-paused')
    portal.role('search-now').click()
    expect(portal.search).to_have_value('0472001122')
    expect(portal.role('typed')).to_have_text(portal.text('typed'))
    expect(portal.results).to_contain_text('Nathan Richard')


@pytest.mark.parametrize('searched', [False, True], ids=['untouched', 'agent-searched'])
def test_unpausing_during_a_call_types_its_number_unless_the_agent_searched_meanwhile(
    portal, start_call, searched
):
    portal.role('pause').check()
    start_call('0556102030')
    expect(portal.role('typed')).to_have_text(portal.text('not-typed-paused'), timeout=POP_TIMEOUT)
    if searched:
        portal.search.fill('Bernard')
    portal.role('pause').uncheck()
    expect(portal.role('paused-badge')).to_be_hidden()
    if searched:
        expect(portal.role('typed')).to_have_text(portal.text('not-typed-changed'))
        portal.wait_for_polls(2)
        expect(portal.search).to_have_value('Bernard')
    else:
        expect(portal.search).to_have_value('0556102030')
        expect(portal.role('typed')).to_have_text(portal.text('typed'))
        expect(portal.results).to_contain_text('Emma Leroy')


def test_page_without_search_cell_says_why_nothing_was_typed(demo, login, start_call, audit):
    from combo.apps.search.models import SearchCell

    SearchCell.objects.filter(slug='recherche').delete()
    portal = Portal(login('agent'))
    start_call('0143250135')
    portal.expect_status('call', '01 43 25 01 35')
    expect(portal.role('typed')).to_have_text(portal.text('not-typed-no-search'))
    expect(portal.role('search-now')).to_be_hidden()
    audit.check(portal.page, 'call-no-search-cell')


def test_agent_without_extension_sees_one_message_and_the_way_to_set_it(demo, login, audit):
    from combo_phone_cell.models import AgentExtension

    AgentExtension.objects.filter(user__username='agent').delete()
    portal = Portal(login('agent'))
    portal.wait_for_polls(1)
    portal.expect_state('no-extension')
    portal.expect_status('no-extension')
    form = portal.role('extension-form')
    expect(form).to_be_visible()
    for role in ('pause-line', 'recent', 'call', 'extension-line', 'paused-badge'):
        expect(portal.role(role)).to_be_hidden()
    assert form.get_attribute('method') == 'post'
    assert form.locator('input[name=csrfmiddlewaretoken]').count() == 1
    audit.check(portal.page, 'no-extension')
    form.get_by_role('textbox').fill('42')
    form.locator('[type=submit]').click()
    portal.expect_state('idle', timeout=POP_TIMEOUT)
    expect(portal.role('extension')).to_have_text('42')
    expect(form).to_be_hidden()


def test_agent_without_extension_and_no_self_service_sees_only_the_message(demo, login, cell_settings):
    from combo_phone_cell.models import AgentExtension

    AgentExtension.objects.filter(user__username='agent').delete()
    cell_settings(self_service=False)
    portal = Portal(login('agent'))
    portal.wait_for_polls(1)
    portal.expect_state('no-extension')
    title = portal.element.locator('.phone-call-cell__title').inner_text()
    assert portal.visible_text() == '%s %s' % (title, portal.text('no-extension'))


def test_extension_change_control_opens_the_form_after_the_extension(portal):
    portal.expect_state('idle', timeout=POP_TIMEOUT)
    change = portal.role('change-extension')
    expect(portal.role('extension-form')).to_be_hidden()
    change.focus()
    portal.page.keyboard.press('Enter')
    expect(change).to_have_attribute('aria-expanded', 'true')
    expect(portal.role('extension-form')).to_be_visible()


def test_link_down_is_said_retried_and_its_recovery_announced(
    portal, start_call, stop_call, connector_link, audit
):
    portal.expect_state('idle', timeout=POP_TIMEOUT)
    connector_link.cut()
    portal.expect_state('unavailable', timeout=POP_TIMEOUT)
    portal.expect_status('unavailable')
    # It does not know: neither "no call" nor "no recent calls".
    expect(portal.role('recent-empty')).to_be_hidden()
    assert portal.text('idle') not in portal.visible_text()
    audit.check(portal.page, 'unavailable')
    connector_link.restore()
    start_call('0781223344')
    # The first failure backs off to 4 s, the second to 8 s: recovery comes within them.
    expect(portal.status).to_contain_text(portal.text('recovered'), timeout=20000)
    expect(portal.search).to_have_value('0781223344')


def test_an_unsigned_cell_tells_the_agent_to_warn_the_administrator(demo, login, cell_settings, audit):
    # The same server under another name is not a known service: the
    # request goes out unsigned and the connector refuses it.
    host = urllib.parse.urlsplit(demo.url).hostname
    other = demo.url.replace(host, '127.0.0.1' if host == 'localhost' else 'localhost')
    cell_settings(connector_url=other + '/phonecalls/ipbx/')
    portal = Portal(login('agent'))
    portal.expect_state('config-error', timeout=POP_TIMEOUT)
    # A configuration error is told to the administrator at once (the cell's health): notified.
    portal.expect_status('config-error-notified')
    expect(portal.role('recent-empty')).to_be_hidden()
    assert portal.text('idle') not in portal.visible_text()
    audit.check(portal.page, 'config-error')


def test_ended_session_is_said_and_reloading_leads_to_the_login_page(portal, audit):
    portal.expect_state('idle', timeout=POP_TIMEOUT)
    portal.page.context.clear_cookies()
    portal.expect_state('signed-out', timeout=POP_TIMEOUT)
    portal.expect_status('signed-out')
    expect(portal.role('recent')).to_be_hidden()
    audit.check(portal.page, 'signed-out')
    portal.role('reload').click()
    expect(portal.page.locator('input[name=password]')).to_be_visible()


def test_pop_goes_to_the_configured_one_of_two_search_cells(demo, login, start_call, cell_settings):
    from combo.apps.search.models import SearchCell

    from combo_phone_cell.models import PhoneCallCell

    page_id = PhoneCallCell.objects.get(slug='telephonie').page_id
    second = SearchCell.objects.create(page_id=page_id, slug='recherche-2', order=2, public=False)
    cell_settings(search_cell=second.pk)
    portal = Portal(login('agent'))
    start_call('0145678901')
    inputs = portal.page.locator('div.searchcell input[type=search]')
    expect(inputs.nth(1)).to_have_value('0145678901', timeout=POP_TIMEOUT)
    expect(inputs.nth(0)).to_have_value('')
    expect(portal.page.locator('div.searchcell').nth(1)).to_contain_text('Chloé Robert')


def test_removing_the_cell_stops_polling_and_its_clock_and_lets_go_of_the_poller_lock(portal, start_call):
    start_call('0143250135')
    portal.expect_state('call', timeout=POP_TIMEOUT)
    held = 'async () => (await navigator.locks.query()).held.length'
    assert portal.page.evaluate(held) == 1
    polls = []
    portal.page.on('request', lambda request: '/poll/' in request.url and polls.append(request))
    portal.page.evaluate(
        "window.removedCell = document.querySelector('phone-call-cell');"
        'window.cellHome = window.removedCell.parentNode; window.removedCell.remove()'
    )
    wait_until(portal.page, lambda: portal.page.evaluate(held) == 0)
    seen = len(polls)
    elapsed = "window.removedCell.querySelector('[data-role=elapsed]').textContent"
    stopped_at = portal.page.evaluate(elapsed)
    portal.page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    # Three poll intervals without a request, nor a tick of the call's clock.
    portal.page.wait_for_timeout(3000)
    assert len(polls) == seen
    assert portal.page.evaluate(elapsed) == stopped_at
    portal.page.evaluate('window.cellHome.append(window.removedCell)')
    portal.wait_for_polls(1)
    assert portal.page.evaluate(held) == 1


def test_staff_see_a_discreet_link_to_the_cell_settings(demo, login):
    agent = Portal(login('agent'))
    agent.expect_state('idle', timeout=POP_TIMEOUT)
    assert agent.element.locator('.phone-call-cell__admin a').count() == 0
    admin = Portal(login('admin'))
    link = admin.element.locator('.phone-call-cell__admin a')
    expect(link).to_be_visible()
    link.click()
    expect(admin.page.locator('input[name$=connector_url]')).to_be_visible()


def test_each_call_is_announced_once_by_the_one_live_region(portal, start_call):
    portal.expect_state('idle', timeout=POP_TIMEOUT)
    assert portal.element.locator('[aria-live]').count() == 1
    assert portal.status.get_attribute('aria-live') == 'polite'
    portal.page.evaluate("""() => {
        window.announced = [];
        const status = document.querySelector('phone-call-cell [data-role=status]');
        new MutationObserver(() => window.announced.push(status.textContent))
            .observe(status, {childList: true, characterData: true, subtree: true});
    }""")
    start_call('0143250135')
    portal.expect_status('call', '01 43 25 01 35')
    portal.wait_for_polls(3)
    assert set(portal.page.evaluate('window.announced')) == {portal.sentence('call', '01 43 25 01 35')}


def test_everything_in_the_cell_works_with_the_keyboard_at_420_pixels(portal, start_call, stop_call):
    portal.page.set_viewport_size({'width': 420, 'height': 800})
    start_call('0556102030')
    stop_call('0556102030')
    start_call('0143250135')
    expect(portal.role('forms').locator('a')).to_have_count(2, timeout=POP_TIMEOUT)
    expect(portal.recent_items).to_have_count(1)
    assert portal.page.evaluate('document.documentElement.scrollWidth') <= 420
    switch = portal.page.get_by_role(
        'switch', name=portal.role('pause').locator('xpath=..').inner_text().strip()
    )
    expect(switch).to_have_count(1)
    portal.page.locator('body').focus()
    reached = []
    for _ in range(30):
        portal.page.keyboard.press('Tab')
        reached.append(
            portal.page.evaluate(
                "document.activeElement.closest('phone-call-cell') ? "
                "document.activeElement.dataset.role || document.activeElement.tagName : ''"
            )
        )
    for target in ('search-now', 'A', 'change-extension', 'pause', 'BUTTON'):
        assert target in reached, '%s not reached with Tab: %s' % (target, reached)
    switch.focus()
    portal.page.keyboard.press('Space')
    expect(portal.role('paused-badge')).to_be_visible()
    portal.element.locator('.phone-call-cell__recent-item button').focus()
    portal.page.keyboard.press('Enter')
    expect(portal.search).to_have_value('0556102030')
    expect(portal.results).to_contain_text('Emma Leroy')


def test_a_form_offered_during_a_call_opens_a_draft_on_the_phone_channel_with_the_caller(
    portal, start_call, audit
):
    start_call('0143250135')
    links = portal.role('forms').locator('a')
    expect(links).to_have_text(
        ['Inscription à la cantine scolaire', 'Signalement voirie'], timeout=POP_TIMEOUT
    )
    expect(portal.search).to_have_value('0143250135')
    audit.check(portal.page, 'call-with-forms')
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(links.first.get_attribute('href')).query)
    assert (query['channel'], query['caller'], query['ReturnURL']) == (
        ['phone'],
        ['0143250135'],
        [portal.page.url],
    )
    links.filter(has_text='Signalement voirie').click()
    expect(portal.page.locator('.wcs-caller')).to_have_text('0143250135')
    expect(portal.page.get_by_role('heading', name='Signalement voirie')).to_be_visible()
    portal.page.locator('.wcs-return').click()
    expect(portal.element).to_be_visible()
