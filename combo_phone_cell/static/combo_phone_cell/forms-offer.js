/*
 * "New request for this call": the w.c.s. forms the cell offers during a
 * call, each a link to its back-office submission with the phone channel and
 * the caller (the cell's forms view, fetched once per page, on the first
 * call that offers forms). A failed or empty answer hides the section and
 * nothing else: the rest of the cell does not depend on it.
 */
import {searchValue} from './poll-answer.js';

// Past this many forms, a filter field helps find one.
const FILTER_FROM = 6;

function folded(value) {
  return value.normalize('NFD').replace(/\p{Diacritic}/gu, '').toLowerCase();
}

/* The form's submission link, or null for anything but an absolute web URL. */
export function formLink(url, caller) {
  let link;
  try {
    link = new URL(url);
  } catch (error) {
    return null;
  }
  if (link.protocol !== 'https:' && link.protocol !== 'http:') {
    return null;
  }
  link.searchParams.set('channel', 'phone');
  if (caller) {
    link.searchParams.set('caller', caller);
  }
  link.searchParams.set('ReturnURL', window.location.href);
  link.searchParams.set('cancelurl', window.location.href);
  return link.href;
}

export class FormsOffer {
  constructor(section, url, offerSeconds) {
    this.section = section;
    this.url = url;
    this.offerSeconds = offerSeconds;
    this.forms = null;
    this.loading = false;
    this.offer = null;
    this.built = null;
    this.part = (role) => section.querySelector('[data-role="' + role + '"]');
    this.part('forms-filter').addEventListener('input', () => this.filter());
    this.part('forms-filter').addEventListener('keydown', (event) => {
      const first = this.part('forms-list').querySelector('li:not([hidden]) a');
      if (event.key === 'ArrowDown' && first) {
        event.preventDefault();
        first.focus();
      }
    });
  }

  /*
   * Offer the forms for the element's shown call (null: none) during the
   * call and for offerSeconds after it ended, never for an internal call.
   * An outside caller's number is sent; a withheld or unreadable one is not.
   */
  offerFor(call, serverOffset) {
    clearTimeout(this.timer);
    let offered = !!call && call.data.kind !== 'internal';
    if (offered && call.ended) {
      const left = call.end + this.offerSeconds * 1000 - (Date.now() + serverOffset);
      offered = left > 0;
      this.timer = offered ? setTimeout(() => this.offerFor(call, serverOffset), left) : null;
    }
    this.show(offered ? {caller: searchValue(call.data) || null} : null);
  }

  show(offer) {
    this.offer = offer;
    if (offer && this.forms === null && !this.loading) {
      this.load();
    }
    this.render();
  }

  async load() {
    this.loading = true;
    let forms = [];
    try {
      const response = await fetch(this.url, {credentials: 'same-origin', headers: {Accept: 'application/json'}});
      const payload = await response.json();
      if (response.ok && payload && payload.err === 0 && Array.isArray(payload.data)) {
        forms = payload.data.filter(
          (form) => form && typeof form.title === 'string' && form.title && formLink(form.url, null)
        );
      }
    } catch (error) {
      // Hidden for this page: a cell without forms is still a whole cell.
    }
    this.forms = forms;
    this.render();
  }

  render() {
    const forms = this.forms || [];
    this.section.hidden = !this.offer || !forms.length;
    if (this.section.hidden) {
      return;
    }
    const key = JSON.stringify([this.offer.caller, window.location.href]);
    if (key === this.built) {
      return;
    }
    this.built = key;
    const list = this.part('forms-list');
    list.textContent = '';
    for (const form of forms) {
      const item = document.createElement('li');
      const link = document.createElement('a');
      link.href = formLink(form.url, this.offer.caller);
      link.textContent = form.title;
      item.append(link);
      if (typeof form.category === 'string' && form.category) {
        const category = document.createElement('span');
        category.className = 'phone-call-cell__form-category';
        category.textContent = form.category;
        item.append(' ', category);
      }
      list.append(item);
    }
    this.part('forms-filter-line').hidden = list.children.length < FILTER_FROM;
    this.filter();
  }

  filter() {
    const query = folded(this.part('forms-filter').value.trim());
    let shown = 0;
    for (const item of this.part('forms-list').children) {
      item.hidden = !folded(item.textContent).includes(query);
      shown += item.hidden ? 0 : 1;
    }
    this.part('forms-none').hidden = shown > 0;
  }
}
