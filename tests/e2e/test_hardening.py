"""Hostile caller strings end to end: through the IPBX's real webhook, the connector, the cell's
signed poll and the widget in Chromium, shown as plain, readable text that runs nothing.

Each link is proved on its own elsewhere: the connector's refusals in
tests/passerelle/test_bad_input.py, its storing as sent in test_call_start.py,
the widget's rendering of hostile strings in test_widget_harness.py. Here the
strings the connector accepts travel the whole way, as an IPBX would send them.
"""

import time

import pytest
from playwright.sync_api import expect

from tests.e2e.widget import Cell

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

# Polls every 2 s (the demo cell's interval): this leaves several polls of margin.
POP_TIMEOUT = 10000

# Accepted by the connector (no control character, at most 64 characters): stored as sent.
STORED = [
    '<img src=x onerror="window.pwned=1;alert(1)">',
    '"><script>window.pwned=1</script><b>',
    'javascript:window.pwned=1;alert(document.cookie)',
    'שלום 01 43 25 01 35 مرحبا',
    "{{ 7|add:7 }} {caller} ${7*7} %s $& '",
]


def test_hostile_callers_are_shown_as_readable_text_and_run_nothing(demo, page, start_call, stop_call):
    cell = Cell(page)
    poll_url = demo.url + cell.element.get_attribute('data-poll-url')
    dialogs = []
    page.on('dialog', lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    shown = []
    for caller in STORED:
        start_call(caller)
        # How the connector read it, through the agent's own session (the poll's shared
        # snapshot of the calls may be a fraction of the interval old: wait for it).
        deadline = time.monotonic() + POP_TIMEOUT / 1000
        while not (calls := page.request.get(poll_url).json()['data']['current']):
            assert time.monotonic() < deadline, 'the call never reached the poll'
            page.wait_for_timeout(50)
        (current,) = calls
        if current['kind'] == 'unreadable':
            # Never announced as a number: quoted, apart from the banner's sentence.
            shown.append(cell.text('unreadable-caller').replace('{caller}', caller))
            expect(cell.role('received').locator('bdi')).to_have_text(shown[-1], timeout=POP_TIMEOUT)
        else:
            shown.append(caller)
            expect(cell.status.locator('bdi')).to_have_text(caller, timeout=POP_TIMEOUT)
        if current['search_value']:
            expect(cell.search).to_have_value(current['search_value'], timeout=POP_TIMEOUT)
        stop_call(caller)

    recent = cell.element.locator('.phone-call-cell__recent-caller')
    expect(recent).to_have_count(len(STORED), timeout=POP_TIMEOUT)
    assert sorted(recent.all_text_contents()) == sorted(shown)
    for entry in cell.element.locator('.phone-call-cell__recent-item button').all():
        entry.click()
    page.wait_for_timeout(500)
    assert dialogs == []
    assert page.evaluate('window.pwned') is None
    assert cell.element.locator('img, script, iframe, b').count() == 0
    # The only links are the forms offered during a call, to w.c.s.
    for link in cell.element.locator('a').all():
        assert link.get_attribute('href').startswith(demo.url + '/backoffice/submission/')
    assert page.locator('img').count() == 0
    assert 'pwned' not in page.evaluate('document.cookie')
    cell.expect_state('ended')
