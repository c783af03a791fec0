/*
 * One entry of the recent calls list: the caller (or "withheld number", or
 * an unreadable caller's text in quotes), its kind when not an outside caller, when it started and how long it
 * lasted. An outside caller's entry is a button that searches its number
 * again (data-recent-value); the others are plain text.
 */
import {durationElement, fillSentence, formatWhen} from './call-text.js';
import {callKind, searchValue} from './poll-answer.js';

function element(tag, className, content) {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = content;
  return node;
}

/* The <li> of `call`, and a signature that changes when what it shows changes. */
export function recentItem(call, now, text, callerLabel) {
  const kind = callKind(call);
  const value = searchValue(call);
  const start = new Date(Date.parse(String(call.start)));
  const when = isNaN(start) ? '' : formatWhen(start, now);
  const item = element('li', 'phone-call-cell__recent-item phone-call-cell__recent-item--' + kind, '');
  const entry = element(value ? 'button' : 'div', 'phone-call-cell__recent-entry', '');
  entry.append(element('bdi', 'phone-call-cell__recent-caller', callerLabel(call)));
  if (kind === 'internal' || kind === 'unreadable') {
    entry.append(' ', element('span', 'phone-call-cell__tag', text(kind + '-tag')));
  }
  const meta = element('span', 'phone-call-cell__recent-meta', '');
  if (when) {
    const time = element('time', '', when);
    time.dateTime = start.toISOString();
    meta.append(time);
  }
  if (Number.isInteger(call.duration) && call.duration >= 0) {
    meta.append(when ? ' · ' : '', durationElement(call.duration, 'phone-call-cell__recent-duration'));
  }
  entry.append(' ', meta);
  if (value) {
    entry.type = 'button';
    entry.value = value;
    entry.dataset.recentValue = '';
    const label = document.createElement('span');
    fillSentence(label, text('search-number'), {caller: call.caller_display});
    entry.setAttribute('aria-label', label.textContent + ', ' + meta.textContent);
  }
  item.append(entry);
  return {element: item, signature: [String(call.id), item.textContent, value]};
}
