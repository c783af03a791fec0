/*
 * The poll view's answer (contract B), read once for the element and shared
 * as is with the other tabs. The view says the state: ok, no_extension,
 * unavailable (temporary), config_error (needs an administrator) or
 * signed_out. An answer without a known state (a proxy's HTML error page, a
 * network failure, a body that is not the view's JSON) is "unavailable":
 * the element never guesses the state from an HTTP status.
 *
 * Fields read, in a working answer: data.extension, data.current and
 * data.recent (lists of calls: id, kind, caller_display, search_value,
 * start, end, duration, on_call_with {caller_display, search_value},
 * transferred_from); in an error answer: err_desc and notified.
 */

const STATES = ['ok', 'no_extension', 'unavailable', 'config_error', 'signed_out'];
const KINDS = ['external', 'internal', 'withheld', 'unreadable'];

function isObject(value) {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

function calls(list) {
  return Array.isArray(list) ? list.filter(isObject) : [];
}

function text(value) {
  return value === null || value === undefined ? '' : String(value);
}

/*
 * {state, serverDate, extension, current, recent}, or {state, message,
 * notified} for an error the view stated, from the body and Date header.
 */
export function readAnswer(body, serverDate) {
  let payload = null;
  try {
    payload = JSON.parse(body);
  } catch (error) {
    return {state: 'unavailable'};
  }
  const state = isObject(payload) && STATES.includes(payload.state) ? payload.state : 'unavailable';
  const working = state === 'ok' || state === 'no_extension';
  if (!isObject(payload) || payload.state !== state || (working && !isObject(payload.data))) {
    return {state: 'unavailable'};
  }
  if (!working) {
    return {
      state: state,
      message: typeof payload.err_desc === 'string' ? payload.err_desc : '',
      // Only an explicit true: the agent is told the administrator knows only when it is so.
      notified: payload.notified === true,
    };
  }
  const data = payload.data;
  return {
    state: state,
    serverDate: serverDate,
    extension: text(data.extension),
    current: calls(data.current),
    recent: calls(data.recent),
  };
}

/* The call's kind as the cell shows it: a kind it does not know is shown as unreadable text. */
export function callKind(call) {
  return KINDS.includes(call.kind) ? call.kind : 'unreadable';
}

/*
 * What a call types into the search: an outside caller's search_value, as
 * text; '' for any other call, whatever the answer claims (the view's own
 * rule, repeated here so that a wrong answer never types a number).
 */
export function searchValue(call) {
  return call.kind === 'external' && call.search_value ? String(call.search_value) : '';
}

/*
 * The outside caller an internal call's extension is on a call with (a
 * colleague announcing a transfer): {display, value} or null. The value is
 * typed only when the agent asks for it.
 */
export function onCallWith(call) {
  const other = call.kind === 'internal' && isObject(call.on_call_with) ? call.on_call_with : null;
  const value = other ? text(other.search_value) : '';
  const display = other ? text(other.caller_display) || value : '';
  return display ? {display: display, value: value} : null;
}

/* The extension that handed this call over, or ''. */
export function transferredFrom(call) {
  return typeof call.transferred_from === 'string' || typeof call.transferred_from === 'number'
    ? String(call.transferred_from)
    : '';
}
