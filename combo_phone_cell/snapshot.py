"""One shared view of a connector's calls for every agent of a Combo, kept in Django's cache.

Without it, every poll of every agent is a request to Passerelle, whose
load then grows with the number of agents watching rather than with the
number of calls. Here the cell asks the connector's ``changes`` endpoint
for every open call and the calls ended since the last answer, at most
once per fraction of the poll interval for the whole Combo (one request at
a time: a lock taken with ``cache.add``, which memcached does atomically
across servers); each poll then reads its agent's calls from the cache.

What is kept, per connector (its URL and credential, see
``connector_key``: two sites never read each other's calls):
- ``meta``: when the last answer was asked for, its *generation* and its
  sequence number;
- one entry per extension with its open calls and a *version*, raised
  each time a call of that extension starts or ends; the entries of the
  extensions on a call are written at every refresh, and a poll trusts
  the open calls of an entry written by the last two refreshes only;
- ``state``: what the refresher needs (cursor, open calls, versions);
- per extension and list length, the agent's recent calls, read with the
  connector's ``calls`` endpoint by the first poll that finds them older
  than the extension's version, or older than 5 minutes. So Passerelle
  answers one request per call event and per agent watching that
  extension, not one per poll. Calls closed by the connector's hourly job
  (which gives them an end in the past) and erased calls are covered by
  the open calls being given whole in every answer, and by those 5 minutes.

When the cache cannot be used, or the connector has no ``changes``
endpoint (older than the cell), the poll asks ``calls`` for its agent, as
it always did.
"""

import time

from . import client, connector, store
from .failures import ConnectorError

# The snapshot a poll reads is at most this fraction of its cell's poll
# interval old: 250 ms at the default second.
FRESHNESS = 0.25
# Recent calls are read again at least this often, for the changes the
# ``changes`` endpoint does not tell (hourly closing, erasure).
RECENT_TIMEOUT = 300
# A connector without the ``changes`` endpoint is asked again after this.
UNSUPPORTED_TIMEOUT = 60
ENTRY_TIMEOUT = 24 * 3600
# Seconds between two looks at the cache while waiting for another poll's refresh.
WAIT_STEP = 0.02
# The fields of a call the widget's answer is made of (``connector.widget_call``);
# its details are not kept.
CALL_FIELDS = (
    'id',
    'callee',
    'kind',
    'caller',
    'caller_display',
    'caller_national',
    'caller_e164',
    'start',
    'end',
    'duration',
    'on_call_with',
    'transferred_from',
)


def connector_key(cell):
    """What names ``cell``'s connector in the cache: a digest of its URL and of the credential it is asked with.

    Two cells share a snapshot only when they ask the same connector with
    the same credential; a cell with a wrong key never reads the calls that
    a right one fetched.
    """
    kind, service = connector.credential(cell.connector_url, cell.api_key)
    if kind == 'signature':
        identity = (service.url, service.orig, service.secret)
    elif kind == 'key':
        identity = (cell.api_key,)
    else:
        identity = ()
    return store.digest(cell.connector_url.strip(), kind, *identity)


class Keys:
    """The cache keys of one connector's snapshot, and of one extension in it."""

    def __init__(self, settings, extension=None):
        base = ('snapshot', settings.connector_key)
        self.meta = store.key(*base, 'meta')
        self.state = store.key(*base, 'state')
        self.lock = store.key(*base, 'lock')
        self.unsupported = store.key(*base, 'unsupported')
        if extension is not None:
            self.extension = self.of_extension(settings, extension)
            self.recent = store.key(*base, 'recent', store.digest(extension), settings.recent_calls)

    @staticmethod
    def of_extension(settings, extension):
        return store.key('snapshot', settings.connector_key, 'extension', store.digest(extension))


def _kept(call):
    return {name: call.get(name) for name in CALL_FIELDS if name in call}


def calls_of(settings, extension):
    """The ``(current, past)`` calls of ``extension`` for the cell of ``settings`` (``agents.CellSettings``).

    As ``connector.fetch_calls`` gives them, with ``past`` cut to the cell's
    ``recent_calls``; from the shared snapshot when it is fresh (refreshed
    here when it is not and no other poll is at it). Raises
    ``ConnectorError`` as ``fetch_calls`` does.
    """
    keys = Keys(settings, extension)
    entries = store.get_many([keys.meta, keys.unsupported, keys.extension, keys.recent])
    if entries is None or entries.get(keys.unsupported):
        return connector.fetch_calls(settings.cell(), extension)
    max_age = FRESHNESS * settings.poll_interval
    meta = entries.get(keys.meta)
    if meta is None or time.time() - meta['at'] > max_age:
        try:
            outcome = refresh(settings, keys)
        except ConnectorError as error:
            if not error.unknown_endpoint:
                raise
            calls = connector.fetch_calls(settings.cell(), extension)
            store.set_many({keys.unsupported: True}, UNSUPPORTED_TIMEOUT)
            return calls
        if outcome == 'busy' and meta is not None and time.time() - meta['at'] <= 2 * max_age:
            # Another poll refreshes it, and a refresh takes a few
            # milliseconds: the last snapshot is hardly older than the others.
            pass
        elif outcome == 'busy' and meta is not None and not _wait_for_refresh(keys, meta['at']):
            # Asking the connector itself would only add to its load while it
            # is slow; that is left to a refresh that failed without a word.
            return connector.fetch_calls(settings.cell(), extension)
        elif outcome not in ('done', 'busy'):
            return connector.fetch_calls(settings.cell(), extension)
        if outcome == 'done' or meta is None or time.time() - meta['at'] > 2 * max_age:
            entries = store.get_many([keys.meta, keys.extension, keys.recent]) or {}
            meta = entries.get(keys.meta)
        if meta is None:
            return connector.fetch_calls(settings.cell(), extension)
    return _calls_in(settings, extension, keys, meta, entries)


def _calls_in(settings, extension, keys, meta, entries):
    """The calls of ``extension`` from the snapshot ``meta`` and its ``entries``; its recent calls read if stale."""
    found = entries.get(keys.extension)
    version = (meta['gen'], 0)
    current = []
    if found is not None and found['gen'] == meta['gen']:
        version = (meta['gen'], found['version'])
        # Every refresh writes the entry of each extension on a call: an
        # older entry is that of an extension whose calls have ended (or
        # whose last write was lost), not a call in progress.
        if found['seq'] >= meta['seq'] - 1:
            current = found['current']
    if not settings.recent_calls:
        return current, []
    recent = entries.get(keys.recent)
    if recent is not None and recent['version'] == version:
        return current, recent['past']
    # A call of this extension started or ended since its recent calls were
    # read: read them again (the current ones too, as fresh).
    current, past = connector.fetch_calls(settings.cell(), extension)
    store.set_many(
        {keys.recent: {'version': version, 'past': [_kept(call) for call in past]}}, RECENT_TIMEOUT
    )
    return current, past


def _wait_for_refresh(keys, last_at):
    """Wait for the refresh another poll is making; True once it wrote a snapshot newer than ``last_at``.

    False when the lock is released without one (the refresh failed) or
    after the lock's lifetime.
    """
    deadline = time.monotonic() + lock_seconds()
    while time.monotonic() < deadline:
        time.sleep(WAIT_STEP)
        found = store.get_many([keys.meta, keys.lock]) or {}
        if found.get(keys.meta) is not None and found[keys.meta]['at'] > last_at:
            return True
        if found.get(keys.lock) is None:
            return False
    return False


def lock_seconds():
    """How long a refresh may hold the lock: the connector's timeout and a second."""
    return client.get_timeout() + 1


def refresh(settings, keys):
    """Refresh the snapshot of the connector of ``settings`` unless another poll is at it.

    Returns ``'done'``, ``'busy'`` (another poll holds the lock) or
    ``'no_cache'``; raises ``ConnectorError`` when the connector failed.
    """
    taken = store.add(keys.lock, store.new_token(), lock_seconds())
    if taken is None:
        return 'no_cache'
    if not taken:
        return 'busy'
    try:
        asked_at = time.time()
        found = store.get_many([keys.state, keys.meta]) or {}
        state, meta = found.get(keys.state), found.get(keys.meta)
        if state is None or meta is None or state['gen'] != meta['gen']:
            state = new_state()
        cursor, current, ended, complete = connector.fetch_changes(settings.cell(), state['cursor'])
        if not complete:
            state = new_state()
        changed = apply_changes(state, cursor, current, ended)
        by_extension = {}
        for call in current:
            by_extension.setdefault(call['callee'], []).append(_kept(call))
        state['seq'] += 1
        # Written again at each refresh, so that a lost write (a busy cache,
        # two refreshes crossing after a lock expired) never hides a call.
        entries = {
            Keys.of_extension(settings, extension): {
                'gen': state['gen'],
                'seq': state['seq'],
                'version': state['versions'].get(extension, 0),
                'current': by_extension.get(extension, []),
            }
            for extension in changed | set(by_extension)
        }
        # The extensions first, then the meta that makes them current.
        store.set_many(entries, ENTRY_TIMEOUT)
        store.set_many({keys.state: state}, ENTRY_TIMEOUT)
        store.set_many({keys.meta: {'at': asked_at, 'gen': state['gen'], 'seq': state['seq']}}, ENTRY_TIMEOUT)
        return 'done'
    finally:
        store.delete(keys.lock)


def new_state():
    """The refresher's state for a new generation: nothing known, so every extension with a call is new."""
    return {'gen': store.new_token(), 'seq': 0, 'cursor': None, 'open': {}, 'versions': {}, 'ended': {}}


def apply_changes(state, cursor, current, ended):
    """Update ``state`` with a ``changes`` answer; return the extensions whose calls changed.

    An extension changed when its open calls are not the ones of the last
    answer, or when one of its calls ended that the last answer did not
    give as ended (answers overlap by a few seconds: see the endpoint).
    """
    open_calls = {}
    for call in current:
        open_calls.setdefault(call['callee'], []).append(call['id'])
    changed = {
        extension
        for extension in set(open_calls) | set(state['open'])
        if open_calls.get(extension) != state['open'].get(extension)
    }
    seen = {}
    for call in ended:
        seen[str(call['id'])] = call.get('end')
        if state['ended'].get(str(call['id'])) != call.get('end'):
            changed.add(call['callee'])
    for extension in changed:
        state['versions'][extension] = state['versions'].get(extension, 0) + 1
    state.update(cursor=cursor, open=open_calls, ended=seen)
    return changed
