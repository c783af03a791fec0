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
 * One poller per browser: the tabs of one agent showing the same cell elect
 * one leader with the Web Locks API; only the leader polls, and it shares each
 * answer with the other tabs over a BroadcastChannel. Every tab renders the
 * answers as if it had polled (and pops into its own search input, once per
 * call). A tab that becomes visible takes the lead, so the pace is the one of
 * a visible tab; a follower that hears nothing for too long (a frozen leader)
 * takes it too. Without those APIs every tab polls on its own.
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
  var CHANNEL_PREFIX = 'phone-call-cell:';

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
    // Tab coordination; see the header. `leader` stays true without it.
    this.leader = true;
    this.channel = null;
    this.queued = null;
    this.held = null;
    this.stealing = false;
    this.lastMessage = null;
    this.watchdogTimer = null;

    this.onVisibilityChange = this.onVisibilityChange.bind(this);
    this.onStorage = this.onStorage.bind(this);
    this.onPauseChange = this.onPauseChange.bind(this);
    this.onClick = this.onClick.bind(this);
    this.onMessage = this.onMessage.bind(this);
    document.addEventListener('visibilitychange', this.onVisibilityChange);
    window.addEventListener('storage', this.onStorage);
    root.addEventListener('click', this.onClick);
    if (this.parts.pause) {
      this.parts.pause.checked = this.readPaused();
      this.parts.pause.addEventListener('change', this.onPauseChange);
      root.classList.toggle('phone-call-cell--paused', this.parts.pause.checked);
    }
    this.showTargetWarning(!this.findTarget());
    if (!this.coordinate()) {
      this.poll();
    }
  }

  function canCoordinate() {
    return !!(window.BroadcastChannel && navigator.locks && typeof navigator.locks.request === 'function');
  }

  /* Join the other tabs of this cell: returns false when this tab must poll on its own. */
  PhoneCallCell.prototype.coordinate = function () {
    if (!this.pollUrl || !canCoordinate()) {
      return false;
    }
    var name = CHANNEL_PREFIX + this.pollUrl;
    try {
      this.channel = new BroadcastChannel(name);
    } catch (error) {
      this.channel = null;
      return false;
    }
    this.lockName = name + ':poller';
    this.leader = false;
    this.channel.addEventListener('message', this.onMessage);
    this.post({type: 'hello'});
    this.watchLeader(this.interval);
    this.requestLead(false);
    return true;
  };

  /*
   * Ask for the poller lock: queued behind the leader, or (steal) taken from it.
   * A tab has at most one queued request and one steal under way; a request
   * is a ticket, so that a late answer about an old one is recognised.
   */
  PhoneCallCell.prototype.requestLead = function (steal) {
    var self = this;
    if (steal) {
      if (this.stealing) {
        return;
      }
      this.stealing = true;
    }
    if (this.queued) {
      this.queued.controller.abort();
      this.queued = null;
    }
    var ticket = {controller: steal ? null : new AbortController(), release: null};
    if (!steal) {
      this.queued = ticket;
    }
    var request;
    try {
      request = navigator.locks.request(
        this.lockName,
        steal ? {steal: true} : {signal: ticket.controller.signal},
        function () {
          if (steal) {
            self.stealing = false;
          }
          if (self.queued === ticket) {
            self.queued = null;
          }
          if (self.destroyed) {
            return null;
          }
          // Held until destroy() or until another tab steals it.
          return new Promise(function (resolve) {
            ticket.release = resolve;
            self.held = ticket;
            self.lead();
          });
        }
      );
    } catch (error) {
      request = Promise.reject(error);
    }
    Promise.resolve(request).catch(function (error) {
      if (steal) {
        self.stealing = false;
      }
      if (self.destroyed || (ticket.controller && ticket.controller.signal.aborted)) {
        return;
      }
      if (error && error.name === 'AbortError') {
        // Another tab took the lead: follow it, and queue up to succeed it.
        if (self.held === ticket) {
          self.held = null;
          self.follow();
          self.requestLead(false);
        }
      } else {
        // Locks refused (an opaque origin...): poll on our own.
        self.lead();
      }
    });
  };

  PhoneCallCell.prototype.lead = function () {
    if (this.leader || this.destroyed) {
      return;
    }
    this.leader = true;
    clearTimeout(this.watchdogTimer);
    this.watchdogTimer = null;
    this.poll();
  };

  PhoneCallCell.prototype.follow = function () {
    if (!this.leader) {
      return;
    }
    this.leader = false;
    clearTimeout(this.pollTimer);
    this.pollTimer = null;
    if (this.controller) {
      this.controller.abort();
    }
    this.watchLeader(this.interval);
  };

  /* Take the lead if the leader stays silent past its next poll and a request's timeout. */
  PhoneCallCell.prototype.watchLeader = function (nextDelay) {
    var self = this;
    clearTimeout(this.watchdogTimer);
    this.watchdogTimer = setTimeout(function () {
      self.watchdogTimer = null;
      if (!self.leader && !self.destroyed) {
        self.requestLead(true);
      }
    }, Math.min(nextDelay, this.maxDelay) + REQUEST_TIMEOUT + this.interval);
  };

  PhoneCallCell.prototype.post = function (message) {
    if (this.channel) {
      try {
        this.channel.postMessage(message);
      } catch (error) {
        // A closed channel: nobody left to tell.
      }
    }
  };

  /* The leader tells the other tabs what it learnt; they render it as their own poll. */
  PhoneCallCell.prototype.share = function (message) {
    if (!this.channel || !this.leader) {
      return;
    }
    message.hidden = !!document.hidden;
    message.next = this.nextDelay();
    this.lastMessage = message;
    this.post(message);
  };

  PhoneCallCell.prototype.onMessage = function (event) {
    var message = event.data;
    if (!message || typeof message !== 'object' || this.destroyed) {
      return;
    }
    if (this.leader) {
      if (message.type === 'hello' && this.lastMessage) {
        this.post(this.lastMessage);
      } else if (message.type === 'poll-now') {
        this.poll();
      }
      return;
    }
    if (message.type !== 'state' && message.type !== 'failure') {
      return;
    }
    this.watchLeader(typeof message.next === 'number' ? message.next : this.interval);
    if (message.type === 'state' && message.state && message.state.data && typeof message.state.data === 'object') {
      this.succeed({data: message.state.data, serverDate: Number(message.state.serverDate)});
    } else if (message.type === 'failure') {
      this.fail(new PollFailure(text(message.message), Number(message.status) || 0));
    }
    // A leader in a hidden tab polls slowly: a tab the agent looks at takes over.
    if (message.hidden && !document.hidden) {
      this.requestLead(true);
    }
  };

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
    if (this.leader) {
      this.poll();
    } else {
      this.post({type: 'poll-now'});
    }
  };

  PhoneCallCell.prototype.poll = function () {
    if (this.busy || this.destroyed || !this.leader) {
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
    var shared = null;
    request
      .then(function (state) {
        if (!self.destroyed && self.leader) {
          self.succeed(state);
          shared = {type: 'state', state: {data: state.data, serverDate: state.serverDate}};
        }
      })
      .catch(function (error) {
        if (!self.destroyed && self.leader) {
          var failure = error instanceof PollFailure ? error : new PollFailure('', 0);
          self.fail(failure);
          shared = {type: 'failure', message: failure.message, status: failure.status};
        }
      })
      .then(function () {
        clearTimeout(timeout);
        self.controller = null;
        self.busy = false;
        self.schedule();
        if (shared) {
          self.share(shared);
        }
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
    if (this.destroyed || !this.leader) {
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
    if (this.leader) {
      if (!document.hidden) {
        this.poll();
      } else if (this.lastMessage) {
        // Tell a visible tab at once that it should take over.
        this.share(this.lastMessage);
      }
    } else if (!document.hidden) {
      // The agent is looking at this tab: it polls, at once.
      this.requestLead(true);
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
    clearTimeout(this.watchdogTimer);
    this.watchdogTimer = null;
    this.stopClock();
    if (this.queued) {
      this.queued.controller.abort();
      this.queued = null;
    }
    if (this.held) {
      // Another tab of the agent takes over the polling.
      this.held.release();
      this.held = null;
    }
    if (this.channel) {
      this.channel.removeEventListener('message', this.onMessage);
      this.channel.close();
      this.channel = null;
    }
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
