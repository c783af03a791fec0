"""Once, in Chromium: a real SIP call pops on the agent's portal."""

import pytest

from tests.chromium import chromium
from tests.ipbx.conftest import FIGURES, finished_call

SEARCH_INPUT = 'div.searchcell input[type=search]'

# Timestamps (Date.now(), the machine's clock) of what the page's scripts type
# into the search input: the cell fires input events as it types the number.
RECORD_TYPING = (
    """
window.__typed = [];
document.addEventListener('input', function (event) {
  if (event.target.matches && event.target.matches(%r)) {
    window.__typed.push({value: event.target.value, at: Date.now()});
  }
}, true);
"""
    % SEARCH_INPUT
)


@pytest.fixture
def agent_page(sip_lab):
    with chromium() as browser:
        context = browser.new_context(locale='fr-FR')
        context.set_default_timeout(15000)
        page = context.new_page()
        page.add_init_script(RECORD_TYPING)
        page.goto(sip_lab.demo.url + '/login/?next=/')
        page.fill('input[name=username]', 'agent')
        page.fill('input[name=password]', 'agent')
        page.press('input[name=password]', 'Enter')
        page.wait_for_url(sip_lab.demo.url + '/')
        yield page


def test_agent_42_gets_the_number_of_a_real_sip_call_typed_into_the_search(
    sip_lab, publik, place_calls, agent_page
):
    from playwright.sync_api import expect

    search = agent_page.locator(SEARCH_INPUT)
    expect(search).to_have_value('')
    call = place_calls([('0143250135', 'Camille Martin', '42')])
    call_id = call.call_ids[0]

    expect(search).to_have_value('0143250135')
    expect(agent_page.locator('.combo-search-results')).to_contain_text('Camille Martin')

    answered_at = sip_lab.phones['42'].answers()[call_id]
    webhook = publik.wait_answered(call_id, 'call-start')[0]
    typed = agent_page.evaluate('window.__typed')
    typed_at = min(entry['at'] for entry in typed if entry['value'] == '0143250135') / 1000
    assert answered_at <= webhook.received <= typed_at
    FIGURES['answer (agent 200 OK) -> call-start received by Publik'] = '%.1f ms' % (
        (webhook.received - answered_at) * 1000
    )
    FIGURES['call-start received -> number typed in the browser'] = '%.0f ms' % (
        (typed_at - webhook.received) * 1000
    )

    call.hang_up()
    call.finish()
    finished_call(sip_lab, '42', call_id)
