/*
 * Stand-in for the script of Combo's search cell (combo.apps.search).
 *
 * Every `.combo-search-cell[data-search-url]` on the page gets a live search:
 * typing, pasting or any `input`/`keyup` event on its `input[name=q]` searches
 * after 300 ms of quiet, and the page URL's `?q=` is searched on load.
 * Results are built with createElement/textContent only: names, numbers and
 * request titles are untrusted and never parsed as HTML.
 */
(function () {
  'use strict';

  var DEBOUNCE_MS = 300;

  function clear(element) {
    while (element.firstChild) {
      element.removeChild(element.firstChild);
    }
  }

  function textElement(tagName, className, text) {
    var element = document.createElement(tagName);
    if (className) {
      element.className = className;
    }
    element.textContent = text;
    return element;
  }

  // Only web links: a request URL such as `javascript:...` is shown as text.
  function safeHref(url) {
    if (!url) {
      return null;
    }
    try {
      var parsed = new URL(url, window.location.href);
      return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
    } catch (error) {
      return null;
    }
  }

  function SearchCell(root) {
    this.root = root;
    this.url = root.getAttribute('data-search-url');
    this.form = root.querySelector('form');
    this.input = root.querySelector('input[name="q"]');
    this.results = root.querySelector('.combo-search-results');
    this.timer = null;
    this.controller = null;
    this.lastQuery = '';
  }

  SearchCell.prototype.start = function () {
    var self = this;
    var schedule = function () {
      self.schedule();
    };
    ['input', 'keyup', 'paste'].forEach(function (eventName) {
      self.input.addEventListener(eventName, schedule);
    });
    if (this.form) {
      this.form.addEventListener('submit', function (event) {
        event.preventDefault();
        self.search(self.input.value);
      });
    }
    var initial = new URLSearchParams(window.location.search).get('q');
    if (initial) {
      this.input.value = initial;
      this.search(initial);
    }
  };

  // `paste` fires before the pasted text is in the input: reading the value
  // only when the timer fires catches it.
  SearchCell.prototype.schedule = function () {
    var self = this;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(function () {
      self.timer = null;
      self.search(self.input.value);
    }, DEBOUNCE_MS);
  };

  SearchCell.prototype.search = function (rawQuery) {
    var query = (rawQuery || '').trim();
    if (query === this.lastQuery) {
      return;
    }
    this.lastQuery = query;
    if (this.controller) {
      this.controller.abort();
      this.controller = null;
    }
    this.root.classList.remove('combo-search-error');
    if (!query) {
      this.results.removeAttribute('aria-busy');
      clear(this.results);
      return;
    }
    var self = this;
    var controller = new AbortController();
    this.controller = controller;
    this.results.setAttribute('aria-busy', 'true');
    this.fetchResults(query, controller.signal)
      .then(function (payload) {
        if (controller === self.controller) {
          self.render(payload.data || []);
        }
      })
      .catch(function (error) {
        if (controller !== self.controller || error.name === 'AbortError') {
          return;
        }
        // Let the same query be tried again after a failure.
        self.lastQuery = null;
        self.showError();
      })
      .then(function () {
        if (controller === self.controller) {
          self.controller = null;
          self.results.removeAttribute('aria-busy');
        }
      });
  };

  // The only network call, kept apart so that it is easy to replace.
  SearchCell.prototype.fetchResults = function (query, signal) {
    var url = this.url + (this.url.indexOf('?') === -1 ? '?' : '&') + 'q=' + encodeURIComponent(query);
    return window
      .fetch(url, {
        credentials: 'same-origin',
        headers: { Accept: 'application/json' },
        signal: signal,
      })
      .then(function (response) {
        if (!response.ok) {
          throw new Error('search answered HTTP ' + response.status);
        }
        return response.json();
      });
  };

  SearchCell.prototype.text = function (name) {
    return this.root.getAttribute('data-' + name) || '';
  };

  SearchCell.prototype.showError = function () {
    clear(this.results);
    this.root.classList.add('combo-search-error');
    this.results.appendChild(textElement('p', 'combo-search-error-message', this.text('error-text')));
  };

  SearchCell.prototype.render = function (users) {
    var self = this;
    clear(this.results);
    if (!users.length) {
      this.results.appendChild(textElement('p', 'combo-search-no-result', this.text('no-result-text')));
      return;
    }
    var list = document.createElement('ul');
    list.className = 'combo-search-result-list';
    users.forEach(function (user) {
      list.appendChild(self.renderUser(user));
    });
    this.results.appendChild(list);
  };

  SearchCell.prototype.renderUser = function (user) {
    var item = document.createElement('li');
    item.className = 'combo-search-user';
    item.appendChild(textElement('strong', 'combo-search-user-name', user.name || ''));
    if (user.phone) {
      item.appendChild(textElement('span', 'combo-search-user-phone', this.text('phone-label') + ' ' + user.phone));
    }
    if (user.email) {
      item.appendChild(textElement('span', 'combo-search-user-email', this.text('email-label') + ' ' + user.email));
    }
    var requests = user.requests || [];
    if (!requests.length) {
      item.appendChild(textElement('p', 'combo-search-no-request', this.text('no-request-text')));
      return item;
    }
    var list = document.createElement('ul');
    list.className = 'combo-search-requests';
    requests.forEach(function (request) {
      var entry = document.createElement('li');
      entry.className = 'combo-search-request';
      var href = safeHref(request.url);
      var title = textElement(href ? 'a' : 'span', 'combo-search-request-title', request.title || '');
      if (href) {
        title.href = href;
      }
      entry.appendChild(title);
      entry.appendChild(textElement('span', 'combo-search-request-status', request.status || ''));
      list.appendChild(entry);
    });
    item.appendChild(list);
    return item;
  };

  function init() {
    var roots = document.querySelectorAll('.combo-search-cell[data-search-url]');
    Array.prototype.forEach.call(roots, function (root) {
      // Each search cell includes this script: set every cell up only once.
      if (root.comboSearchCell || !root.querySelector('input[name="q"]')) {
        return;
      }
      root.comboSearchCell = new SearchCell(root);
      root.comboSearchCell.start();
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
