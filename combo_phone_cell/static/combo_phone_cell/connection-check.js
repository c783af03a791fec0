/*
 * "Test the connection" in the phone cell's settings form.
 *
 * Posts the settings form as it stands (saved or not) to the cell's check
 * view and lists the steps it reports. Texts come from the data- attributes
 * of the .phone-call-cell-check element and from the server, and are set with
 * textContent only. Its network call is its fetch(request) method, which a
 * page or a test may replace.
 */

export class ConnectionCheck {
  constructor(section) {
    this.section = section;
    this.button = section.querySelector('.phone-call-cell-check__button');
    this.summary = section.querySelector('.phone-call-cell-check__summary');
    this.list = section.querySelector('.phone-call-cell-check__steps');
    this.busy = false;
    this.button.addEventListener('click', () => this.run());
  }

  text(key) {
    return this.section.dataset[key];
  }

  show(text, state) {
    this.summary.textContent = text;
    this.section.dataset.state = state;
  }

  fetch(request) {
    return window.fetch(request);
  }

  async run() {
    if (this.busy) {
      return;
    }
    this.busy = true;
    this.button.disabled = true;
    this.list.textContent = '';
    this.show(this.text('textRunning'), 'running');
    const request = new Request(this.text('checkUrl'), {
      method: 'POST',
      body: new FormData(this.button.form),
      credentials: 'same-origin',
      headers: {'Accept': 'application/json'},
    });
    try {
      const response = await this.fetch(request);
      if (!response.ok) {
        throw new Error('HTTP ' + response.status);
      }
      this.render(await response.json());
    } catch (error) {
      this.show(this.text('textBroken'), 'broken');
    } finally {
      this.busy = false;
      this.button.disabled = false;
    }
  }

  render(answer) {
    this.list.textContent = '';
    for (const step of answer.steps) {
      const item = document.createElement('li');
      item.className = 'phone-call-cell-check__step phone-call-cell-check__step--' + step.status;
      item.dataset.step = step.step;
      const title = document.createElement('strong');
      title.textContent = step.title;
      const status = document.createElement('span');
      status.className = 'phone-call-cell-check__status';
      const statusKey = 'textStatus' + step.status.charAt(0).toUpperCase() + step.status.slice(1);
      status.textContent = this.text(statusKey) || step.status;
      item.append(title, ' — ', status);
      if (step.text) {
        const text = document.createElement('span');
        text.className = 'phone-call-cell-check__text';
        text.textContent = step.text;
        item.append(' : ', text);
      }
      this.list.appendChild(item);
    }
    // "incomplete": steps were not tried for want of an extension, which is not a failure.
    const state = answer.state || (answer.ok ? 'ok' : 'failed');
    const texts = {ok: 'textOk', failed: 'textFailed', incomplete: 'textIncomplete'};
    this.show(this.text(texts[state] || 'textFailed'), state);
  }
}

// A module runs once the page is parsed: every check section is there.
for (const section of document.querySelectorAll('.phone-call-cell-check')) {
  section.connectionCheck = new ConnectionCheck(section);
}
