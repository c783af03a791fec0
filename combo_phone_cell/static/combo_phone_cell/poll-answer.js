/*
 * The poll view's answer (contract B), read once for the element and shared
 * as is with the other tabs. The view says the state: ok, no_extension,
 * unavailable (temporary), config_error (needs an administrator) or
 * signed_out. An answer without a known state (a proxy's HTML error page, a
 * network failure, a body that is not the view's JSON) is "unavailable":
 * the element never guesses the state from an HTTP status.
 */

const STATES = ['ok', 'no_extension', 'unavailable', 'config_error', 'signed_out'];

function isObject(value) {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

function calls(list) {
  return Array.isArray(list) ? list.filter(isObject) : [];
}

/* {state, serverDate, extension, current, recent} or {state, message}, from the body and Date header. */
export function readAnswer(body, serverDate) {
  let payload = null;
  try {
    payload = JSON.parse(body);
  } catch (error) {
    return {state: 'unavailable'};
  }
  const state = isObject(payload) && STATES.includes(payload.state) ? payload.state : 'unavailable';
  const working = state === 'ok' || state === 'no_extension';
  if (state === 'unavailable' || (working && !isObject(payload.data))) {
    return {state: 'unavailable'};
  }
  if (!working) {
    return {state: state, message: typeof payload.err_desc === 'string' ? payload.err_desc : ''};
  }
  const data = payload.data;
  return {
    state: state,
    serverDate: serverDate,
    extension: data.extension === null || data.extension === undefined ? '' : String(data.extension),
    current: calls(data.current),
    recent: calls(data.recent),
  };
}

/* What a call types into the search: an outside caller's search_value, as text; '' for any other call. */
export function searchValue(call) {
  return call.kind === 'external' && call.search_value ? String(call.search_value) : '';
}
