"""Hostile caller strings end to end: through the IPBX's real webhook, the connector, the cell's
signed poll and the widget in Chromium. Each is either refused by the connector (400, nothing
stored) or stored, and then shown as plain, readable text that runs nothing.

The widget's own rendering of hostile strings is also covered with a
scripted poll in test_widget_harness.py; here the strings travel the whole
way, as an IPBX would send them.
"""

import pytest
import requests
from playwright.sync_api import expect

from demo.seed import DEMO_API_KEY
from passerelle_phonecalls.models import Call
from tests.e2e.widget import Cell

pytestmark = pytest.mark.django_db(transaction=True)

# Polls every 2 s (the demo cell's interval): this leaves several polls of margin.
POP_TIMEOUT = 10000

# Accepted by the connector (no control character, at most 64 characters): stored as sent.
STORED = {
    'markup': '<img src=x onerror="window.pwned=1;alert(1)">',
    'script': '"><script>window.pwned=1</script><b>',
    'javascript-url': 'javascript:window.pwned=1;alert(document.cookie)',
    'right-to-left-text': 'שלום 01 43 25 01 35 مرحبا',
    'templates': "{{ 7|add:7 }} {caller} ${7*7} %s $& '",
}
# Refused by the connector with a 400 naming the caller.
REFUSED = {
    'bidi-override': '\u202e5310234310',
    'bidi-isolates': '01 43 \u2066\u202e25 01\u2069 35',
    'zero-width': '0143\u200b250135',
    'newline': '0143250135\r\nSet-Cookie: session=stolen',
    'ten-kilobytes': '<b>' + '0' * 10240 + '</b>',
    'too-long-by-one': '1' * 65,
}


def send(demo, event, caller, method='GET'):
    """The IPBX's webhook, answer as is (call_event in conftest.py insists on a 200)."""
    url = '%s/%s' % (demo.endpoint, event)
    if method == 'POST':
        return requests.post(
            url, params={'apikey': DEMO_API_KEY}, data={'caller': caller, 'callee': '42'}, timeout=10
        )
    return requests.get(url, params={'caller': caller, 'callee': '42', 'apikey': DEMO_API_KEY}, timeout=10)


@pytest.mark.parametrize('method', ['GET', 'POST'])
def test_caller_with_control_characters_or_too_long_is_refused_and_nothing_is_stored(demo, method):
    for name, caller in REFUSED.items():
        for event in ('call-start', 'call-stop'):
            response = send(demo, event, caller, method)
            assert response.status_code == 400, name
            assert response.headers['Content-Type'] == 'application/json'
            assert response.json()['err'] == 1
            assert "'caller'" in response.json()['err_desc']
            # The refused value is not echoed back either.
            assert caller.strip() not in response.text
    assert not Call.objects.exists()


def test_connector_answers_hostile_callers_as_json_a_browser_will_not_sniff(demo):
    for caller in STORED.values():
        response = send(demo, 'call-start', caller)
        assert response.status_code == 200
        assert response.headers['Content-Type'] == 'application/json'
        assert response.headers['X-Content-Type-Options'] == 'nosniff'
        assert response.json()['data']['caller'] == caller
    assert sorted(Call.objects.values_list('caller', flat=True)) == sorted(STORED.values())


@pytest.mark.browser
def test_hostile_callers_are_shown_as_readable_text_and_run_nothing(demo, page, start_call, stop_call):
    cell = page.locator('phone-call-cell')
    poll_url = demo.url + cell.get_attribute('data-poll-url')
    search = Cell(page).search
    dialogs = []
    page.on('dialog', lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    shown = []
    for caller in STORED.values():
        start_call(caller)
        # What the widget receives, through the agent's own session.
        answer = page.request.get(poll_url)
        assert answer.headers['content-type'] == 'application/json'
        assert 'no-store' in answer.headers['cache-control']
        current = answer.json()['data']['current']
        assert [call['caller_display'] for call in current] == [caller]
        if current[0]['kind'] == 'unreadable':
            # Never announced as a number: quoted, apart from the banner's sentence.
            shown.append(Cell(page).text('unreadable-caller').replace('{caller}', caller))
            expect(cell.locator('[data-role="received"] bdi')).to_have_text(shown[-1], timeout=POP_TIMEOUT)
            expect(cell.locator('[data-role="status"]')).to_have_text(Cell(page).text('unreadable'))
        else:
            shown.append(caller)
            expect(cell.locator('[data-role="status"] bdi')).to_have_text(caller, timeout=POP_TIMEOUT)
        if current[0]['search_value']:
            expect(search).to_have_value(current[0]['search_value'], timeout=POP_TIMEOUT)
        stop_call(caller)

    recent = cell.locator('.phone-call-cell__recent-caller')
    expect(recent).to_have_count(len(STORED), timeout=POP_TIMEOUT)
    assert sorted(recent.all_text_contents()) == sorted(shown)
    for entry in cell.locator('.phone-call-cell__recent-item button').all():
        entry.click()
    page.wait_for_timeout(500)
    assert dialogs == []
    assert page.evaluate('window.pwned') is None
    assert cell.locator('img, script, iframe, b').count() == 0
    # The only links are the forms offered during a call, to w.c.s.
    for link in cell.locator('a').all():
        assert link.get_attribute('href').startswith(demo.url + '/backoffice/submission/')
    assert page.locator('img').count() == 0
    assert 'pwned' not in page.evaluate('document.cookie')
    assert cell.get_attribute('data-state') == 'ended'
