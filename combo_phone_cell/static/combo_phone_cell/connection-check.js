/* "Test the connection" in the phone cell's settings form.
 *
 * Posts the settings form as it stands (saved or not) to the cell's check
 * view and lists the steps it reports. Texts come from the data- attributes
 * of the .phone-call-cell-check element and from the server, and are set with
 * textContent only.
 */
(function () {
  'use strict';

  function setup(section) {
    var button = section.querySelector('.phone-call-cell-check__button');
    var summary = section.querySelector('.phone-call-cell-check__summary');
    var list = section.querySelector('.phone-call-cell-check__steps');
    var busy = false;

    function show(text, state) {
      summary.textContent = text;
      section.dataset.state = state;
    }

    function render(answer) {
      list.textContent = '';
      answer.steps.forEach(function (step) {
        var item = document.createElement('li');
        item.className = 'phone-call-cell-check__step phone-call-cell-check__step--' + step.status;
        item.dataset.step = step.step;
        var title = document.createElement('strong');
        title.textContent = step.title;
        var status = document.createElement('span');
        status.className = 'phone-call-cell-check__status';
        status.textContent = section.dataset['textStatus' + step.status.charAt(0).toUpperCase() + step.status.slice(1)] || step.status;
        var text = document.createElement('span');
        text.className = 'phone-call-cell-check__text';
        text.textContent = step.text;
        item.append(title, ' — ', status);
        if (step.text) {
          item.append(' : ', text);
        }
        list.appendChild(item);
      });
      // "incomplete": steps were not tried for want of an extension, which is not a failure.
      var state = answer.state || (answer.ok ? 'ok' : 'failed');
      var texts = {ok: section.dataset.textOk, failed: section.dataset.textFailed, incomplete: section.dataset.textIncomplete};
      show(texts[state] || section.dataset.textFailed, state);
    }

    button.addEventListener('click', function () {
      if (busy) {
        return;
      }
      busy = true;
      button.disabled = true;
      list.textContent = '';
      show(section.dataset.textRunning, 'running');
      fetch(section.dataset.checkUrl, {
        method: 'POST',
        body: new FormData(button.form),
        credentials: 'same-origin',
        headers: {'Accept': 'application/json'}
      }).then(function (response) {
        return response.ok ? response.json() : Promise.reject(response.status);
      }).then(render).catch(function () {
        show(section.dataset.textBroken, 'broken');
      }).finally(function () {
        busy = false;
        button.disabled = false;
      });
    });
  }

  function start() {
    document.querySelectorAll('.phone-call-cell-check').forEach(setup);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
