"""Several tabs of one agent send one poll stream, and every tab still shows the pop.

The tabs are pages of one browser context (one browser profile, one session)
on the live demo. One tab holds the Web Lock and polls; it shares each answer
over a BroadcastChannel with the other tabs. Poll requests are counted per tab.
"""

import time

import pytest
from playwright.sync_api import expect

from tests.e2e.widget import Cell

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

POP_TIMEOUT = 10000
# The demo cell polls every 2 s: one stream gives 2 or 3 polls in 5 s, three
# independent tabs 7 or 8.
WINDOW_MS = 5000
# One poll a second (the default interval) over the window, and one more at its edge;
# three tabs polling each would send three times as many.
ONE_STREAM_MAX = 6
HIDE_SCRIPT = """() => {
    Object.defineProperty(document, 'hidden', {configurable: true, get: () => true});
    Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'hidden'});
    document.dispatchEvent(new Event('visibilitychange'));
}"""
NO_WEB_LOCKS_SCRIPT = "Object.defineProperty(Navigator.prototype, 'locks', {get: () => undefined});"


class Tabs:
    """The tabs of one agent's browser, with the poll requests each one sends."""

    def __init__(self, first, count):
        self.pages = [first]
        self.polls = []
        self.watch(first)
        for _ in range(count - 1):
            self.open_tab()

    def open_tab(self):
        """Open the portal in one more tab of the same browser; returns the page."""
        page = self.pages[0].context.new_page()
        self.watch(page)
        page.goto(self.pages[0].url)
        page.locator('phone-call-cell').wait_for()
        self.pages.append(page)
        return page

    def watch(self, page):
        page.on(
            'request', lambda request: '/poll/' in request.url and self.polls.append((page, time.monotonic()))
        )

    def search(self, page):
        return Cell(page).search

    def settle(self):
        """Let the tabs elect their poller and the first answers arrive."""
        self.pages[0].wait_for_timeout(2500)

    def polls_during(self, milliseconds):
        """The tabs that polled during the next ``milliseconds``, one entry per poll."""
        started = time.monotonic()
        self.pages[0].wait_for_timeout(milliseconds)
        return [page for page, when in self.polls if when >= started]

    def wait_until_each_polled(self, pages, times, since, timeout=20):
        """Wait until each of ``pages`` has polled ``times`` since ``since``; fail after ``timeout`` s.

        A loaded machine answers polls slower, and the next poll waits for
        the answer: a count over a fixed window would be a guess.
        """
        deadline = time.monotonic() + timeout
        while True:
            counts = {page: 0 for page in pages}
            for page, when in self.polls:
                if page in counts and when >= since:
                    counts[page] += 1
            if min(counts.values()) >= times:
                return
            assert time.monotonic() < deadline, 'polls per tab since the start: %s' % list(counts.values())
            self.pages[0].wait_for_timeout(100)


@pytest.fixture
def tabs(login):
    def open_tabs(count=3, username='agent'):
        return Tabs(login(username), count)

    return open_tabs


def test_every_tab_pops_the_call_into_its_own_search_input(tabs, start_call):
    agent = tabs(3)
    agent.settle()
    start_call('0143250135')
    for page in agent.pages:
        expect(agent.search(page)).to_have_value('0143250135', timeout=POP_TIMEOUT)
        expect(page.locator('.combo-search-results')).to_contain_text('Camille Martin')


def test_a_tab_opened_during_a_call_pops_it_without_polling(tabs, start_call):
    agent = tabs(1)
    start_call('0478123456')
    expect(agent.search(agent.pages[0])).to_have_value('0478123456', timeout=POP_TIMEOUT)
    late = agent.open_tab()
    expect(agent.search(late)).to_have_value('0478123456', timeout=POP_TIMEOUT)
    assert [page for page, _when in agent.polls if page is late] == []


def test_three_tabs_send_one_poll_stream_handed_over_when_the_polling_tab_closes(tabs, start_call):
    agent = tabs(3)
    agent.settle()
    polling = agent.polls_during(WINDOW_MS)
    assert 1 <= len(polling) <= ONE_STREAM_MAX
    assert len(set(polling)) == 1
    leader = polling[0]
    leader.close()
    others = [page for page in agent.pages if page is not leader]
    agent.pages = others
    start_call('0612345678')
    for page in others:
        expect(agent.search(page)).to_have_value('0612345678', timeout=POP_TIMEOUT)
    polling = agent.polls_during(WINDOW_MS)
    assert 1 <= len(polling) <= ONE_STREAM_MAX
    assert len(set(polling)) == 1
    assert leader not in polling


def test_a_visible_tab_takes_over_from_a_hidden_polling_tab(tabs, start_call):
    agent = tabs(2)
    agent.settle()
    leader = agent.polls_during(WINDOW_MS)[0]
    leader.evaluate(HIDE_SCRIPT)
    visible = next(page for page in agent.pages if page is not leader)
    agent.pages = [visible, leader]
    agent.settle()
    polling = agent.polls_during(WINDOW_MS)
    # A hidden poller would only poll every 10 s.
    assert 1 <= len(polling) <= ONE_STREAM_MAX
    assert set(polling) == {visible}
    start_call('0556102030')
    expect(agent.search(visible)).to_have_value('0556102030', timeout=POP_TIMEOUT)


def test_without_web_locks_every_tab_polls_on_its_own(login):
    first = login('agent')
    first.context.add_init_script(NO_WEB_LOCKS_SCRIPT)
    first.reload()
    agent = Tabs(first, 2)
    assert agent.pages[1].evaluate('navigator.locks') is None
    agent.settle()
    agent.wait_until_each_polled(agent.pages, 2, since=time.monotonic())


def test_two_agents_in_two_browsers_each_poll(tabs):
    first = tabs(2, 'agent')
    second = tabs(2, 'agent2')
    first.settle()
    started = time.monotonic()

    def polls_since_start(agent):
        return sum(when >= started for _page, when in agent.polls)

    # One poll stream per browser, whichever of its tabs leads: each agent keeps polling.
    while polls_since_start(first) < 2 or polls_since_start(second) < 2:
        assert time.monotonic() < started + 20, 'each agent polls on its own'
        first.pages[0].wait_for_timeout(100)
