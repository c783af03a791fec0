"""The phone call cell's widget against controlled poll answers, in Debian's Chromium.

The page is built from the real cell template (rendered by Django with a fake
context) next to a minimal search cell that records the events it receives.
Playwright's router answers every request of the made-up origin, so each test
chooses exactly what the poll view says and when, and Playwright's clock
drives the widget's timers. The end-to-end behaviour against the live demo is
in test_widget_live.py.
"""

import datetime
import json
import pathlib
import time
import types

import pytest
from django import forms
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

import combo_phone_cell

pytestmark = pytest.mark.browser

ORIGIN = 'http://harness.test'
STATIC_DIR = pathlib.Path(combo_phone_cell.__file__).parent / 'static'
CELL_PK = 7
SEARCH_INPUT = '#combo-search-input-3'
T0 = datetime.datetime(2025, 3, 4, 9, 30, tzinfo=datetime.UTC)
HOSTILE_STRINGS = [
    '<img src=x onerror="window.pwned=1;alert(1)">',
    '"><script>window.pwned=1;alert(1)</script>',
    'javascript:alert(1)',
    '\u202egnp.exe\u202c 01 43 25 01 35 \u2066\u2067',
    "$& $` $' {caller} %s",
    '0' * 10240,
]
BUSY_SCRIPT = """() => [...document.querySelectorAll('[data-phone-call-cell]')].some(
    (root) => root.phoneCallCell && root.phoneCallCell.busy
)"""
SEARCH_CELL_HTML = """
<div class="cell search-cell" id="search_searchcell-3">
  <div class="searchcell">
    <input type="search" name="q" id="combo-search-input-3" autocomplete="off">
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


class ExtensionForm(forms.Form):
    """Stands in for the cell-server's form: one `extension` field, as in cell-context.md."""

    extension = forms.CharField(label='Extension', max_length=64, required=False)


def make_call(call_id=1, caller_display='01 43 25 01 35', search_value='0143250135', **overrides):
    """A call as the poll view sends it; `minutes_ago` places its start before T0."""
    minutes_ago = overrides.pop('minutes_ago', 0)
    start = T0 - datetime.timedelta(minutes=minutes_ago)
    call = {
        'id': call_id,
        'caller_display': caller_display,
        'search_value': search_value,
        'withheld': False,
        'start': start.isoformat(),
    }
    call.update(overrides)
    return call


def ended(call, duration):
    end = datetime.datetime.fromisoformat(call['start']) + datetime.timedelta(seconds=duration)
    return dict(call, end=end.isoformat())


def render_cell(**overrides):
    context = {
        'cell': types.SimpleNamespace(
            pk=CELL_PK, get_reference='combo_phone_cell_phonecallcell-%s' % CELL_PK
        ),
        'poll_url': '/api/phone-call-cell/%s/poll/' % CELL_PK,
        'poll_interval': 2,
        'target_input_selector': SEARCH_INPUT,
        'recent_limit': 5,
        'extension': '42',
        'self_service': False,
        'extension_form_url': '/api/phone-call-cell/%s/extension/' % CELL_PK,
        'extension_form': ExtensionForm(auto_id='id_phone-call-cell-%s-%%s' % CELL_PK),
        'pause_storage_key': 'phone-call-cell-%s-paused' % CELL_PK,
    }
    context.update(overrides)
    with translation.override('en'):
        return render_to_string(
            'combo_phone_cell/phone_call_cell.html', context, request=RequestFactory().get('/')
        )


class FakePollView:
    """The cell's poll view as the widget sees it; the test sets what it answers."""

    def __init__(self):
        self.extension = '42'
        self.current = []
        self.recent = []
        self.failure = None
        self.hold = False
        self.held = []
        self.requests = []

    def handle(self, route):
        self.requests.append(route.request)
        if self.hold:
            self.held.append(route)
        else:
            self.answer(route)

    def answer(self, route):
        if self.failure == 'network':
            route.abort('connectionreset')
        elif self.failure:
            status, body = self.failure
            route.fulfill(status=status, body=body, content_type='application/json')
        else:
            data = {'extension': self.extension, 'current': self.current, 'recent': self.recent}
            route.fulfill(
                status=200,
                body=json.dumps({'err': 0, 'data': data}),
                content_type='application/json',
                headers={'Cache-Control': 'no-store'},
            )

    def release(self):
        held, self.held = self.held, []
        for route in held:
            self.answer(route)


class Harness:
    """One browser page holding the rendered cell, a search cell and a fake poll view."""

    def __init__(self, page, poll, cells_html):
        self.page = page
        self.poll = poll
        self.cells_html = cells_html
        self.dialogs = []
        page.on('dialog', self.on_dialog)
        page.route(ORIGIN + '/**', self.handle)

    def on_dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def handle(self, route):
        path = route.request.url[len(ORIGIN) :].split('?')[0]
        if path == '/':
            body = '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Portail agent</title></head>'
            body += '<body><main>%s%s</main></body></html>' % (self.cells_html, SEARCH_CELL_HTML)
            route.fulfill(status=200, body=body, content_type='text/html; charset=utf-8')
        elif path.startswith('/api/phone-call-cell/'):
            self.poll.handle(route)
        elif path.startswith('/static/') and (STATIC_DIR / path[len('/static/') :]).is_file():
            file = STATIC_DIR / path[len('/static/') :]
            kind = 'text/css' if file.suffix == '.css' else 'text/javascript'
            route.fulfill(status=200, body=file.read_bytes(), content_type=kind)
        else:
            route.fulfill(status=404, body='not found')

    @property
    def cell(self):
        return self.page.locator('[data-phone-call-cell]').first

    @property
    def search(self):
        return self.page.locator(SEARCH_INPUT)

    def role(self, name):
        return self.cell.locator('[data-role="%s"]' % name)

    def text(self, key):
        return self.cell.get_attribute('data-text-' + key)

    def open(self):
        self.page.goto(ORIGIN + '/')
        self.wait_for_polls(1)
        self.settle()

    def settle(self, timeout=5):
        """Wait until no poll is in flight (unless answers are held) and its answer has been handled."""
        deadline = time.monotonic() + timeout
        while not self.poll.hold and self.page.evaluate(BUSY_SCRIPT):
            if time.monotonic() > deadline:
                raise AssertionError('the widget is still waiting for a poll answer')
            self.page.wait_for_timeout(10)

    def wait_for_polls(self, count, timeout=5):
        deadline = time.monotonic() + timeout
        while len(self.poll.requests) < count:
            if time.monotonic() > deadline:
                raise AssertionError('%d polls seen, %d expected' % (len(self.poll.requests), count))
            self.page.wait_for_timeout(10)

    def advance(self, milliseconds, step=250):
        """Move the page's clock on, firing the widget's timers, each poll answered before the clock moves on.

        The clock stands still while a routed answer travels, as a fast server would.
        """
        while milliseconds > 0:
            chunk = min(step, milliseconds)
            self.page.clock.run_for(chunk)
            milliseconds -= chunk
            self.settle()

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
        # Installed a little before T0: time flows until pause_at, which cannot go back.
        page.clock.install(time=T0 - datetime.timedelta(seconds=1))
        page.clock.pause_at(T0)
        return Harness(page, FakePollView(), cells_html or render_cell(**context))

    yield harness
    for browser_context in contexts:
        browser_context.close()


def test_pop_types_search_value_and_fires_input_keyup_change(harness):
    h = harness()
    h.poll.current = [make_call(caller_display='+33 1 43 25 01 35', search_value='0143250135')]
    h.open()
    assert h.search.input_value() == '0143250135'
    assert h.search_events() == [['input', '0143250135'], ['keyup', '0143250135'], ['change', '0143250135']]
    expected = h.text('incoming').replace('{caller}', '+33 1 43 25 01 35')
    assert h.role('status').text_content() == expected
    assert h.role('status').get_attribute('role') == 'status'
    assert h.role('status').get_attribute('aria-live') == 'polite'
    assert h.cell_events('pop') == [{'value': '0143250135', 'callId': '1'}]


def test_poll_asks_for_fresh_json_with_the_session(harness):
    h = harness()
    h.open()
    request = h.poll.requests[0]
    assert request.url == ORIGIN + '/api/phone-call-cell/7/poll/'
    assert request.method == 'GET'
    assert request.headers['accept'] == 'application/json'


def test_same_call_is_not_retyped_after_agent_edit(harness):
    h = harness()
    h.poll.current = [make_call()]
    h.open()
    h.search.fill('Martin')
    events = len(h.search_events())
    h.advance(10000)
    assert len(h.poll.requests) >= 5
    assert h.search.input_value() == 'Martin'
    assert len(h.search_events()) == events


def test_next_call_is_popped_over_previous_search(harness):
    h = harness()
    h.poll.current = [make_call()]
    h.open()
    h.search.fill('Martin')
    h.poll.current = [make_call(call_id=2, caller_display='06 12 34 56 78', search_value='0612345678')]
    h.advance(2000)
    assert h.search.input_value() == '0612345678'


def test_withheld_call_is_announced_and_nothing_typed(harness):
    h = harness()
    h.poll.current = [make_call(caller_display='anonymous', search_value=None, withheld=True)]
    h.open()
    assert h.role('status').text_content() == h.text('withheld')
    assert h.cell.evaluate('root => root.classList.contains("phone-call-cell--withheld")')
    assert h.search.input_value() == ''
    assert h.search_events() == []
    assert h.role('search-again').is_hidden()


def test_reload_during_call_pops_again(harness):
    h = harness()
    h.poll.current = [make_call()]
    h.open()
    assert h.search.input_value() == '0143250135'
    h.page.reload()
    h.settle()
    assert h.search.input_value() == '0143250135'
    assert [event[0] for event in h.search_events()] == ['input', 'keyup', 'change']


def test_call_end_is_announced_and_search_results_stay(harness):
    h = harness()
    call = make_call()
    h.poll.current = [call]
    h.open()
    h.advance(2000)
    h.poll.current = []
    h.poll.recent = [ended(call, 95)]
    h.advance(2000)
    assert h.role('status').text_content() == h.text('ended')
    assert h.role('caller').text_content() == '01 43 25 01 35'
    assert h.role('elapsed').text_content() == '01:35'
    assert h.search.input_value() == '0143250135'
    assert h.page.locator('.combo-search-results .previous-results').is_visible()
    assert len(h.search_events()) == 3


def test_elapsed_time_counts_seconds_while_call_is_current(harness):
    h = harness()
    h.poll.current = [make_call(minutes_ago=2)]
    h.open()
    assert h.role('elapsed').text_content() == '02:00'
    h.advance(1000)
    assert h.role('elapsed').text_content() == '02:01'
    h.advance(64000)
    assert h.role('elapsed').text_content() == '03:05'


def test_recent_call_click_types_its_number(harness):
    h = harness()
    h.poll.recent = [
        ended(
            make_call(call_id=5, caller_display='06 12 34 56 78', search_value='0612345678', minutes_ago=12),
            60,
        ),
        ended(
            make_call(
                call_id=4, caller_display='anonymous', search_value=None, withheld=True, minutes_ago=30
            ),
            30,
        ),
        ended(make_call(call_id=3, minutes_ago=50), 200),
    ]
    h.open()
    buttons = h.cell.locator('.phone-call-cell__recent-button')
    assert buttons.count() == 2
    assert (
        h.cell.locator('.phone-call-cell__recent-item')
        .nth(1)
        .text_content()
        .startswith(h.text('withheld-number'))
    )
    assert h.search.input_value() == ''
    buttons.first.click()
    assert h.search.input_value() == '0612345678'
    assert [event[0] for event in h.search_events()] == ['input', 'keyup', 'change']
    assert buttons.first.get_attribute('aria-label') == h.text('search-number').replace(
        '{caller}', '06 12 34 56 78'
    )


def test_recent_list_is_capped_and_hidden_when_limit_is_zero(harness):
    recent = [ended(make_call(call_id=i, minutes_ago=i), 10) for i in range(1, 9)]
    h = harness(recent_limit=3)
    h.poll.recent = recent
    h.open()
    assert h.cell.locator('.phone-call-cell__recent-item').count() == 3
    hidden = harness(recent_limit=0)
    hidden.poll.recent = recent
    hidden.open()
    assert hidden.cell.locator('.phone-call-cell__recent-item').count() == 0
    assert hidden.role('recent').count() == 0


def test_pause_switch_is_remembered(harness):
    h = harness()
    h.open()
    h.role('pause').check()
    assert h.page.evaluate('localStorage.getItem("phone-call-cell-7-paused")') == '1'
    h.page.reload()
    h.settle()
    assert h.role('pause').is_checked()
    h.poll.current = [make_call()]
    h.advance(2000)
    assert h.role('status').text_content() == h.text('incoming').replace('{caller}', '01 43 25 01 35')
    assert h.search.input_value() == ''
    h.role('search-again').click()
    assert h.search.input_value() == '0143250135'


def test_unpausing_does_not_type_a_call_that_rang_while_paused(harness):
    h = harness()
    h.open()
    h.role('pause').check()
    h.poll.current = [make_call()]
    h.advance(2000)
    h.role('pause').uncheck()
    h.advance(4000)
    assert h.search.input_value() == ''
    assert h.page.evaluate('localStorage.getItem("phone-call-cell-7-paused")') is None


def test_error_state_shown_then_recovers(harness):
    h = harness()
    h.poll.failure = (502, json.dumps({'err': 1, 'err_desc': 'Le connecteur ne répond pas.'}))
    h.open()
    assert 'phone-call-cell--error' in h.cell.get_attribute('class')
    assert h.role('error').is_visible()
    assert h.role('error-detail').text_content() == 'Le connecteur ne répond pas.'
    assert h.cell_events('error') == [
        {'failures': 1, 'status': 502, 'message': 'Le connecteur ne répond pas.'}
    ]
    h.poll.failure = None
    h.poll.current = [make_call()]
    h.advance(4000)
    assert 'phone-call-cell--error' not in h.cell.get_attribute('class')
    assert h.role('error').is_hidden()
    assert h.cell_events('recovered') == [{'failures': 1}]
    assert h.search.input_value() == '0143250135'


@pytest.mark.parametrize(
    'failure',
    [
        (200, json.dumps({'err': 1, 'err_desc': 'Poste inconnu.'})),
        (403, json.dumps({'err': 1, 'err_desc': 'Accès refusé.'})),
        (504, '<html><body>Gateway Timeout</body></html>'),
        (200, '<!DOCTYPE html><form action="/login/">'),
        (200, json.dumps({'err': 0})),
        'network',
    ],
    ids=['err-1', 'forbidden', 'html-504', 'login-page', 'no-data', 'network'],
)
def test_every_kind_of_failed_poll_sets_the_error_state(harness, failure):
    h = harness()
    h.poll.failure = failure
    h.open()
    assert 'phone-call-cell--error' in h.cell.get_attribute('class')
    assert h.role('error').is_visible()
    assert len(h.cell_events('error')) == 1
    assert h.dialogs == []


def test_failed_polls_back_off_doubling_up_to_thirty_seconds(harness):
    h = harness()
    h.poll.failure = (502, json.dumps({'err': 1, 'err_desc': 'down'}))
    h.open()
    for expected_delay in [4000, 8000, 16000, 30000, 30000]:
        seen = len(h.poll.requests)
        h.advance(expected_delay - 100)
        assert len(h.poll.requests) == seen, 'polled before %d ms' % expected_delay
        h.advance(100)
        assert len(h.poll.requests) == seen + 1, 'no poll after %d ms' % expected_delay
    h.poll.failure = None
    h.advance(30000)
    seen = len(h.poll.requests)
    h.advance(2000)
    assert len(h.poll.requests) == seen + 1


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
        document.querySelector('[data-phone-call-cell]').phoneCallCell.pollNow();
    }""")
    h.settle()
    assert len(h.poll.requests) == 1
    h.poll.hold = False
    h.poll.current = [make_call()]
    h.poll.release()
    h.settle()
    assert h.search.input_value() == '0143250135'
    h.advance(1900)
    assert len(h.poll.requests) == 1
    h.advance(100)
    assert len(h.poll.requests) == 2


def test_unanswered_poll_is_abandoned_after_ten_seconds(harness):
    h = harness()
    h.poll.hold = True
    h.page.goto(ORIGIN + '/')
    h.wait_for_polls(1)
    h.advance(10000)
    assert 'phone-call-cell--error' in h.cell.get_attribute('class')
    h.poll.hold = False
    h.advance(4000)
    assert len(h.poll.requests) == 2
    assert 'phone-call-cell--error' not in h.cell.get_attribute('class')


@pytest.mark.parametrize(
    'hostile', HOSTILE_STRINGS, ids=['img', 'script', 'javascript-url', 'bidi', 'dollar', '10kB']
)
def test_hostile_caller_strings_are_inert(harness, hostile):
    h = harness()
    h.poll.current = [make_call(call_id=9, caller_display=hostile, search_value=hostile)]
    h.poll.recent = [
        ended(make_call(call_id=8, caller_display=hostile, search_value=hostile, minutes_ago=5), 20)
    ]
    h.open()
    assert h.search.input_value() == hostile
    assert h.role('status').text_content() == h.text('incoming').replace('{caller}', hostile)
    assert h.role('status').locator('bdi').text_content() == hostile
    assert h.cell.locator('.phone-call-cell__recent-caller').text_content() == hostile
    assert h.cell.locator('img, script:not([src]), a, iframe').count() == 0
    h.cell.locator('.phone-call-cell__recent-button').click()
    h.settle()
    assert h.dialogs == []
    assert h.page.evaluate('window.pwned') is None
    assert h.page.locator('body img').count() == 0


def test_ten_kilobyte_caller_stays_within_the_cell(harness):
    h = harness()
    h.page.set_viewport_size({'width': 800, 'height': 600})
    h.poll.current = [make_call(caller_display='9' * 10240)]
    h.poll.recent = [ended(make_call(call_id=0, caller_display='8' * 10240), 20)]
    h.open()
    h.poll.current = []
    h.advance(2000)
    assert h.page.evaluate('document.documentElement.scrollWidth') <= 800
    assert h.cell.bounding_box()['width'] <= 800


def test_missing_search_cell_is_reported_and_calls_still_shown(harness):
    h = harness(target_input_selector='#combo-search-input-99')
    h.poll.current = [make_call()]
    h.open()
    assert h.role('no-target').is_visible()
    assert h.role('status').text_content() == h.text('incoming').replace('{caller}', '01 43 25 01 35')
    assert h.search.input_value() == ''


def test_page_without_search_cell_is_reported_from_the_start(harness):
    h = harness(target_input_selector='')
    h.open()
    assert h.role('no-target').is_visible()


def test_pop_does_not_take_focus_from_the_field_the_agent_types_in(harness):
    h = harness()
    h.open()
    h.page.locator('#notes').fill('Rappeler Mme Martin')
    h.poll.current = [make_call()]
    h.advance(2000)
    assert h.search.input_value() == '0143250135'
    assert h.page.evaluate('document.activeElement.id') == 'notes'


def test_pop_focuses_the_search_input_when_the_agent_is_not_typing(harness):
    h = harness()
    h.poll.current = [make_call()]
    h.open()
    assert h.page.evaluate('document.activeElement.id') == 'combo-search-input-3'


def test_destroy_stops_polling_and_listening(harness):
    h = harness()
    h.poll.current = [make_call()]
    h.open()
    h.page.evaluate("document.querySelector('[data-phone-call-cell]').phoneCallCell.destroy()")
    seen = len(h.poll.requests)
    elapsed = h.role('elapsed').text_content()
    h.page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    h.advance(60000)
    assert len(h.poll.requests) == seen
    assert h.role('elapsed').text_content() == elapsed
    assert h.page.evaluate("document.querySelector('[data-phone-call-cell]').phoneCallCell") is None


def test_no_extension_is_explained_and_cell_starts_working_once_one_is_set(harness):
    h = harness(extension=None)
    h.poll.extension = None
    h.open()
    assert h.role('no-extension').is_visible()
    assert h.role('extension-line').is_hidden()
    seen = len(h.poll.requests)
    h.advance(2000)
    assert len(h.poll.requests) == seen, 'an agent without extension is polled slowly'
    h.poll.extension = '43'
    h.poll.current = [make_call()]
    h.advance(8000)
    assert h.role('no-extension').is_hidden()
    assert h.role('extension').text_content() == '43'
    assert h.search.input_value() == '0143250135'


def test_self_service_form_posts_the_extension_with_a_csrf_token(harness):
    h = harness(extension=None, self_service=True)
    h.poll.extension = None
    h.open()
    form = h.cell.locator('form.phone-call-cell__extension-form')
    assert form.is_visible()
    assert form.get_attribute('method') == 'post'
    assert form.get_attribute('action') == '/api/phone-call-cell/7/extension/'
    assert form.locator('input[name=csrfmiddlewaretoken]').count() == 1
    assert form.locator('label[for="id_phone-call-cell-7-extension"]').is_visible()


def test_each_cell_of_a_page_gets_its_own_widget(harness):
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
    assert h.page.evaluate(
        "[...document.querySelectorAll('[data-phone-call-cell]')].every(root => !!root.phoneCallCell)"
    )
