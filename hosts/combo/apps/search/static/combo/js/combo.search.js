/*
 * Stand-in for the script of Combo's search cell: an `input`, `keyup` or
 * `change` event on the cell's `input[name=q]` searches after 300 ms of
 * quiet; only the answer to the latest query is shown. Names and profile
 * values are untrusted: they are set as text, never parsed as HTML.
 */
(function () {
  'use strict';

  function add(parent, tagName, className, text) {
    var element = parent.appendChild(document.createElement(tagName));
    element.className = className;
    element.textContent = text || '';
    return element;
  }

  function setUp(root) {
    var input = root.querySelector('input[name=q]');
    var results = root.querySelector('.combo-search-results');
    var timer = null;
    var shown = '';
    var latest = 0;

    function show(users) {
      results.textContent = '';
      if (!users.length) {
        add(results, 'p', 'combo-search-no-result', root.dataset.noResult);
        return;
      }
      var list = add(results, 'ul', 'combo-search-result-list');
      users.forEach(function (user) {
        var item = add(list, 'li', 'combo-search-user');
        add(item, 'strong', 'combo-search-user-name', user.name);
        user.details.forEach(function (detail) {
          add(item, 'span', 'combo-search-user-detail', detail);
        });
      });
    }

    function search() {
      var query = input.value.trim();
      if (query === shown) {
        return;
      }
      shown = query;
      var request = ++latest;
      if (!query) {
        results.textContent = '';
        return;
      }
      fetch(root.dataset.searchUrl + '?q=' + encodeURIComponent(query), { credentials: 'same-origin' })
        .then(function (response) {
          if (!response.ok) {
            throw new Error('HTTP ' + response.status);
          }
          return response.json();
        })
        .then(function (payload) {
          if (request === latest) {
            show(payload.data);
          }
        })
        .catch(function () {
          if (request === latest) {
            shown = null; // the same query may be tried again
            results.textContent = root.dataset.error;
          }
        });
    }

    ['input', 'keyup', 'change'].forEach(function (name) {
      input.addEventListener(name, function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(search, 300);
      });
    });
  }

  // Each search cell includes this script: set every cell up once.
  document.querySelectorAll('.combo-search-cell').forEach(function (root) {
    if (!root.dataset.ready) {
      root.dataset.ready = 'true';
      setUp(root);
    }
  });
})();
