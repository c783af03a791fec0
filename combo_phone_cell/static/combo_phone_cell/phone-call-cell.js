/*
 * <phone-call-cell>: polls the cell's poll view for the logged-in agent's
 * current call and types the caller's number into the page's user search.
 * Configuration and texts come from its data- attributes (the cell's
 * template); it fills only its [data-role] elements, and strings from the
 * network only through .value, .textContent and nodes built here. The poll
 * view says the state (poll-answer.js): one message per state, and never
 * "no call" while the element does not know. A new call it does not type
 * empties the search it typed for an earlier one, so that no caller faces
 * the previous citizen's record. Removed from the page, it stops polling
 * and lets another tab take over. Its network call is its fetch(request)
 * method, which a page or a test may replace. Events (they bubble):
 * phone-call-cell:pop {value, callId}, phone-call-cell:error {failures,
 * state, message}, phone-call-cell:recovered {failures}.
 */
import {fillSentence, formatDuration} from './call-text.js';
import {FormsOffer} from './forms-offer.js';
import {callKind, onCallWith, readAnswer, searchValue, transferredFrom} from './poll-answer.js';
import {recentItem} from './recent-calls.js';
import {clearInput, findSearchInput, typeInto} from './search-input.js';
import {REQUEST_TIMEOUT, TabCoordination} from './tab-coordination.js';

const MAX_DELAY = 30000;
// Signed out: only the agent can fix it (by reloading); check now and then.
const SLOW_DELAY = 60000;
// Misconfigured: the administrator's fix must reach every agent within
// seconds, without a reload; a fixed, short pace, never a growing backoff.
const CONFIG_ERROR_DELAY = 5000;
// While the tab is hidden nobody watches the pop, but the agent still wants
// it there when coming back: poll slower, and at once on return.
const HIDDEN_FACTOR = 5;
const RECOVERED_NOTICE = 10000;
// Calls remembered on this page load; the cap bounds a portal left open for weeks.
const CALL_MEMORY = 50;
// A Date header only has second resolution: below this the clocks agree.
const CLOCK_SKEW_TOLERANCE = 2000;

function text(value) {
  return value === null || value === undefined ? '' : String(value);
}

export class PhoneCallCellElement extends HTMLElement {
  constructor() {
    super();
    this.answer = null;
    this.failures = 0;
    this.serverOffset = 0;
    // What this page did with each call: {typed, reason why not, search value before}.
    this.calls = new Map();
    this.call = null;
    // What this page typed into the search itself, {input, value}, until the next call.
    this.typed = null;
    this.addEventListener('click', (event) => this.onClick(event));
    this.addEventListener('change', (event) => this.onChange(event));
  }

  connectedCallback() {
    if (this.coordination) {
      return;
    }
    const data = this.dataset;
    this.interval = Math.max(1, parseFloat(data.pollInterval) || 2) * 1000;
    this.maxDelay = Math.max(MAX_DELAY, this.interval);
    this.recentLimit = Math.max(0, parseInt(data.recentLimit, 10) || 0);
    this.extension = this.extension === undefined ? text(data.extension) : this.extension;
    this.parts = {};
    for (const part of this.querySelectorAll('[data-role]')) {
      this.parts[part.dataset.role] = part;
    }
    if (!this.forms && data.formsUrl && this.parts.forms) {
      this.forms = new FormsOffer(this.parts.forms, data.formsUrl, parseInt(data.formsOfferSeconds, 10) || 0);
    }
    this.paused = this.readPaused();
    document.addEventListener('visibilitychange', this.onVisibilityChange);
    window.addEventListener('storage', this.onStorage);
    this.coordination = new TabCoordination(data.pollUrl, this, this.interval, this.maxDelay);
    this.render();
    if (!this.coordination.start()) {
      this.poll();
    }
  }

  disconnectedCallback() {
    this.coordination.stop();
    this.coordination = null;
    this.follow();
    clearInterval(this.clock);
    this.clock = null;
    clearTimeout(this.noticeTimer);
    this.forms?.offerFor(null);
    document.removeEventListener('visibilitychange', this.onVisibilityChange);
    window.removeEventListener('storage', this.onStorage);
  }

  text(key) {
    return this.getAttribute('data-text-' + key) || '';
  }

  // The tab coordination calls poll() (this tab leads), follow(), apply(answer) and nextDelay().
  follow() {
    clearTimeout(this.pollTimer);
    this.controller?.abort();
    this.controller = null;
    this.busy = false;
  }

  nextDelay() {
    const state = this.answer ? this.answer.state : 'unavailable';
    if (state === 'config_error') {
      return CONFIG_ERROR_DELAY;
    }
    if (state === 'signed_out') {
      return Math.max(SLOW_DELAY, this.interval);
    }
    let delay = this.interval;
    if (state === 'unavailable') {
      delay = Math.min(this.interval * Math.pow(2, this.failures), this.maxDelay);
    }
    // No extension: nothing can ring, but an extension set elsewhere starts working.
    if (document.hidden || state === 'no_extension') {
      delay = Math.max(delay, Math.min(this.interval * HIDDEN_FACTOR, this.maxDelay));
    }
    return delay;
  }

  pollNow() {
    this.coordination?.pollNow();
  }

  async poll() {
    if (this.busy || !this.coordination || !this.coordination.leader) {
      return;
    }
    clearTimeout(this.pollTimer);
    this.busy = true;
    const controller = new AbortController();
    this.controller = controller;
    const timeout = setTimeout(() => controller.abort(), REQUEST_TIMEOUT);
    let answer;
    try {
      const request = new Request(this.dataset.pollUrl, {
        credentials: 'same-origin',
        headers: {Accept: 'application/json'},
        cache: 'no-store',
        signal: controller.signal,
      });
      const response = await this.fetch(request);
      answer = readAnswer(await response.text(), Date.parse(response.headers.get('Date') || ''));
    } catch (error) {
      answer = {state: 'unavailable'};
    }
    clearTimeout(timeout);
    if (this.controller !== controller) {
      // Removed from the page, or another tab took the lead: not ours to show.
      return;
    }
    this.controller = null;
    this.busy = false;
    this.apply(answer);
    this.pollTimer = setTimeout(() => this.poll(), this.nextDelay());
    this.coordination.share(answer);
  }

  /* The poll's one network call: replace it to answer from elsewhere (a test, a page's own transport). */
  fetch(request) {
    return window.fetch(request);
  }

  apply(answer) {
    this.answer = answer;
    if (answer.serverDate) {
      const offset = answer.serverDate - Date.now();
      this.serverOffset = Math.abs(offset) < CLOCK_SKEW_TOLERANCE ? 0 : offset;
    }
    if (answer.state === 'ok' || answer.state === 'no_extension') {
      this.extension = answer.extension;
      this.recent = answer.recent;
      const recovering = this.failures > 0;
      if (recovering) {
        this.emit('recovered', {failures: this.failures});
        this.notice = true;
        clearTimeout(this.noticeTimer);
        this.noticeTimer = setTimeout(() => {
          this.notice = false;
          this.render();
        }, RECOVERED_NOTICE);
      }
      this.failures = 0;
      if (this.handleCurrent(answer.current, answer.recent) && !recovering) {
        // "Link restored" belongs to the answer that restored it, not to a later call's banner.
        this.notice = false;
      }
    } else {
      this.failures += 1;
      this.notice = false;
      this.emit('error', {failures: this.failures, state: answer.state, message: text(answer.message)});
    }
    this.render();
  }

  /* Follow the agent's current calls; true when a new call came to the top. */
  handleCurrent(current, recent) {
    const call = current[0];
    if (!call) {
      if (this.call && !this.call.ended) {
        const done = recent.find((item) => text(item.id) === this.call.id);
        this.call.ended = true;
        this.call.data = done || this.call.data;
        this.call.end = (done && Date.parse(text(done.end))) || Date.now() + this.serverOffset;
      }
      return false;
    }
    const id = text(call.id);
    const isNew = !this.calls.has(id);
    // Calls already current when this one rings (an agent juggling a call on
    // hold) are shown when they come back to the top, never typed later.
    for (const other of current) {
      if (!this.calls.has(text(other.id))) {
        this.calls.set(text(other.id), {typed: false, reason: null});
      }
    }
    while (this.calls.size > CALL_MEMORY) {
      this.calls.delete(this.calls.keys().next().value);
    }
    this.call = {id: id, data: call, ended: false, record: this.calls.get(id)};
    if (isNew) {
      this.pop(this.call.record);
    }
    return isNew;
  }

  /* Type a new call's number, or note why not and empty what was typed for an earlier call. */
  pop(record) {
    const call = this.call.data;
    const value = searchValue(call);
    const input = this.searchInput();
    if (value && input && !this.paused) {
      record.typed = this.typeIntoSearch(value, false);
      return;
    }
    this.clearEarlierSearch(input);
    if (call.kind === 'internal' || call.kind === 'withheld') {
      record.reason = call.kind;
    } else if (!value) {
      record.reason = 'unreadable';
    } else if (!input) {
      record.reason = 'no-search';
    } else {
      record.reason = 'paused';
      record.baseline = input.value;
    }
  }

  /*
   * A new call that is not typed: the search still holding exactly what
   * this page typed for an earlier call (the agent did not change it) is
   * emptied, so that the earlier citizen's record is not shown to the new
   * caller. What the agent typed stays.
   */
  clearEarlierSearch(input) {
    const typed = this.typed;
    this.typed = null;
    if (input && typed && typed.input === input && input.value === typed.value) {
      clearInput(input);
    }
  }

  /* The input of the page's search cell that receives the number. */
  searchInput() {
    return findSearchInput(parseInt(this.dataset.searchCellIndex, 10) || 0);
  }

  typeIntoSearch(value, byAgent) {
    const input = this.searchInput();
    if (input) {
      typeInto(input, value, byAgent, this);
      this.typed = {input: input, value: value};
      this.emit('pop', {value: value, callId: this.call ? this.call.id : null});
    }
    return !!input;
  }

  view() {
    const state = this.answer ? this.answer.state : this.extension ? 'unknown' : 'no_extension';
    if (state === 'ok') {
      return this.call ? (this.call.ended ? 'ended' : 'call') : 'idle';
    }
    return state.replace('_', '-');
  }

  render() {
    const view = this.view();
    const inCall = view === 'call' || view === 'ended';
    const closed = view === 'no-extension' || view === 'signed-out';
    this.dataset.state = view;
    this.toggleAttribute('data-paused', this.paused);
    this.renderStatus(view);
    this.show('call', inCall);
    if (inCall) {
      this.renderCall(view);
    } else {
      clearInterval(this.clock);
      this.clock = null;
    }
    this.show('reload', view === 'signed-out');
    this.show('extension-line', !closed && !!this.extension);
    this.setText('extension', this.extension);
    this.show('extension-form', view === 'no-extension' || (this.editing && !closed));
    this.parts['change-extension']?.setAttribute('aria-expanded', String(!!this.editing));
    this.show('pause-line', !closed);
    this.show('paused-badge', !closed && this.paused);
    if (this.parts.pause) {
      this.parts.pause.checked = this.paused;
    }
    this.renderRecent(view);
    this.forms?.offerFor(view === 'call' || view === 'ended' ? this.call : null, this.serverOffset);
  }

  /*
   * The banner's live region: the state's sentence, or the call's with its
   * details, as lines; "link restored" on a line of its own before them.
   */
  renderStatus(view) {
    const lines = [];
    if (this.notice && (view === 'idle' || view === 'call' || view === 'ended')) {
      lines.push([this.text('recovered'), {}]);
    }
    if (view === 'call') {
      lines.push(...this.callLines(this.call.data));
    } else {
      const notified = (view === 'config-error' || view === 'unavailable') && this.answer && this.answer.notified;
      lines.push([this.text(notified ? view + '-notified' : view), {}]);
    }
    // Rewriting the live region only when its lines change announces
    // each call once, not every poll.
    const key = JSON.stringify(lines);
    if (key !== this.statusKey && this.parts.status) {
      this.statusKey = key;
      this.parts.status.replaceChildren(
        ...lines.map(([sentence, slots]) => {
          const line = document.createElement('span');
          line.className = 'phone-call-cell__status-line';
          fillSentence(line, sentence, slots);
          return line;
        }),
      );
    }
  }

  /* A current call's lines: who calls (an unreadable caller is never read out as a number), then how it came. */
  callLines(call) {
    const kind = callKind(call);
    const caller = text(call.caller_display);
    const lines = [[this.text(kind === 'external' ? 'call' : kind), {caller: caller}]];
    const from = transferredFrom(call);
    if (from) {
      lines.push([this.text('transferred'), {extension: from}]);
    }
    const other = onCallWith(call);
    if (other) {
      lines.push([this.text('on-call-with'), {extension: caller, caller: other.display}]);
    }
    return lines;
  }

  renderCall(view) {
    const call = this.call.data;
    const record = this.call.record;
    this.setText('caller', this.callerLabel(call));
    this.show('caller', view === 'ended');
    if (this.parts.caller) {
      this.parts.caller.dataset.kind = callKind(call);
    }
    const unreadable = view === 'call' && callKind(call) === 'unreadable' && !!text(call.caller_display);
    this.show('received', unreadable);
    // Filled once per caller: the agent may be selecting the text to copy it.
    if (unreadable && this.parts.received && this.receivedFor !== call.caller_display) {
      this.receivedFor = call.caller_display;
      fillSentence(this.parts.received, this.text('received'), {caller: this.callerLabel(call)});
    }
    const other = onCallWith(call);
    this.show('search-on-call-with', view === 'call' && !!other && !!other.value && !!this.searchInput());
    const line = record.typed ? 'typed' : record.reason && 'not-typed-' + record.reason;
    this.show('typed', view === 'call' && !!line);
    this.setText('typed', line ? this.text(line) : '');
    this.show('search-now', view === 'call' && !!searchValue(call) && !!this.searchInput());
    this.setText('search-now', this.text(record.typed ? 'search-again' : 'search-now'));
    if (view === 'call' && !this.clock) {
      this.clock = setInterval(() => this.tick(), 1000);
    } else if (view === 'ended') {
      clearInterval(this.clock);
      this.clock = null;
    }
    this.tick();
  }

  tick() {
    const start = Date.parse(text(this.call.data.start));
    const end = this.call.ended ? this.call.end : Date.now() + this.serverOffset;
    if (this.parts.elapsed && !isNaN(start)) {
      this.parts.elapsed.textContent = formatDuration(end - start);
      this.parts.elapsed.dateTime = 'PT' + Math.max(0, Math.floor((end - start) / 1000)) + 'S';
    }
  }

  /* How a call's caller is written: "withheld number", an unreadable caller's text in quotes. */
  callerLabel(call) {
    const kind = callKind(call);
    if (kind === 'withheld') {
      return this.text('withheld-number');
    }
    const caller = text(call.caller_display);
    return kind === 'unreadable' && caller ? this.text('unreadable-caller').replace('{caller}', () => caller) : caller;
  }

  renderRecent(view) {
    const list = this.parts['recent-list'];
    if (!list) {
      return;
    }
    const known = view === 'idle' || view === 'call' || view === 'ended';
    const calls = (this.recent || []).slice(0, this.recentLimit);
    this.show('recent', (known || calls.length > 0) && view !== 'no-extension' && view !== 'signed-out');
    this.show('recent-empty', known && !calls.length);
    const now = new Date(Date.now() + this.serverOffset);
    const items = calls.map((call) => recentItem(call, now, (key) => this.text(key), (c) => this.callerLabel(c)));
    const signature = JSON.stringify(items.map((item) => item.signature));
    // Rebuilding only on change keeps keyboard focus on a recent call's button.
    if (signature !== this.recentSignature) {
      this.recentSignature = signature;
      list.replaceChildren(...items.map((item) => item.element));
    }
  }

  onClick(event) {
    const target = event.target instanceof Element ? event.target : null;
    const button = target && target.closest('button');
    if (!button || !this.contains(button)) {
      return;
    }
    const role = button.dataset.role;
    if (button.hasAttribute('data-recent-value')) {
      this.typeIntoSearch(button.value, true);
    } else if (role === 'search-now' && this.call) {
      if (this.typeIntoSearch(searchValue(this.call.data), true)) {
        this.call.record.typed = true;
        this.call.record.reason = null;
      }
      this.render();
    } else if (role === 'search-on-call-with' && this.call) {
      // Asked for by the agent: a colleague's call may only be a question.
      const other = onCallWith(this.call.data);
      if (other && other.value) {
        this.typeIntoSearch(other.value, true);
      }
    } else if (role === 'change-extension') {
      this.editing = !this.editing;
      this.render();
    } else if (role === 'reload') {
      window.location.reload();
    }
  }

  onChange(event) {
    if (event.target === this.parts.pause) {
      this.setPaused(this.parts.pause.checked);
      try {
        if (this.paused) {
          window.localStorage.setItem(this.dataset.pauseStorageKey, '1');
        } else {
          window.localStorage.removeItem(this.dataset.pauseStorageKey);
        }
      } catch (error) {
        // Storage refused (private mode, quota): the switch still works for this page.
      }
    }
  }

  /* Unpausing during a call types its number, unless the agent typed in the search meanwhile. */
  setPaused(paused) {
    this.paused = paused;
    const record = this.call && !this.call.ended ? this.call.record : null;
    if (!paused && record && record.reason === 'paused') {
      const input = this.searchInput();
      if (input && input.value === record.baseline) {
        record.typed = this.typeIntoSearch(searchValue(this.call.data), false);
        record.reason = null;
      } else {
        record.reason = 'changed';
      }
    }
    this.render();
  }

  readPaused() {
    try {
      return window.localStorage.getItem(this.dataset.pauseStorageKey) === '1';
    } catch (error) {
      return false;
    }
  }

  /* The same portal open in two tabs keeps one pause state. */
  onStorage = (event) => {
    if (event.key === this.dataset.pauseStorageKey) {
      this.setPaused(event.newValue === '1');
    }
  };

  onVisibilityChange = () => {
    this.coordination.visibilityChanged();
    if (this.coordination.leader && !document.hidden) {
      this.poll();
    }
  };

  show(role, visible) {
    if (this.parts[role]) {
      this.parts[role].hidden = !visible;
    }
  }

  setText(role, value) {
    if (this.parts[role]) {
      this.parts[role].textContent = value;
    }
  }

  emit(name, detail) {
    this.dispatchEvent(new CustomEvent('phone-call-cell:' + name, {bubbles: true, detail: detail}));
  }
}

if (!customElements.get('phone-call-cell')) {
  customElements.define('phone-call-cell', PhoneCallCellElement);
}
