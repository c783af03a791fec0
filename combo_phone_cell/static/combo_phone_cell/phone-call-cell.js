/*
 * Phone call cell: polls the cell's JSON view for the logged-in agent's
 * current call and types the caller's number into the page's user search cell.
 *
 * Dependency-free, no globals. Every element carrying [data-phone-call-cell]
 * gets one instance, reachable as element.phoneCallCell (destroy(), pollNow()).
 * Configuration and user-facing texts come only from the template's data-
 * attributes. Strings from the network only ever reach the page through
 * .value, .textContent and DOM nodes built here, never as HTML.
 *
 * Events dispatched on the cell's root element (they bubble):
 *   phone-call-cell:pop        detail {value, callId}  a number was typed into the search input
 *   phone-call-cell:error      detail {failures, status, message}  a poll failed
 *   phone-call-cell:recovered  detail {failures}  the first poll that worked after failures
 */
(function () {
  'use strict';

  var ROOT_SELECTOR = '[data-phone-call-cell]';
  // While the tab is hidden nobody watches the pop, but the agent still wants
  // it there when coming back: poll slower, and at once on return.
  var HIDDEN_FACTOR = 5;
  var MAX_DELAY = 30000;
  var REQUEST_TIMEOUT = 10000;
  // Calls remembered as already handled on this page load; a page shows a
  // handful of calls an hour, the cap only bounds a portal left open for weeks.
  var HANDLED_MEMORY = 50;
  // A Date header only has second resolution: below this the clocks agree.
  var CLOCK_SKEW_TOLERANCE = 2000;
  var EDITABLE_SELECTOR = 'input, textarea, select, [contenteditable=""], [contenteditable="true"]';

  function PollFailure(message, status) {
    this.message = message || '';
    this.status = status || 0;
  }

  function text(value) {
    return value === null || value === undefined ? '' : String(value);
  }

  function pad(number) {
    return number < 10 ? '0' + number : String(number);
  }

  function formatDuration(milliseconds) {
    var seconds = Math.max(0, Math.floor(milliseconds / 1000));
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var rest = pad(minutes) + ':' + pad(seconds % 60);
    return hours ? hours + ':' + rest : rest;
  }

  /* Fill element with a translated sentence whose {caller} slot gets an isolated text node. */
  function fillSentence(element, sentence, caller) {
    element.textContent = '';
    var parts = sentence.split('{caller}');
    parts.forEach(function (part, index) {
      if (index > 0) {
        var isolate = document.createElement('bdi');
        isolate.textContent = caller;
        element.appendChild(isolate);
      }
      if (part) {
        element.appendChild(document.createTextNode(part));
      }
    });
  }

  function PhoneCallCell(root) {
    var data = root.dataset;
    this.root = root;
    this.pollUrl = data.pollUrl || '';
    this.interval = Math.max(1, parseFloat(data.pollInterval) || 2) * 1000;
    this.maxDelay = Math.max(MAX_DELAY, this.interval);
    this.targetSelector = data.targetInput || '';
    this.recentLimit = Math.max(0, parseInt(data.recentLimit, 10) || 0);
    this.pauseKey = data.pauseStorageKey || '';
    this.extension = data.extension || null;
    this.texts = {
      idle: text(data.textIdle),
      incoming: text(data.textIncoming),
      withheld: text(data.textWithheld),
      ended: text(data.textEnded),
      withheldNumber: text(data.textWithheldNumber),
      searchNumber: text(data.textSearchNumber)
    };
    this.parts = {};
    var roles = root.querySelectorAll('[data-role]');
    for (var i = 0; i < roles.length; i++) {
      this.parts[roles[i].getAttribute('data-role')] = roles[i];
    }

    this.busy = false;
    this.controller = null;
    this.pollTimer = null;
    this.clockTimer = null;
    this.failures = 0;
    this.serverOffset = 0;
    this.handled = {};
    this.handledOrder = [];
    this.shownCall = null;
    this.shownCallEnded = false;
    this.recentSignature = null;
    this.destroyed = false;

    this.onVisibilityChange = this.onVisibilityChange.bind(this);
    this.onStorage = this.onStorage.bind(this);
    this.onPauseChange = this.onPauseChange.bind(this);
    this.onClick = this.onClick.bind(this);
    document.addEventListener('visibilitychange', this.onVisibilityChange);
    window.addEventListener('storage', this.onStorage);
    root.addEventListener('click', this.onClick);
    if (this.parts.pause) {
      this.parts.pause.checked = this.readPaused();
      this.parts.pause.addEventListener('change', this.onPauseChange);
      root.classList.toggle('phone-call-cell--paused', this.parts.pause.checked);
    }
    this.showTargetWarning(!this.findTarget());
    this.poll();
  }

  /* The one network call; tests may replace it. Resolves {data, serverDate}, rejects PollFailure. */
  PhoneCallCell.prototype.fetchState = function (url, signal) {
    return fetch(url, {
      credentials: 'same-origin',
      headers: {Accept: 'application/json'},
      cache: 'no-store',
      signal: signal
    }).then(function (response) {
      var serverDate = Date.parse(response.headers.get('Date') || '');
      return response.text().then(function (body) {
        var payload = null;
        try {
          payload = JSON.parse(body);
        } catch (error) {
          payload = null;
        }
        var ok = payload && typeof payload === 'object';
        var message = ok && typeof payload.err_desc === 'string' ? payload.err_desc : '';
        if (!response.ok || !ok || payload.err || !payload.data || typeof payload.data !== 'object') {
          throw new PollFailure(message, response.status);
        }
        return {data: payload.data, serverDate: serverDate};
      });
    }, function () {
      throw new PollFailure('', 0);
    });
  };

  PhoneCallCell.prototype.pollNow = function () {
    this.poll();
  };

  PhoneCallCell.prototype.poll = function () {
    if (this.busy || this.destroyed) {
      return;
    }
    clearTimeout(this.pollTimer);
    this.pollTimer = null;
    this.busy = true;
    var self = this;
    var controller = new AbortController();
    var timeout = setTimeout(function () {
      controller.abort();
    }, REQUEST_TIMEOUT);
    this.controller = controller;
    var request;
    try {
      request = Promise.resolve(this.fetchState(this.pollUrl, controller.signal));
    } catch (error) {
      request = Promise.reject(error);
    }
    request
      .then(function (state) {
        if (!self.destroyed) {
          self.succeed(state);
        }
      })
      .catch(function (error) {
        if (!self.destroyed) {
          self.fail(error instanceof PollFailure ? error : new PollFailure('', 0));
        }
      })
      .then(function () {
        clearTimeout(timeout);
        self.controller = null;
        self.busy = false;
        self.schedule();
      });
  };

  PhoneCallCell.prototype.nextDelay = function () {
    var delay = this.interval;
    if (this.failures) {
      delay = Math.min(this.interval * Math.pow(2, this.failures), this.maxDelay);
    }
    // No extension: nothing can ring, but keep listening (slowly) so that an
    // extension set in another tab or by an administrator starts working.
    if (document.hidden || !this.extension) {
      delay = Math.max(delay, Math.min(this.interval * HIDDEN_FACTOR, this.maxDelay));
    }
    return delay;
  };

  PhoneCallCell.prototype.schedule = function () {
    if (this.destroyed) {
      return;
    }
    clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(this.poll.bind(this), this.nextDelay());
  };

  PhoneCallCell.prototype.succeed = function (state) {
    var data = state.data;
    if (!isNaN(state.serverDate)) {
      var offset = state.serverDate - Date.now();
      this.serverOffset = Math.abs(offset) < CLOCK_SKEW_TOLERANCE ? 0 : offset;
    }
    this.showExtension(data.extension);
    var current = Array.isArray(data.current) ? data.current : [];
    var recent = Array.isArray(data.recent) ? data.recent : [];
    this.handleCurrent(current, recent);
    this.renderRecent(recent);
    if (this.failures) {
      var failures = this.failures;
      this.failures = 0;
      this.root.classList.remove('phone-call-cell--error');
      this.setHidden('error', true);
      this.setText('error-detail', '');
      this.emit('phone-call-cell:recovered', {failures: failures});
    }
  };

  PhoneCallCell.prototype.fail = function (failure) {
    this.failures += 1;
    this.root.classList.add('phone-call-cell--error');
    this.setText('error-detail', failure.message);
    this.setHidden('error', false);
    this.emit('phone-call-cell:error', {
      failures: this.failures,
      status: failure.status,
      message: failure.message
    });
  };

  PhoneCallCell.prototype.showExtension = function (extension) {
    this.extension = extension === null || extension === undefined || extension === '' ? null : text(extension);
    this.root.classList.toggle('phone-call-cell--no-extension', !this.extension);
    this.setHidden('no-extension', !!this.extension);
    this.setHidden('extension-line', !this.extension);
    this.setText('extension', this.extension || '');
  };

  PhoneCallCell.prototype.remember = function (callId, typedValue) {
    if (!Object.prototype.hasOwnProperty.call(this.handled, callId)) {
      this.handledOrder.push(callId);
      if (this.handledOrder.length > HANDLED_MEMORY) {
        delete this.handled[this.handledOrder.shift()];
      }
    }
    this.handled[callId] = typedValue;
  };

  PhoneCallCell.prototype.handleCurrent = function (current, recent) {
    var self = this;
    var call = current[0];
    if (!call) {
      if (this.shownCall && !this.shownCallEnded) {
        this.showEnded(recent);
      }
      return;
    }
    var callId = text(call.id);
    var isNew = !Object.prototype.hasOwnProperty.call(this.handled, callId);
    // Calls already current when this one is popped (an agent juggling a call
    // on hold) are shown when they come back to the top, never typed later.
    current.forEach(function (other) {
      var otherId = text(other.id);
      if (!Object.prototype.hasOwnProperty.call(self.handled, otherId)) {
        self.remember(otherId, null);
      }
    });
    if (isNew) {
      var value = call.withheld ? '' : text(call.search_value);
      var typed = value && !this.isPaused() && this.typeIntoSearch(value, callId, false);
      this.remember(callId, typed ? value : null);
    }
    this.showCall(call);
  };

  PhoneCallCell.prototype.callerLabel = function (call) {
    return call.withheld ? this.texts.withheldNumber : text(call.caller_display);
  };

  PhoneCallCell.prototype.showCall = function (call) {
    var sameCall = this.shownCall && text(this.shownCall.id) === text(call.id) && !this.shownCallEnded;
    this.shownCall = call;
    this.shownCallEnded = false;
    if (!sameCall) {
      // Rewriting the live region only when the call changes keeps screen
      // readers from announcing every poll.
      if (call.withheld) {
        this.setText('status', this.texts.withheld);
      } else {
        fillSentence(this.parts.status, this.texts.incoming, text(call.caller_display));
      }
      this.setText('caller', this.callerLabel(call));
      this.setHidden('caller', true);
    }
    this.root.classList.add('phone-call-cell--in-call');
    this.root.classList.remove('phone-call-cell--ended');
    this.root.classList.toggle('phone-call-cell--withheld', !!call.withheld);
    this.setHidden('details', false);
    this.setHidden('search-again', !!call.withheld || !call.search_value);
    if (this.parts['search-again']) {
      this.parts['search-again'].value = call.withheld ? '' : text(call.search_value);
    }
    this.startClock();
  };

  PhoneCallCell.prototype.showEnded = function (recent) {
    var call = this.shownCall;
    this.stopClock();
    this.shownCallEnded = true;
    var ended = null;
    recent.forEach(function (item) {
      if (!ended && text(item.id) === text(call.id)) {
        ended = item;
      }
    });
    var start = Date.parse(text(call.start));
    var end = ended ? Date.parse(text(ended.end)) : NaN;
    if (!isNaN(start) && !isNaN(end)) {
      this.showElapsed(end - start);
    } else {
      this.tick();
    }
    this.setText('status', this.texts.ended);
    this.setText('caller', this.callerLabel(call));
    this.setHidden('caller', false);
    this.setHidden('search-again', true);
    this.root.classList.remove('phone-call-cell--in-call');
    this.root.classList.add('phone-call-cell--ended');
  };

  PhoneCallCell.prototype.startClock = function () {
    this.tick();
    if (!this.clockTimer) {
      this.clockTimer = setInterval(this.tick.bind(this), 1000);
    }
  };

  PhoneCallCell.prototype.stopClock = function () {
    clearInterval(this.clockTimer);
    this.clockTimer = null;
  };

  PhoneCallCell.prototype.tick = function () {
    var start = this.shownCall ? Date.parse(text(this.shownCall.start)) : NaN;
    if (!isNaN(start)) {
      this.showElapsed(Date.now() + this.serverOffset - start);
    }
  };

  PhoneCallCell.prototype.showElapsed = function (milliseconds) {
    var element = this.parts.elapsed;
    if (element) {
      element.textContent = formatDuration(milliseconds);
      element.setAttribute('datetime', 'PT' + Math.max(0, Math.floor(milliseconds / 1000)) + 'S');
    }
  };

  PhoneCallCell.prototype.renderRecent = function (recent) {
    var list = this.parts['recent-list'];
    if (!list) {
      return;
    }
    var calls = recent.slice(0, this.recentLimit);
    var signature = JSON.stringify(
      calls.map(function (call) {
        return [call.id, call.caller_display, call.search_value, !!call.withheld, call.start];
      })
    );
    // Rebuilding only on change keeps keyboard focus on a recent call's button.
    if (signature === this.recentSignature) {
      return;
    }
    this.recentSignature = signature;
    list.textContent = '';
    var self = this;
    calls.forEach(function (call) {
      list.appendChild(self.buildRecentItem(call));
    });
    this.setHidden('recent-empty', calls.length > 0);
  };

  PhoneCallCell.prototype.buildRecentItem = function (call) {
    var item = document.createElement('li');
    item.className = 'phone-call-cell__recent-item';
    var value = call.withheld ? '' : text(call.search_value);
    var entry;
    if (value) {
      entry = document.createElement('button');
      entry.type = 'button';
      entry.className = 'phone-call-cell__recent-button';
      entry.setAttribute('data-recent-value', '');
      entry.value = value;
      var label = document.createElement('span');
      fillSentence(label, this.texts.searchNumber, text(call.caller_display));
      entry.setAttribute('aria-label', label.textContent);
    } else {
      entry = document.createElement('span');
      entry.className = 'phone-call-cell__recent-entry';
    }
    if (call.withheld) {
      item.classList.add('phone-call-cell__recent-item--withheld');
    }
    var caller = document.createElement('bdi');
    caller.className = 'phone-call-cell__recent-caller';
    caller.textContent = this.callerLabel(call);
    entry.appendChild(caller);
    var time = this.buildTime(call.start);
    if (time) {
      entry.appendChild(document.createTextNode(' '));
      entry.appendChild(time);
    }
    item.appendChild(entry);
    return item;
  };

  PhoneCallCell.prototype.buildTime = function (start) {
    var date = new Date(Date.parse(text(start)));
    if (isNaN(date.getTime())) {
      return null;
    }
    var time = document.createElement('time');
    time.className = 'phone-call-cell__recent-time';
    time.setAttribute('datetime', date.toISOString());
    var language = document.documentElement.lang || undefined;
    try {
      time.textContent = date.toLocaleTimeString(language, {hour: '2-digit', minute: '2-digit'});
    } catch (error) {
      time.textContent = date.toLocaleTimeString(undefined, {hour: '2-digit', minute: '2-digit'});
    }
    return time;
  };

  PhoneCallCell.prototype.findTarget = function () {
    if (!this.targetSelector) {
      return null;
    }
    var element = null;
    try {
      element = document.querySelector(this.targetSelector);
    } catch (error) {
      return null;
    }
    return element && 'value' in element ? element : null;
  };

  PhoneCallCell.prototype.showTargetWarning = function (show) {
    this.setHidden('no-target', !show);
    this.root.classList.toggle('phone-call-cell--no-target', show);
  };

  /* Type value into the search input the way a person would, so the search cell searches. */
  PhoneCallCell.prototype.typeIntoSearch = function (value, callId, byAgent) {
    var input = this.findTarget();
    this.showTargetWarning(!input);
    if (!input) {
      return false;
    }
    input.value = value;
    // An automatic pop never pulls the caret out of another field the agent is typing in.
    var active = document.activeElement;
    var agentBusyElsewhere =
      active && active !== input && active !== document.body && !this.root.contains(active) &&
      active.matches && active.matches(EDITABLE_SELECTOR);
    if (byAgent || !agentBusyElsewhere) {
      input.focus({preventScroll: !byAgent});
    }
    input.dispatchEvent(new Event('input', {bubbles: true}));
    input.dispatchEvent(new KeyboardEvent('keyup', {bubbles: true, cancelable: true}));
    input.dispatchEvent(new Event('change', {bubbles: true}));
    this.emit('phone-call-cell:pop', {value: value, callId: callId});
    return true;
  };

  PhoneCallCell.prototype.onClick = function (event) {
    var target = event.target instanceof Element ? event.target : null;
    var button = target && target.closest('[data-recent-value], [data-role="search-again"]');
    if (!button || !this.root.contains(button) || !button.value) {
      return;
    }
    var callId = button.getAttribute('data-role') === 'search-again' && this.shownCall ? text(this.shownCall.id) : null;
    this.typeIntoSearch(button.value, callId, true);
  };

  PhoneCallCell.prototype.onVisibilityChange = function () {
    if (!document.hidden) {
      this.poll();
    }
  };

  PhoneCallCell.prototype.readPaused = function () {
    try {
      return !!this.pauseKey && window.localStorage.getItem(this.pauseKey) === '1';
    } catch (error) {
      return false;
    }
  };

  PhoneCallCell.prototype.isPaused = function () {
    return this.parts.pause ? this.parts.pause.checked : false;
  };

  PhoneCallCell.prototype.onPauseChange = function () {
    var paused = this.parts.pause.checked;
    this.root.classList.toggle('phone-call-cell--paused', paused);
    if (!this.pauseKey) {
      return;
    }
    try {
      if (paused) {
        window.localStorage.setItem(this.pauseKey, '1');
      } else {
        window.localStorage.removeItem(this.pauseKey);
      }
    } catch (error) {
      // Storage refused (private mode, quota): the switch still works for this page.
    }
  };

  /* The same portal open in two tabs keeps one pause state. */
  PhoneCallCell.prototype.onStorage = function (event) {
    if (this.parts.pause && this.pauseKey && event.key === this.pauseKey) {
      this.parts.pause.checked = event.newValue === '1';
      this.root.classList.toggle('phone-call-cell--paused', this.parts.pause.checked);
    }
  };

  PhoneCallCell.prototype.setText = function (role, value) {
    if (this.parts[role]) {
      this.parts[role].textContent = value;
    }
  };

  PhoneCallCell.prototype.setHidden = function (role, hidden) {
    if (this.parts[role]) {
      this.parts[role].hidden = hidden;
    }
  };

  PhoneCallCell.prototype.emit = function (name, detail) {
    this.root.dispatchEvent(new CustomEvent(name, {bubbles: true, detail: detail}));
  };

  PhoneCallCell.prototype.destroy = function () {
    this.destroyed = true;
    clearTimeout(this.pollTimer);
    this.pollTimer = null;
    this.stopClock();
    if (this.controller) {
      this.controller.abort();
      this.controller = null;
    }
    document.removeEventListener('visibilitychange', this.onVisibilityChange);
    window.removeEventListener('storage', this.onStorage);
    this.root.removeEventListener('click', this.onClick);
    if (this.parts.pause) {
      this.parts.pause.removeEventListener('change', this.onPauseChange);
    }
    delete this.root.phoneCallCell;
  };

  function start() {
    var roots = document.querySelectorAll(ROOT_SELECTOR);
    for (var i = 0; i < roots.length; i++) {
      // The script tag comes with every cell: a page with two cells loads it twice.
      if (!roots[i].phoneCallCell) {
        roots[i].phoneCallCell = new PhoneCallCell(roots[i]);
      }
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
