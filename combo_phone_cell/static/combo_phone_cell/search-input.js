/*
 * The page's user search, as the cell sees it: the only place that knows
 * the search cell's markup. Combo's search cell is a div.searchcell holding
 * the search input; the cell's template says which of the page's search
 * cells receives the number (its index, 0 for the first).
 */

const EDITABLE = 'input, textarea, select, [contenteditable=""], [contenteditable="true"]';

/* The input of the index-th div.searchcell of the page, or null. */
export function findSearchInput(index) {
  const cell = document.querySelectorAll('div.searchcell')[index];
  if (!cell) {
    return null;
  }
  return (
    cell.querySelector('input[type=search]') ||
    cell.querySelector('input[name=q]') ||
    cell.querySelector('input:not([type]), input[type=text]')
  );
}

/* The events a person's typing fires (input, keyup, change), so that the search cell searches. */
function announceTyping(input) {
  input.dispatchEvent(new Event('input', {bubbles: true}));
  input.dispatchEvent(new KeyboardEvent('keyup', {bubbles: true, cancelable: true}));
  input.dispatchEvent(new Event('change', {bubbles: true}));
}

/*
 * Type value into input the way a person would, so that the search cell
 * searches. An automatic pop never pulls the caret out of another field the
 * agent is typing in (outside `owner`).
 */
export function typeInto(input, value, byAgent, owner) {
  input.value = value;
  const active = document.activeElement;
  const busyElsewhere =
    active && active !== input && active !== document.body && !owner.contains(active) && active.matches(EDITABLE);
  if (byAgent || !busyElsewhere) {
    input.focus({preventScroll: !byAgent});
  }
  announceTyping(input);
}

/* Empty input as a person would, so that the search cell drops its results; the focus stays where it is. */
export function clearInput(input) {
  input.value = '';
  announceTyping(input);
}
