"""The phone cell's element against controlled poll answers and a controlled clock, in Debian's Chromium.

Only what needs a chosen answer or a chosen time lives here: backoff and slow
retries, the hidden tab's pace, overlapping and abandoned polls, hostile
strings, dates of recent calls, the forms offer's list and its failures.
Every state the agent sees is reached through the demo's real HTTP in
test_widget_live.py.

The page is built from the real cell template (rendered by Django with the
context of the cell's contract) next to a minimal search cell that records
the events it receives. Playwright's router answers every request of the
made-up origin, so each test chooses exactly what the poll view says and
when, and Playwright's clock drives the element's timers.
"""

import datetime
import json
import pathlib
import re
import time
import types
import urllib.parse

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation
from playwright.sync_api import expect

import combo_phone_cell
from combo_phone_cell.extensions import ExtensionForm
from tests.contracts import EXAMPLE_NOW, assert_valid, load_example
from tests.e2e.widget import Cell

pytestmark = pytest.mark.browser

ORIGIN = 'http://harness.test'
STATIC_DIR = pathlib.Path(combo_phone_cell.__file__).parent / 'static'
CELL_PK = 7
# A Wednesday morning; clock steps stay on whole seconds (see Harness.advance).
T0 = datetime.datetime(2025, 12, 3, 9, 30, tzinfo=datetime.UTC)
HOSTILE_STRINGS = [
    '<img src=x onerror="window.pwned=1;alert(1)">',
    '"><script>window.pwned=1;alert(1)</script>',
    'javascript:alert(1)',
    '\u202egnp.exe\u202c 01 43 25 01 35 \u2066\u2067',
    "$& $` $' {caller} %s",
    '0' * 10240,
]
BUSY_SCRIPT = "() => [...document.querySelectorAll('phone-call-cell')].some((cell) => cell.busy)"
SEARCH_CELL_HTML = """
<div class="cell search-cell searchcell">
  <div class="combo-search-cell">
    <input type="search" name="q" id="combo-search-input-3" autocomplete="off" aria-label="Search">
    <div class="combo-search-results"><p class="previous-results">Earlier results</p></div>
  </div>
</div>
<p><label for="notes">Notes</label> <textarea id="notes"></textarea></p>
<script>
  window.searchEvents = [];
  var searchInput = document.getElementById('combo-search-input-3');
  ['input', 'keyup', 'change'].forEach(function (type) {
    document.addEventListener(type, function (event) {
      if (event.target === searchInput) {
        window.searchEvents.push([type, searchInput.value]);
      }
    });
  });
  window.cellEvents = [];
  ['pop', 'error', 'recovered'].forEach(function (name) {
    document.addEventListener('phone-call-cell:' + name, function (event) {
      window.cellEvents.push([name, event.detail]);
    });
  });
</script>
"""
FORMS = [
    {
        'title': 'Signalement voirie',
        'url': 'https://wcs.example.net/backoffice/submission/voirie/',
        'category': 'Voirie',
    },
    {
        'title': 'Demande d’acte',
        'url': 'https://wcs.example.net/backoffice/submission/acte/',
        'category': None,
    },
]


def make_call(call_id=1, caller_display='01 43 25 01 35', search_value='0143250135', **overrides):
    """A call as the poll view sends it (contract B); `minutes_ago` places its start before T0."""
    minutes_ago = overrides.pop('minutes_ago', 0)
    start = T0 - datetime.timedelta(minutes=minutes_ago)
    call = {
        'id': call_id,
        'kind': 'external',
        'caller_display': caller_display,
        'search_value': search_value,
        'start': start.isoformat(),
        'end': None,
        'duration': None,
        'on_call_with': None,
        'transferred_from': None,
    }
    call.update(overrides)
    return call


def ended(call, duration):
    end = datetime.datetime.fromisoformat(call['start']) + datetime.timedelta(seconds=duration)
    return dict(call, end=end.isoformat(), duration=duration)


def render_cell(language='en', **overrides):
    """The cell template rendered with the context of the cell's contract, in English by default."""
    context = {
        'cell': types.SimpleNamespace(
            pk=CELL_PK, get_reference='combo_phone_cell_phonecallcell-%s' % CELL_PK
        ),
        'poll_url': '/api/phone-call-cell/%s/poll/' % CELL_PK,
        'poll_interval': 2,
        'search_cell_index': 0,
        'recent_limit': 5,
        'extension': '42',
        'self_service': False,
        'extension_form_url': '/api/phone-call-cell/%s/extension/' % CELL_PK,
        'extension_form': ExtensionForm(cell=types.SimpleNamespace(pk=CELL_PK)),
        'pause_storage_key': 'phone-call-cell-%s-paused' % CELL_PK,
        'settings_url': None,
        'forms_url': None,
        'forms_offer_seconds': 300,
    }
    context.update(overrides)
    with translation.override(language):
        return render_to_string(
            'combo_phone_cell/phone_call_cell.html', context, request=RequestFactory().get('/')
        )


class FakeView:
    """A view of the cell as the element sees it; the test sets what it answers."""

    def __init__(self, answer):
        self.answer = answer
        self.hold = False
        self.held = []
        self.requests = []

    def handle(self, route):
        self.requests.append(route.request)
        if self.hold:
            self.held.append(route)
        else:
            self.respond(route)

    def respond(self, route):
        answer = self.answer() if callable(self.answer) else self.answer
        if answer == 'network':
            route.abort('connectionreset')
            return
        status, body = answer
        route.fulfill(
            status=status,
            body=body if isinstance(body, str) else json.dumps(body),
            content_type='application/json',
            headers={'Cache-Control': 'no-store'},
        )

    def release(self):
        held, self.held = self.held, []
        for route in held:
            self.respond(route)


class FakePollView(FakeView):
    """The poll view (contract B): ok with `current` and `recent`, or `failure` as (status, body)."""

    def __init__(self):
        super().__init__(self.poll_answer)
        self.extension = '42'
        self.current = []
        self.recent = []
        self.failure = None

    def poll_answer(self):
        if self.failure:
            return self.failure
        if self.extension is None:
            return 200, {
                'err': 0,
                'state': 'no_extension',
                'data': {'extension': None, 'current': [], 'recent': []},
            }
        data = {'extension': self.extension, 'current': self.current, 'recent': self.recent}
        return 200, {'err': 0, 'state': 'ok', 'data': data}


class Harness(Cell):
    """One browser page holding the rendered cell, a search cell and fake cell views."""

    def __init__(self, page, cells_html):
        super().__init__(page)
        self.poll = FakePollView()
        self.forms = FakeView((200, {'err': 0, 'data': FORMS}))
        self.cells_html = cells_html
        self.dialogs = []
        self.clock_ms = 0
        self.language = 'en'
        page.on('dialog', self.on_dialog)
        page.route(ORIGIN + '/**', self.handle)

    def on_dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def handle(self, route):
        path = route.request.url[len(ORIGIN) :].split('?')[0]
        if path == '/':
            body = '<!DOCTYPE html><html lang="%s"><head><meta charset="utf-8"><title>Portail agent</title></head>'
            body = body % self.language + '<body><main>%s%s</main></body></html>' % (
                self.cells_html,
                SEARCH_CELL_HTML,
            )
            route.fulfill(status=200, body=body, content_type='text/html; charset=utf-8')
        elif path.startswith('/api/phone-call-cell/') and path.endswith('/poll/'):
            self.poll.handle(route)
        elif path.startswith('/api/phone-call-cell/') and path.endswith('/forms/'):
            self.forms.handle(route)
        elif path.startswith('/static/') and (STATIC_DIR / path[len('/static/') :]).is_file():
            file = STATIC_DIR / path[len('/static/') :]
            kind = 'text/css' if file.suffix == '.css' else 'text/javascript'
            route.fulfill(status=200, body=file.read_bytes(), content_type=kind)
        else:
            route.fulfill(status=404, body='not found')

    def open(self, language='en'):
        self.language = language
        self.page.goto(ORIGIN + '/')
        self.wait_for_polls(1)
        self.settle()

    def settle(self, timeout=5):
        """Wait until no poll is in flight (unless answers are held) and its answer has been handled."""
        deadline = time.monotonic() + timeout
        while not self.poll.hold and self.page.evaluate(BUSY_SCRIPT):
            if time.monotonic() > deadline:
                raise AssertionError('the element is still waiting for a poll answer')
            self.page.wait_for_timeout(10)

    def wait_for_polls(self, count, timeout=5):
        deadline = time.monotonic() + timeout
        while len(self.poll.requests) < count:
            if time.monotonic() > deadline:
                raise AssertionError('%d polls seen, %d expected' % (len(self.poll.requests), count))
            self.page.wait_for_timeout(10)

    def advance(self, milliseconds):
        """Move the page's clock on, each poll answered before the clock moves on.

        The clock stands still while a routed answer travels, as a fast server
        would. Steps end on whole seconds: every delay of the element is a
        whole number of seconds counted from a whole second, so each timer
        fires at the end of a step and the next one is counted from there.
        """
        while milliseconds > 0:
            step = min(1000 - self.clock_ms % 1000, milliseconds)
            self.page.clock.run_for(step)
            self.clock_ms += step
            milliseconds -= step
            self.settle()

    def expect_polls_every(self, *delays):
        """For each of ``delays`` (ms) in turn: no poll until it has passed, then one."""
        for delay in delays:
            seen = len(self.poll.requests)
            self.advance(delay - 1000)
            assert len(self.poll.requests) == seen, 'polled before %d ms' % delay
            self.advance(1000)
            assert len(self.poll.requests) == seen + 1, 'no poll after %d ms' % delay

    def search_events(self):
        return self.page.evaluate('window.searchEvents')

    def cell_events(self, name):
        return [detail for event, detail in self.page.evaluate('window.cellEvents') if event == name]


@pytest.fixture
def harness(browser):
    """Build the harness page: `harness(**template_context_overrides)`; the clock is frozen at T0."""
    contexts = []

    def harness(cells_html=None, **context):
        browser_context = browser.new_context(locale='en-GB', timezone_id='Europe/Paris')
        browser_context.set_default_timeout(5000)
        contexts.append(browser_context)
        page = browser_context.new_page()
        # Installed before T0: time flows until pause_at, which cannot go back. Ten
        # minutes, so that a loaded machine never gets past T0 in between (a second
        # did not always suffice); the blank page has no timer to fire meanwhile.
        page.clock.install(time=T0 - datetime.timedelta(minutes=10))
        page.clock.pause_at(T0)
        return Harness(page, cells_html or render_cell(**context))

    yield harness
    for browser_context in contexts:
        browser_context.close()


def test_every_text_of_the_cell_is_translated_into_french():
    texts = {}
    for language in ('en', 'fr'):
        html = render_cell(language, self_service=True, forms_url='/forms/', settings_url='/manage/')
        texts[language] = dict(re.findall(r'data-text-([a-z-]+)="([^"]*)"', html))
    assert len(texts['en']) >= 24
    assert texts['fr'].keys() == texts['en'].keys()
    untranslated = [
        key for key in texts['en'] if not texts['fr'][key] or texts['fr'][key] == texts['en'][key]
    ]
    assert untranslated == []


def test_pop_types_search_value_and_fires_input_keyup_change(harness):
    h = harness()
    h.poll.current = [make_call(caller_display='+33 1 43 25 01 35', search_value='0143250135')]
    h.open()
    assert h.search.input_value() == '0143250135'
    assert h.search_events() == [['input', '0143250135'], ['keyup', '0143250135'], ['change', '0143250135']]
    assert h.status.text_content() == h.sentence('call', '+33 1 43 25 01 35')
    assert h.cell_events('pop') == [{'value': '0143250135', 'callId': '1'}]


def test_next_call_is_popped_over_previous_search(harness):
    h = harness()
    h.poll.current = [make_call()]
    h.open()
    h.search.fill('Martin')
    h.poll.current = [make_call(call_id=2, caller_display='06 12 34 56 78', search_value='0612345678')]
    h.advance(2000)
    assert h.search.input_value() == '0612345678'


def test_a_call_already_current_under_a_new_one_is_never_typed_later(harness):
    h = harness()
    held = make_call(call_id=1, minutes_ago=3)
    h.poll.current = [make_call(call_id=2, caller_display='06 12 34 56 78', search_value='0612345678'), held]
    h.open()
    assert h.search.input_value() == '0612345678'
    h.poll.current = [held]
    h.advance(2000)
    assert h.status.text_content() == h.sentence('call', '01 43 25 01 35')
    assert h.search.input_value() == '0612345678'
    assert h.role('search-now').is_visible()


def test_elapsed_time_counts_seconds_while_call_is_current(harness):
    h = harness()
    h.poll.current = [make_call(minutes_ago=2)]
    h.open()
    assert h.role('elapsed').text_content() == '02:00'
    h.advance(1000)
    assert h.role('elapsed').text_content() == '02:01'
    h.advance(64000)
    assert h.role('elapsed').text_content() == '03:05'
    assert h.role('elapsed').get_attribute('datetime') == 'PT185S'


def test_elapsed_time_follows_the_server_clock_when_the_browser_clock_is_wrong(harness):
    h = harness()
    h.poll.current = [make_call(minutes_ago=1)]
    server_date = 'Wed, 03 Dec 2025 09:40:00 GMT'
    original = h.poll.respond

    def respond_with_date(route):
        status, body = h.poll.poll_answer()
        route.fulfill(
            status=status,
            body=json.dumps(body),
            content_type='application/json',
            headers={'Date': server_date},
        )

    h.poll.respond = respond_with_date
    h.open()
    h.poll.respond = original
    assert h.role('elapsed').text_content() == '11:00'


@pytest.mark.parametrize(
    'language, expected',
    [
        ('fr', ['09:05', 'hier 17:20', 'lun. 01/12 11:57']),
        ('en-GB', ['09:05', 'yesterday 17:20', 'Mon 01/12 11:57']),
    ],
)
def test_recent_calls_say_the_day_when_not_today_and_the_duration_in_the_page_language(
    harness, language, expected
):
    h = harness()
    h.poll.recent = [
        ended(make_call(call_id=3, start='2025-12-03T09:05:00+01:00'), 125),
        ended(make_call(call_id=2, start='2025-12-02T17:20:00+01:00'), 40),
        ended(make_call(call_id=1, start='2025-12-01T11:57:00+01:00'), 3725),
    ]
    h.open(language)
    times = h.element.locator('.phone-call-cell__recent-meta time:not(.phone-call-cell__recent-duration)')
    assert times.all_text_contents() == expected
    shown = h.element.locator('.phone-call-cell__recent-duration')
    durations = shown.all_text_contents()
    assert [re.findall(r'\d+', duration) for duration in durations] == [['2', '5'], ['40'], ['1', '2', '5']]
    # Units written out by the browser, each after a space ("7 s", as French writes it).
    assert all(re.fullmatch(r'(\D*\d+\s[^\W\d]+)+', duration) for duration in durations), durations
    assert shown.first.get_attribute('datetime') == 'PT125S'


def test_recent_calls_name_their_kind_and_only_external_ones_search_again(harness):
    h = harness()
    h.poll.recent = [
        ended(
            make_call(call_id=4, kind='internal', caller_display='1234', search_value=None, minutes_ago=5), 30
        ),
        ended(
            make_call(call_id=3, kind='withheld', caller_display=None, search_value=None, minutes_ago=9), 30
        ),
        ended(
            make_call(call_id=2, kind='unreadable', caller_display='abc', search_value=None, minutes_ago=12),
            30,
        ),
        ended(
            make_call(call_id=1, caller_display='06 12 34 56 78', search_value='0612345678', minutes_ago=20),
            60,
        ),
    ]
    h.open()
    items = h.recent_items
    assert items.count() == 4
    assert items.nth(0).locator('.phone-call-cell__recent-caller').text_content() == '1234'
    assert items.nth(0).locator('.phone-call-cell__tag').text_content() == h.text('internal-tag')
    assert items.nth(1).locator('.phone-call-cell__recent-caller').text_content() == h.text('withheld-number')
    assert items.nth(2).locator('.phone-call-cell__tag').text_content() == h.text('unreadable-tag')
    assert h.element.locator('.phone-call-cell__recent-item button').count() == 1
    button = items.nth(3).locator('button')
    assert button.get_attribute('aria-label').startswith(h.sentence('search-number', '06 12 34 56 78'))
    button.click()
    assert h.search.input_value() == '0612345678'
    assert [event[0] for event in h.search_events()] == ['input', 'keyup', 'change']


def test_recent_list_is_capped_and_absent_when_limit_is_zero(harness):
    recent = [ended(make_call(call_id=i, minutes_ago=i), 10) for i in range(1, 9)]
    h = harness(recent_limit=3)
    h.poll.recent = recent
    h.open()
    assert h.recent_items.count() == 3
    hidden = harness(recent_limit=0)
    hidden.poll.recent = recent
    hidden.open()
    assert hidden.recent_items.count() == 0
    assert hidden.role('recent').count() == 0


@pytest.mark.parametrize(
    'failure',
    [
        (502, '<html><body>Bad Gateway</body></html>'),
        (200, '<!DOCTYPE html><form action="/login/">'),
        (200, {'err': 0, 'data': {'extension': '42', 'current': [], 'recent': []}}),
        (403, {'err': 1, 'err_desc': 'Forbidden'}),
        (200, {'err': 0, 'state': 'ok', 'data': []}),
        (200, {'err': 0, 'state': 'somewhere-new'}),
        'network',
    ],
    ids=[
        'html-502',
        'login-page',
        'no-state',
        'status-without-state',
        'data-not-an-object',
        'unknown-state',
        'network',
    ],
)
def test_an_answer_without_a_known_state_means_the_link_is_down(harness, failure):
    h = harness()
    h.poll.failure = failure
    h.open()
    h.expect_state('unavailable')
    assert h.status.text_content() == h.text('unavailable')
    assert h.cell_events('error') == [{'failures': 1, 'state': 'unavailable', 'message': ''}]
    assert h.dialogs == []


def test_failed_polls_back_off_doubling_up_to_thirty_seconds(harness):
    h = harness()
    h.poll.failure = (502, {'err': 1, 'state': 'unavailable', 'err_desc': 'down', 'reason': 'timeout'})
    h.open()
    h.expect_polls_every(4000, 8000, 16000, 30000, 30000)
    h.poll.failure = None
    h.advance(30000)
    h.expect_state('idle')
    assert h.cell_events('recovered') == [{'failures': 6}]
    h.expect_polls_every(2000)


def test_a_signed_out_agent_is_polled_once_a_minute(harness):
    h = harness()
    h.poll.failure = (403, {'err': 1, 'state': 'signed_out', 'err_desc': 'x'})
    h.open()
    h.expect_polls_every(60000, 60000, 60000)
    assert h.cell_events('error')[-1] == {'failures': 4, 'state': 'signed_out', 'message': 'x'}


def test_a_misconfigured_cell_is_retried_every_five_seconds_and_pops_within_them_once_fixed(harness):
    h = harness()
    h.poll.failure = (502, {'err': 1, 'state': 'config_error', 'err_desc': 'x', 'notified': True})
    h.open()
    h.expect_state('config-error')
    # However long it lasts: never a growing backoff.
    h.expect_polls_every(*[5000] * 12)
    h.poll.failure = None
    h.poll.current = [make_call()]
    h.advance(5000)
    h.expect_state('call')
    assert h.search.input_value() == '0143250135'


@pytest.mark.parametrize(
    'state, status, notified',
    [
        ('config_error', 502, True),
        ('config_error', 502, False),
        ('config_error', 502, 'yes'),
        ('unavailable', 502, True),
        ('unavailable', 504, False),
    ],
)
def test_the_agent_reads_that_the_administrator_was_told_only_when_the_answer_says_so(
    harness, state, status, notified
):
    h = harness()
    h.poll.failure = (status, {'err': 1, 'state': state, 'err_desc': 'x', 'notified': notified})
    h.open()
    view = state.replace('_', '-')
    h.expect_state(view)
    key = view + '-notified' if notified is True else view
    assert h.status.text_content() == h.text(key)
    assert h.text(view + '-notified') != h.text(view)


def test_link_restored_is_a_line_of_its_own_and_leaves_with_the_next_call(harness):
    h = harness()
    h.poll.failure = 'network'
    h.open()
    h.expect_state('unavailable')
    h.poll.failure = None
    h.advance(4000)
    h.expect_state('idle')
    lines = h.status.locator('.phone-call-cell__status-line')
    assert lines.all_text_contents() == [h.text('recovered'), h.text('idle')]
    h.poll.current = [make_call()]
    h.advance(2000)
    h.expect_state('call')
    assert lines.all_text_contents() == [h.sentence('call', '01 43 25 01 35')]


def test_the_poll_goes_through_the_elements_replaceable_fetch_method(harness):
    h = harness()
    h.open()
    seen = len(h.poll.requests)
    answer = {'err': 0, 'state': 'ok', 'data': {'extension': '42', 'current': [make_call()], 'recent': []}}
    h.page.evaluate(
        """(answer) => {
        window.fetched = [];
        document.querySelector('phone-call-cell').fetch = async (request) => {
            window.fetched.push([request.url, request.headers.get('Accept'), request.credentials, request.cache]);
            return new Response(JSON.stringify(answer), {headers: {'Content-Type': 'application/json'}});
        };
    }""",
        answer,
    )
    h.advance(2000)
    h.expect_state('call')
    assert h.search.input_value() == '0143250135'
    assert len(h.poll.requests) == seen
    assert h.page.evaluate('window.fetched') == [
        [ORIGIN + '/api/phone-call-cell/7/poll/', 'application/json', 'same-origin', 'no-store']
    ]


def test_hidden_tab_polls_slower_and_polls_at_once_when_visible(harness):
    h = harness()
    h.open()
    h.page.evaluate("""() => {
        Object.defineProperty(document, 'hidden', {configurable: true, get: () => true});
        Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'hidden'});
        document.dispatchEvent(new Event('visibilitychange'));
    }""")
    h.advance(2000)
    seen = len(h.poll.requests)
    h.advance(30000)
    assert len(h.poll.requests) - seen == 3
    h.poll.current = [make_call()]
    h.page.evaluate("""() => {
        delete document.hidden;
        delete document.visibilityState;
        document.dispatchEvent(new Event('visibilitychange'));
    }""")
    h.settle()
    assert len(h.poll.requests) - seen == 4
    assert h.search.input_value() == '0143250135'


def test_no_overlapping_polls(harness):
    h = harness()
    h.poll.hold = True
    h.page.goto(ORIGIN + '/')
    h.wait_for_polls(1)
    h.advance(9000)
    h.page.evaluate("""() => {
        document.dispatchEvent(new Event('visibilitychange'));
        document.querySelector('phone-call-cell').pollNow();
    }""")
    h.settle()
    assert len(h.poll.requests) == 1
    h.poll.hold = False
    h.poll.current = [make_call()]
    h.poll.release()
    h.settle()
    assert h.search.input_value() == '0143250135'
    h.advance(1000)
    assert len(h.poll.requests) == 1
    h.advance(1000)
    assert len(h.poll.requests) == 2


def test_unanswered_poll_is_abandoned_after_ten_seconds(harness):
    h = harness()
    h.poll.hold = True
    h.page.goto(ORIGIN + '/')
    h.wait_for_polls(1)
    h.advance(10000)
    h.expect_state('unavailable')
    h.poll.hold = False
    h.advance(4000)
    assert len(h.poll.requests) == 2
    h.expect_state('idle')


@pytest.mark.parametrize(
    'hostile', HOSTILE_STRINGS, ids=['img', 'script', 'javascript-url', 'bidi', 'dollar', '10kB']
)
def test_hostile_caller_colleague_and_transfer_strings_are_inert(harness, hostile):
    h = harness()
    h.poll.current = [make_call(call_id=9, caller_display=hostile, search_value=hostile)]
    h.poll.recent = [
        ended(
            make_call(
                call_id=8,
                caller_display=hostile,
                search_value=hostile,
                transferred_from=hostile,
                minutes_ago=5,
            ),
            20,
        )
    ]
    h.open()
    assert h.search.input_value() == hostile
    assert h.status.text_content() == h.sentence('call', hostile)
    assert h.status.locator('bdi').text_content() == hostile
    assert h.element.locator('.phone-call-cell__recent-caller').text_content() == hostile
    h.element.locator('.phone-call-cell__recent-item button').click()
    h.poll.current = [
        colleague_call(
            caller_display=hostile, on_call_with={'caller_display': hostile, 'search_value': hostile}
        )
    ]
    h.advance(2000)
    assert h.status.locator('bdi').all_text_contents() == [hostile, hostile, hostile]
    h.poll.current = [make_call(call_id=6, transferred_from=hostile)]
    h.advance(2000)
    assert h.status.locator('bdi').all_text_contents() == ['01 43 25 01 35', hostile]
    assert h.element.locator('img, script, a, iframe').count() == 0
    assert h.dialogs == []
    assert h.page.evaluate('window.pwned') is None
    assert h.page.locator('body img').count() == 0


def test_ten_kilobyte_caller_stays_within_a_420_pixel_cell(harness):
    h = harness()
    h.page.set_viewport_size({'width': 420, 'height': 700})
    h.poll.current = [make_call(caller_display='9' * 10240)]
    h.poll.recent = [ended(make_call(call_id=0, caller_display='8' * 10240), 20)]
    h.open()
    h.poll.current = []
    h.advance(2000)
    assert h.page.evaluate('document.documentElement.scrollWidth') <= 420
    assert h.element.bounding_box()['width'] <= 420


def test_pop_focuses_the_search_input_unless_the_agent_is_typing_elsewhere(harness):
    h = harness()
    h.poll.current = [make_call()]
    h.open()
    assert h.page.evaluate('document.activeElement.id') == 'combo-search-input-3'
    h.page.locator('#notes').fill('Rappeler Mme Martin')
    h.poll.current = [make_call(call_id=2, caller_display='06 12 34 56 78', search_value='0612345678')]
    h.advance(2000)
    assert h.search.input_value() == '0612345678'
    assert h.page.evaluate('document.activeElement.id') == 'notes'


def test_agent_without_extension_is_polled_slowly_and_the_cell_works_once_one_is_set(harness):
    h = harness(extension=None)
    h.poll.extension = None
    h.open()
    h.expect_state('no-extension')
    h.poll.extension = '43'
    h.poll.current = [make_call()]
    h.expect_polls_every(10000)
    h.expect_state('call')
    assert h.role('extension').text_content() == '43'
    assert h.search.input_value() == '0143250135'


def test_each_cell_of_a_page_gets_its_own_element(harness):
    second = render_cell(
        poll_url='/api/phone-call-cell/8/poll/', pause_storage_key='phone-call-cell-8-paused'
    )
    h = harness(cells_html=render_cell() + second)
    h.open()
    h.wait_for_polls(2)
    h.settle()
    assert sorted(request.url for request in h.poll.requests) == [
        ORIGIN + '/api/phone-call-cell/7/poll/',
        ORIGIN + '/api/phone-call-cell/8/poll/',
    ]


def forms_harness(harness, forms=None):
    h = harness(forms_url='/api/phone-call-cell/7/forms/', forms_offer_seconds=120)
    if forms is not None:
        h.forms.answer = forms
    return h


def test_forms_are_fetched_once_on_the_first_external_call_and_link_to_the_phone_channel(harness):
    h = forms_harness(harness)
    h.poll.current = [make_call(call_id=3, kind='internal', caller_display='1234', search_value=None)]
    h.open()
    h.advance(2000)
    # An internal call offers no form.
    assert h.role('forms').is_hidden()
    assert h.forms.requests == []
    h.poll.current = [make_call()]
    h.advance(2000)
    links = h.role('forms').locator('a')
    # The list arrives from its own request, after the poll's answer.
    expect(links).to_have_text(['Signalement voirie', 'Demande d’acte'])
    href = urllib.parse.urlsplit(links.first.get_attribute('href'))
    assert href[:3] == ('https', 'wcs.example.net', '/backoffice/submission/voirie/')
    assert urllib.parse.parse_qsl(href.query) == [
        ('channel', 'phone'),
        ('caller', '0143250135'),
        ('ReturnURL', ORIGIN + '/'),
        ('cancelurl', ORIGIN + '/'),
    ]
    h.poll.current = [make_call(call_id=2, kind='withheld', caller_display=None, search_value=None)]
    h.advance(2000)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(links.first.get_attribute('href')).query)
    assert 'caller' not in query and query['channel'] == ['phone']
    assert len(h.forms.requests) == 1


def test_forms_stay_offered_for_the_configured_time_after_hang_up(harness):
    h = forms_harness(harness)
    call = make_call()
    h.poll.current = [call]
    h.open()
    h.poll.current = []
    h.poll.recent = [ended(call, 2)]
    h.advance(2000)
    h.expect_state('ended')
    expect(h.role('forms')).to_be_visible()
    # Ended at T0 + 2 s, offered 120 s: until T0 + 122 s.
    h.advance(119000)
    assert h.role('forms').is_visible()
    h.advance(1000)
    assert h.role('forms').is_hidden()


def test_many_forms_get_a_filter_usable_with_the_keyboard(harness):
    forms = [
        {'title': title, 'url': 'https://wcs.example.net/backoffice/submission/f%d/' % i, 'category': 'Cat'}
        for i, title in enumerate(
            ['Éclairage public', 'Voirie', 'État civil', 'Cantine', 'Crèche', 'Déchets', 'Eau']
        )
    ]
    h = forms_harness(harness, (200, {'err': 0, 'data': forms}))
    h.poll.current = [make_call()]
    h.open()
    h.advance(1000)
    filter_input = h.role('forms-filter')
    expect(filter_input).to_be_visible()
    filter_input.focus()
    h.page.keyboard.type('eta')
    visible = h.role('forms-list').locator('li:visible a')
    assert visible.all_text_contents() == ['État civil']
    h.page.keyboard.press('ArrowDown')
    assert h.page.evaluate('document.activeElement.textContent') == 'État civil'
    filter_input.fill('zzz')
    assert h.role('forms-none').is_visible()


@pytest.mark.parametrize(
    'answer',
    [
        (502, '<html>Bad Gateway</html>'),
        (200, 'not json'),
        (200, {'err': 0, 'data': []}),
        (200, {'err': 0, 'data': {'title': 'x'}}),
        (200, {'err': 1, 'err_desc': 'w.c.s. refused the signature'}),
        (200, {'err': 0, 'data': [{'title': 'Piège', 'url': 'javascript:alert(1)'}, {'url': 'https://x/'}]}),
        'network',
    ],
    ids=['html-502', 'not-json', 'empty', 'not-a-list', 'err', 'no-usable-form', 'network'],
)
def test_forms_that_cannot_be_listed_hide_the_section_and_the_pop_still_works(harness, answer):
    h = forms_harness(harness, answer)
    h.poll.current = [make_call()]
    h.open()
    h.advance(1000)
    assert len(h.forms.requests) == 1
    assert h.role('forms').is_hidden()
    h.expect_state('call')
    assert h.search.input_value() == '0143250135'
    assert h.element.locator('a').count() == 0


# A new call that the cell does not type, after it typed an external caller's number.
NOT_TYPED = {
    'withheld': {'kind': 'withheld', 'caller_display': None, 'search_value': None},
    'internal': {'kind': 'internal', 'caller_display': '43', 'search_value': None},
    'unreadable': {'kind': 'unreadable', 'caller_display': 'O1 43 25 O1 35', 'search_value': None},
    'no-search-value': {'kind': 'external', 'caller_display': '01 43 25 01 36', 'search_value': None},
    'paused': {'caller_display': '06 12 34 56 78', 'search_value': '0612345678'},
}
CLEARED = [['input', ''], ['keyup', ''], ['change', '']]


@pytest.mark.parametrize('kind', NOT_TYPED)
def test_a_call_not_typed_empties_the_search_the_cell_typed_for_the_previous_caller(harness, kind):
    h = harness()
    first = make_call(call_id=1, minutes_ago=2)
    h.poll.current = [first]
    h.open()
    assert h.search.input_value() == '0143250135'
    h.poll.current = []
    h.poll.recent = [ended(first, 60)]
    h.advance(2000)
    h.expect_state('ended')
    # After a hang-up the citizen stays on screen, until the next call.
    assert h.search.input_value() == '0143250135'
    if kind == 'paused':
        h.role('pause').check()
    h.poll.current = [make_call(call_id=2, **NOT_TYPED[kind])]
    h.advance(2000)
    h.expect_state('call')
    assert h.search.input_value() == ''
    assert h.search_events()[-3:] == CLEARED
    assert h.cell_events('pop') == [{'value': '0143250135', 'callId': '1'}]


def test_a_withheld_call_right_after_another_without_a_hang_up_between_empties_the_search(harness):
    h = harness()
    h.poll.current = [make_call(call_id=1)]
    h.open()
    h.poll.current = [make_call(call_id=2, **NOT_TYPED['withheld'])]
    h.advance(2000)
    assert h.search.input_value() == ''
    assert h.search_events()[-3:] == CLEARED


def test_what_the_agent_typed_is_never_emptied_by_a_call(harness):
    h = harness()
    h.poll.current = [make_call(call_id=1)]
    h.open()
    h.search.fill('Martin')
    typed = h.search_events()
    for call_id, kind in enumerate(['withheld', 'internal', 'unreadable'], start=2):
        h.poll.current = [make_call(call_id=call_id, **NOT_TYPED[kind])]
        h.advance(2000)
        h.expect_state('call')
        assert h.search.input_value() == 'Martin'
    assert h.search_events() == typed


def test_a_number_searched_from_the_cell_on_request_is_emptied_by_the_next_call_too(harness):
    h = harness()
    h.poll.recent = [ended(make_call(call_id=1, minutes_ago=20), 60)]
    h.open()
    h.element.locator('.phone-call-cell__recent-item button').click()
    assert h.search.input_value() == '0143250135'
    h.poll.current = [make_call(call_id=2, **NOT_TYPED['internal'])]
    h.advance(2000)
    assert h.search.input_value() == ''


def test_an_empty_search_is_left_alone_by_a_call_not_typed(harness):
    h = harness()
    h.open()
    h.poll.current = [make_call(call_id=2, **NOT_TYPED['withheld'])]
    h.advance(2000)
    h.expect_state('call')
    assert h.search_events() == []


ANNOUNCED = {'caller_display': '01 43 25 01 35', 'search_value': '0143250135'}


def colleague_call(**overrides):
    """Extension 42 calls this agent while on a call with a citizen (an attended transfer being announced)."""
    call = {
        'call_id': 5,
        'kind': 'internal',
        'caller_display': '42',
        'search_value': None,
        'on_call_with': ANNOUNCED,
    }
    return make_call(**dict(call, **overrides))


def test_a_colleague_on_a_call_is_announced_with_the_citizen_searched_only_on_request_while_it_lasts(
    harness,
):
    h = harness()
    h.poll.current = [colleague_call()]
    h.open()
    h.expect_state('call')
    lines = h.status.locator('.phone-call-cell__status-line')
    assert lines.all_text_contents() == [
        h.sentence('internal', '42'),
        h.text('on-call-with').replace('{extension}', '42').replace('{caller}', '01 43 25 01 35'),
    ]
    assert lines.nth(1).locator('bdi').all_text_contents() == ['42', '01 43 25 01 35']
    h.advance(4000)
    assert h.search.input_value() == ''
    assert h.search_events() == []
    h.role('search-on-call-with').click()
    assert h.search.input_value() == '0143250135'
    assert h.search_events() == [['input', '0143250135'], ['keyup', '0143250135'], ['change', '0143250135']]
    # The colleague hangs up with the citizen: their line goes.
    h.poll.current = [colleague_call(on_call_with=None)]
    h.advance(2000)
    assert h.status.text_content() == h.sentence('internal', '42')
    assert h.role('search-on-call-with').is_hidden()
    # On a call with a number that cannot be typed: announced, no search offered.
    h.poll.current = [colleague_call(on_call_with={'caller_display': '01 43 25 01 35', 'search_value': None})]
    h.advance(2000)
    assert lines.count() == 2
    assert h.role('search-on-call-with').is_hidden()


def test_the_calls_this_harness_makes_are_valid_poll_answers():
    calls = [make_call(), colleague_call(), ended(make_call(transferred_from='42'), 30)]
    assert_valid(
        'poll', {'err': 0, 'state': 'ok', 'data': {'extension': '42', 'current': calls, 'recent': []}}
    )


def test_the_contract_s_example_answer_is_shown_with_nothing_typed_until_asked(harness):
    # docs/contracts/examples/poll.json, written by the cell's tests from the
    # connector's example: 42 calls this agent while on a call with a citizen.
    def at_t0(call):
        moved = {key: call[key] for key in ('start', 'end') if call[key]}
        for key, value in moved.items():
            moved[key] = (T0 + (datetime.datetime.fromisoformat(value) - EXAMPLE_NOW)).isoformat()
        return dict(call, **moved)

    example = load_example('poll')['data']
    h = harness()
    h.poll.extension = example['extension']
    h.poll.current = [at_t0(call) for call in example['current']]
    h.poll.recent = [at_t0(call) for call in example['recent']]
    h.open()
    h.expect_state('call')
    assert h.recent_items.count() == len(example['recent'])
    h.advance(2000)
    assert h.search.input_value() == ''
    h.role('search-on-call-with').click()
    assert h.search.input_value() == '0143250135'


def test_a_transferred_call_says_which_colleague_handed_it_over_and_is_typed(harness):
    h = harness()
    h.poll.current = [make_call(transferred_from='42')]
    h.open()
    assert h.status.locator('.phone-call-cell__status-line').all_text_contents() == [
        h.sentence('call', '01 43 25 01 35'),
        h.text('transferred').replace('{extension}', '42'),
    ]
    assert h.search.input_value() == '0143250135'


def test_an_unreadable_caller_is_never_announced_as_a_number(harness):
    h = harness()
    h.poll.current = [make_call(kind='unreadable', caller_display='O1 43 25 O1 35', search_value=None)]
    h.open()
    h.expect_state('call')
    assert h.status.text_content() == h.text('unreadable')
    assert h.status.locator('bdi').count() == 0
    quoted = h.text('unreadable-caller').replace('{caller}', 'O1 43 25 O1 35')
    assert quoted != 'O1 43 25 O1 35'
    assert h.role('received').locator('bdi').text_content() == quoted
    assert h.role('typed').text_content() == h.text('not-typed-unreadable')
    assert h.search.input_value() == ''


@pytest.mark.parametrize('kind', ['internal', 'withheld', 'unreadable', 'fax'])
def test_the_browser_types_only_an_external_callers_number_whatever_the_answer_claims(harness, kind):
    # A wrong or newer poll view claiming a search value for another kind of call.
    claimed = {'kind': kind, 'caller_display': '01 43 25 01 35', 'search_value': '0143250135'}
    h = harness()
    h.poll.current = [make_call(call_id=2, **claimed)]
    h.poll.recent = [ended(make_call(call_id=1, minutes_ago=5, **claimed), 20)]
    h.open()
    h.expect_state('call')
    h.advance(2000)
    assert h.search.input_value() == ''
    assert h.cell_events('pop') == []
    assert h.role('search-now').is_hidden()
    assert h.element.locator('.phone-call-cell__recent-item button').count() == 0
