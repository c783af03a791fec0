"""Regenerate docs/screenshots/: the phone cell in each state, in French, on the demo.

Run it from the repository with ``.venv/bin/python -m tests.e2e.screenshots``
(pytest on this file with ``--ds tests.settings.demo`` does the same): it serves the seeded demo like the
end-to-end tests, brings the cell into each state through real HTTP (the
IPBX's webhooks, a stopped connector, a wrong slug, a session ended...) and
photographs the cell at 420 pixels wide, plus the whole portal during a
call and the administrator's health page. The README's "What the agent sees" shows the pictures.
"""

import datetime
import pathlib
import re
import sys

import pytest
from django.db.models import F
from playwright.sync_api import expect

from tests.e2e.widget import Cell

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

OUTPUT = pathlib.Path(__file__).resolve().parents[2] / 'docs' / 'screenshots'
TIMEOUT = 15000


@pytest.fixture
def shoot(login):
    """``shoot(name, page)``: photograph the phone cell of ``page`` into docs/screenshots/<name>.png."""
    OUTPUT.mkdir(parents=True, exist_ok=True)

    def shoot(name, page):
        # The cell's box in the portal (Combo's wrapper of the element), no row under the mouse.
        page.mouse.move(0, 0)
        page.locator('phone-call-cell').locator('xpath=..').screenshot(path=OUTPUT / ('%s.png' % name))

    return shoot


@pytest.fixture
def agent_tab(login):
    """The agent's portal at 420 pixels wide, the cell's first answer in."""

    def open_tab(username='agent', state='idle'):
        page = login(username)
        page.set_viewport_size({'width': 420, 'height': 900})
        Cell(page).expect_state(state, timeout=TIMEOUT)
        return page

    return open_tab


def earlier_calls(demo, start_call, stop_call):
    """Three ended calls of extension 42: five days ago, yesterday and a little earlier today."""
    from passerelle_phonecalls.models import Call

    now = datetime.datetime.now(datetime.UTC)
    for caller, ago, duration in [
        ('0143250135', (5, 95), 300),
        ('1234', (1, 47), 42),
        ('0612345678', (0, 35), 125),
    ]:
        start_call(caller)
        stop_call(caller)
        call = Call.objects.filter(callee='42').order_by('-pk').first()
        start = now - datetime.timedelta(days=ago[0], minutes=ago[1])
        Call.objects.filter(pk=call.pk).update(start=start, end=start + datetime.timedelta(seconds=duration))


def test_screenshots(demo, agent_tab, login, shoot, start_call, stop_call, connector_link, cell_settings):
    from combo_phone_cell.models import AgentExtension
    from passerelle_phonecalls.models import Call

    earlier_calls(demo, start_call, stop_call)
    page = agent_tab()
    cell = Cell(page)
    expect(cell.recent_items).to_have_count(3, timeout=TIMEOUT)
    shoot('idle', page)

    # A call that has been going on for a minute and a half.
    call = start_call('0143250135')
    Call.objects.filter(pk=call['id']).update(start=F('start') - datetime.timedelta(seconds=83))
    expect(cell.results).to_contain_text('Camille Martin', timeout=TIMEOUT)
    expect(cell.role('forms').locator('a')).to_have_count(2, timeout=TIMEOUT)
    expect(cell.role('elapsed')).to_have_text(re.compile('^01:2'), timeout=TIMEOUT)
    shoot('call', page)
    page.set_viewport_size({'width': 1000, 'height': 800})
    page.screenshot(path=OUTPUT / 'portal-call.png')
    page.set_viewport_size({'width': 420, 'height': 900})

    stop_call('0143250135')
    cell.expect_state('ended', timeout=TIMEOUT)
    shoot('ended', page)

    for caller, name in [
        ('1234', 'call-internal'),
        ('anonymous', 'call-withheld'),
        ('Standard-Mairie', 'call-unreadable'),
    ]:
        start_call(caller)
        cell.expect_state('call', timeout=TIMEOUT)
        expect(cell.role('typed')).to_have_text(cell.text('not-typed-' + name.split('-')[1]), timeout=TIMEOUT)
        shoot(name, page)
        stop_call(caller)
        cell.expect_state('ended', timeout=TIMEOUT)

    # An attended transfer announced: 43, on a call with Camille Martin, calls 42.
    start_call('0143250135', '43')
    start_call('43')
    cell.expect_state('call', timeout=TIMEOUT)
    expect(cell.role('search-on-call-with')).to_be_visible(timeout=TIMEOUT)
    shoot('call-colleague', page)
    stop_call('43')
    stop_call('0143250135', '43')
    cell.expect_state('ended', timeout=TIMEOUT)

    cell.role('pause').check()
    start_call('0478123456')
    expect(cell.role('typed')).to_have_text(cell.text('not-typed-paused'), timeout=TIMEOUT)
    shoot('call-paused', page)
    stop_call('0478123456')
    cell.role('pause').uncheck()

    connector_link.cut()
    cell.expect_state('unavailable', timeout=TIMEOUT)
    shoot('unavailable', page)
    connector_link.restore()
    expect(cell.status).to_contain_text(cell.text('recovered'), timeout=30000)
    shoot('recovered', page)

    cell_settings(connector_url=demo.url + '/phonecalls/nope/')
    page.reload()
    cell.expect_state('config-error', timeout=TIMEOUT)
    shoot('config-error', page)
    connector_link.restore()

    # Before the first answer: the poll is held on its way.
    held = []
    page.route('**/poll/', lambda route: held.append(route))
    page.reload()
    cell.expect_state('unknown')
    shoot('unknown', page)
    page.unroute_all(behavior='ignoreErrors')
    page.reload()
    cell.expect_state('idle', timeout=TIMEOUT)

    page.context.clear_cookies()
    cell.expect_state('signed-out', timeout=TIMEOUT)
    shoot('signed-out', page)

    AgentExtension.objects.filter(user__username='agent2').delete()
    shoot('no-extension', agent_tab('agent2', 'no-extension'))

    # The administrator's health page: the agents' last answer, the last errors, the calls charted.
    admin = login('admin')
    admin.set_viewport_size({'width': 1000, 'height': 800})
    admin.goto('%s/manage/phone-call-cell/%d/health/' % (demo.url, cell_pk(page)))
    expect(admin.locator('.phone-call-cell-statistics figure svg')).to_have_count(3, timeout=TIMEOUT)
    admin.screenshot(path=OUTPUT / 'health.png', full_page=True)


def cell_pk(page):
    return int(
        re.search(r'/(\d+)/poll/', page.locator('phone-call-cell').get_attribute('data-poll-url')).group(1)
    )


if __name__ == '__main__':
    sys.exit(
        pytest.main([__file__, '--ds', 'tests.settings.demo', '-q', '-p', 'no:cacheprovider', *sys.argv[1:]])
    )
