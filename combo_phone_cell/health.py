"""A cell's health as its agents' polls see it, kept in the cache for the administrator's health page.

``record`` is called by the poll view for every poll that asked the
connector; it costs nothing on most polls (an agent's successful poll is
written at most every 10 s by each server) and logs a failure once per
change of its cause, not once per poll. An administrator is *told* of a
configuration error at once, and of an outage once it has lasted a minute:
both are logged at the ERROR level and shown on the cell's health page,
and the poll's error answers then say ``notified: true``.

The record is one cache entry per cell, read, changed and written back:
two servers writing at the same instant may lose one of the two writes,
which costs a count or an agent's time, never a failure's notice (the
next failing poll writes it again).
"""

import datetime
import logging
import time

from django.utils import timezone

from . import failures, store
from .connector import describe_failure

logger = logging.getLogger('combo_phone_cell.health')

KEEP = 7 * 24 * 3600
AGENTS_WINDOW = 300
OUTAGE_NOTICE = 60
WRITE_EVERY = 10
MAX_ERRORS = 10

# Per server process: when each agent's poll of each cell was last written,
# and its outcome (only spares writes; the cache holds the truth).
_written = {}


def _key(cell):
    return store.site_key('health', cell.pk)


def _new_record():
    return {'last_ok': None, 'agents': {}, 'errors': {}, 'failing': None, 'outage_since': None, 'told': False}


def record(cell, user, error=None):
    """Note that ``user`` (a user or its id) polled ``cell`` and the connector answered, or failed with ``error``.

    Returns whether the administrator has been told of the failure in
    progress (``notified`` of the poll's error answer); False without
    ``error``.
    """
    user_id = str(getattr(user, 'pk', user))
    outcome = error.cause if error is not None else 'ok'
    memo, now = (_key(cell), user_id), time.monotonic()
    last = _written.get(memo)
    if error is None and last is not None and last[1] == 'ok' and now - last[0] < WRITE_EVERY:
        return False
    _written[memo] = (now, outcome)
    if len(_written) > 100_000:
        _written.clear()
    health = store.get(_key(cell)) or _new_record()
    moment = timezone.now()
    health['agents'][user_id] = moment
    horizon = moment - datetime.timedelta(seconds=AGENTS_WINDOW)
    health['agents'] = {agent: seen for agent, seen in health['agents'].items() if seen >= horizon}
    if error is None:
        _note_success(cell, health, moment)
    else:
        _note_failure(cell, health, error, moment)
    store.set_many({_key(cell): health}, KEEP)
    return error is not None and health['told']


def _note_success(cell, health, moment):
    health['last_ok'] = moment
    if health['failing'] is not None:
        logger.warning('phone call cell %s: the connector answers again', cell.pk)
    health.update(failing=None, outage_since=None, told=False)


def _note_failure(cell, health, error, moment):
    entry = health['errors'].get(error.cause)
    if entry is None:
        entry = health['errors'][error.cause] = {'count': 0, 'first': moment}
    entry.update(
        count=entry['count'] + 1,
        last=moment,
        reason=error.reason,
        upstream_status=error.upstream_status,
        err_desc=error.err_desc,
    )
    if len(health['errors']) > MAX_ERRORS:
        oldest = min(health['errors'], key=lambda cause: health['errors'][cause]['last'])
        del health['errors'][oldest]
    if health['failing'] != error.cause:
        told = error.state == 'config_error'
        logger.log(logging.ERROR if told else logging.WARNING, describe_failure(cell, error))
        health.update(failing=error.cause, outage_since=health['outage_since'] or moment, told=told)
    elif not health['told'] and moment - health['outage_since'] > datetime.timedelta(seconds=OUTAGE_NOTICE):
        logger.error('%s (for more than %d s)', describe_failure(cell, error), OUTAGE_NOTICE)
        health['told'] = True


def report(cell):
    """The health of ``cell`` for its health page (contract §3).

    ``{"last_ok", "agents", "errors": [{"cause", "message", "count",
    "first", "last"}], "outage_since", "notified"}``: when an agent last got
    an answer, how many agents polled in the last 5 minutes, the last
    errors (newest first, their message in the reader's language), since
    when the connector fails, and whether the administrator was told.
    """
    health = store.get(_key(cell)) or _new_record()
    horizon = timezone.now() - datetime.timedelta(seconds=AGENTS_WINDOW)
    errors = [
        {
            'cause': cause,
            'message': failures.message(cause, entry['upstream_status'], entry['err_desc']),
            'count': entry['count'],
            'first': entry['first'],
            'last': entry['last'],
        }
        for cause, entry in health['errors'].items()
    ]
    return {
        'last_ok': health['last_ok'],
        'agents': sum(1 for seen in health['agents'].values() if seen >= horizon),
        'errors': sorted(errors, key=lambda error: error['last'], reverse=True),
        'outage_since': health['outage_since'],
        'notified': health['told'],
    }
