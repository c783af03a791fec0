"""A call centre's day, replayed through Kamailio: every agent sees their own callers, and only them.

One replay (``tests/ipbx/day.py``) serves the tests of this file: over a
hundred calls to twelve agents, direct, withheld, internal, short, to a ring
group, and transferred blind and attended, many at once. Each agent's poll
answer is read all along; agents 42 and 43 also have their portal open in
Chromium, whose search box is sampled all along.
"""

import concurrent.futures
import re
import subprocess
import sys
import time

import pytest

from tests.chromium import chromium
from tests.ipbx import day as day_replay
from tests.ipbx import lab
from tests.ipbx.conftest import FIGURES, assert_all_stopped, calls_of, wait_until

pytestmark = pytest.mark.ipbx_order('last')

CALLS = 100
AGENTS = [str(ext) for ext in range(42, 54)]
BROWSER_AGENTS = {'42': 'agent', '43': 'agent2'}
SEARCH_INPUT = 'div.searchcell input[type=search]'
# A call at least this long (seconds) has been polled by the cell (every
# second here), which has typed, or cleared, the search before it ends.
SETTLED = 1.6

# The value of the search box each time it changes (Date.now(), the machine's clock).
SAMPLE_SEARCH = (
    """
window.__samples = [];
setInterval(function () {
  var input = document.querySelector(%r);
  var value = input ? input.value : null;
  var last = window.__samples[window.__samples.length - 1];
  if (!last || last.value !== value) {
    window.__samples.push({at: Date.now() / 1000, value: value});
  }
}, 50);
"""
    % SEARCH_INPUT
)


def manage(sip_lab, code):
    """Run ``code`` in the demo's ``manage.py shell``, as its administrator would."""
    result = subprocess.run(
        [sys.executable, str(lab.ROOT / 'demo' / 'manage.py'), 'shell', '-c', code],
        env=lab.demo_env(sip_lab.workdir / 'demo.sqlite3', sip_lab.demo.port),
        timeout=60,
        cwd=lab.ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def browser_page(browser, sip_lab, username):
    context = browser.new_context(locale='fr-FR')
    context.set_default_timeout(15000)
    page = context.new_page()
    page.add_init_script(SAMPLE_SEARCH)
    page.goto(sip_lab.demo.url + '/login/?next=/')
    page.fill('input[name=username]', username)
    page.fill('input[name=password]', username)
    page.press('input[name=password]', 'Enter')
    page.wait_for_url(sip_lab.demo.url + '/')
    return page


@pytest.fixture(scope='module')
def replayed(sip_lab):
    """The day, replayed: ``(report, legs, samples by extension)``."""
    began = time.monotonic()
    extra = [ext for ext in AGENTS if ext not in BROWSER_AGENTS]
    # The cells in the browsers poll every second, the interval agents get by default.
    manage(
        sip_lab,
        day_replay.add_agents_code([('agent%s' % ext, ext) for ext in extra])
        + 'from combo_phone_cell.models import PhoneCallCell\nPhoneCallCell.objects.update(poll_interval=1)\n',
    )
    phones = dict(sip_lab.phones)
    started = []
    try:
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            registering = {
                ext: pool.submit(lab.Phone, sip_lab.workdir, ext, sip_lab.sip_port) for ext in extra
            }
            for ext, phone in registering.items():
                phones[ext] = phone.result()
                started.append(phones[ext])
        agents = {ext: day_replay.Agent(sip_lab.demo.url, name, name) for ext, name in BROWSER_AGENTS.items()}
        agents.update(
            {ext: day_replay.Agent(sip_lab.demo.url, 'agent' + ext, 'agent' + ext) for ext in extra}
        )
        sip_lab.publik.reset()
        # Calls of earlier tests have left every agent's screen.
        wait_until(
            lambda: not any(calls_of(sip_lab, ext)['current'] for ext in AGENTS), 90, 'no call in progress'
        )
        first_hook = len(sip_lab.publik.hits())
        day = day_replay.generate_day(CALLS, AGENTS, seed=9)
        with chromium() as browser:
            pages = {ext: browser_page(browser, sip_lab, name) for ext, name in BROWSER_AGENTS.items()}
            replay = day_replay.Replay(day, sip_lab.workdir, sip_lab.sip_port, phones, agents, sip_lab.publik)
            replay.publik = PublikSince(sip_lab.publik, first_hook)
            set_up = time.monotonic() - began
            seconds = replay.run(timeout=240)

            def all_closed():
                return not any(calls_of(sip_lab, ext)['current'] for ext in AGENTS)

            try:
                wait_until(all_closed, 20, 'every call closed')
            except AssertionError:
                pass
            open_calls = [call for ext in AGENTS for call in calls_of(sip_lab, ext)['current']]
            samples = {ext: page.evaluate('window.__samples') for ext, page in pages.items()}
        legs = day_replay.day_legs(replay)
        report = day_replay.check(replay, legs, open_calls)
        report.seconds = seconds
    finally:
        for phone in started:
            phone.stop()
        assert_all_stopped(started)
    FIGURES['day replayed (poll answers)'] = report.summary()
    FIGURES['day replayed: time'] = (
        '%.1f s to set up (phones, agents, browsers), %.1f s of replay, %.1f s in all'
        % (
            set_up,
            seconds,
            time.monotonic() - began,
        )
    )
    print('\nday replayed: %s' % report.summary())
    return report, legs, samples


def test_a_day_replayed_shows_every_agent_their_own_callers_only_and_leaves_no_call_open(replayed):
    report, _legs, _samples = replayed

    assert report.calls >= 100 and report.agents >= 6
    assert set(report.patterns) == set(day_replay.PATTERNS)
    assert report.max_concurrent_legs >= 4
    assert report.poll_errors == 0
    assert (report.wrong_citizen, report.missed_pop, report.earlier_citizen_shown, report.open_calls) == (
        0,
        0,
        0,
        0,
    ), report.problems[:20]
    assert report.pops == report.legs


def value_at(samples, at):
    """The search box's value at Unix time ``at`` (the last sample before it)."""
    value = None
    for sample in samples:
        if sample['at'] > at:
            break
        value = sample['value']
    return value


def browser_legs(legs, ext):
    return [leg for leg in legs.values() if leg.agent == ext and leg.start and leg.stop]


def test_a_day_replayed_types_each_citizen_for_the_right_agent_in_chromium(replayed):
    _report, legs, samples = replayed
    popped, problems = 0, []
    for ext, agent_samples in samples.items():
        mine = browser_legs(legs, ext)
        numbers = {leg.search_value for leg in mine if leg.search_value}
        typed = {sample['value'] for sample in agent_samples if sample['value']}
        problems += ['%s: %s typed, none of its callers' % (ext, value) for value in typed - numbers]
        for leg in mine:
            if not leg.search_value:
                continue
            window = [
                sample['value']
                for sample in agent_samples
                if leg.start - day_replay.TOLERANCE <= sample['at'] <= leg.stop + day_replay.TOLERANCE
            ] + [value_at(agent_samples, leg.start)]
            if leg.search_value in window:
                popped += 1
            else:
                problems.append('%s: %s never typed' % (ext, leg.search_value))
            # By the end of the call, this citizen's number, not an earlier one.
            if leg.stop - leg.start > SETTLED and value_at(agent_samples, leg.stop - 0.1) != leg.search_value:
                problems.append(
                    '%s: %r in the search at the end of the call of %s'
                    % (ext, value_at(agent_samples, leg.stop - 0.1), leg.search_value)
                )
    FIGURES['day replayed (Chromium, agents 42 and 43)'] = '%d pops typed, %d problems' % (
        popped,
        len(problems),
    )
    assert popped >= 10
    assert problems == []


def test_a_day_replayed_never_leaves_an_earlier_citizen_under_a_call_the_cell_does_not_type(replayed):
    # Withheld and internal callers are announced, not typed: the search the
    # cell typed for an earlier caller must be cleared, not left with that
    # citizen's record under the new call.
    _report, legs, samples = replayed
    checked, problems = 0, []
    for ext, agent_samples in samples.items():
        for leg in browser_legs(legs, ext):
            if leg.search_value or leg.stop - leg.start <= SETTLED:
                continue
            checked += 1
            value = value_at(agent_samples, leg.stop - 0.1)
            if value:
                problems.append('%s: %r in the search at the end of a %s call' % (ext, value, leg.kind))
    assert checked >= 3
    assert problems == []


class PublikSince:
    """The lab's Publik proxy, its webhooks counted from the day's start (earlier tests' left out)."""

    def __init__(self, publik, first):
        self.publik = publik
        self.first = first

    def hits(self):
        return self.publik.hits()[self.first :]


def test_the_day_generator_writes_what_the_replay_needs():
    day = day_replay.generate_day(CALLS, AGENTS, seed=9)
    assert len(day) == CALLS
    assert {call.pattern for call in day} == set(day_replay.PATTERNS)
    for call in day:
        assert call.agent in AGENTS and (call.target is None or call.target != call.agent)
        if call.pattern == 'group':
            assert call.agent in day_replay.GROUPS[call.dialled]
        assert re.fullmatch(r'0145\d{6}|anonymous|\d\d', call.caller)
