"""The citizen's rights of access and erasure: find, export and erase the calls of one number.

A citizen may ask which calls the town hall kept of their phone number, and
ask that they be erased. The calls of a number are those of the same caller
identity (``numbers.Caller.key``), the number being read in each connector's
default region, so ``01 43 25 01 35``, ``0143250135``, ``+33143250135`` and
``sip:0143250135@pbx`` find the same calls, however the IPBX wrote them, and
every call holding the number's digits elsewhere (``traces_of_number``). The
management commands ``phonecalls_export`` and ``phonecalls_erase`` are thin
glue around these functions.
"""

from collections import Counter

from django.utils import timezone
from django.utils.translation import gettext

from .calls import MAX_NUMBER_LENGTH, call_json, isoformat
from .models import Call, PhoneCalls
from .numbers import EXTERNAL, has_hidden_characters, mentions_number, number_digit_forms, read_caller


class NumberRequestError(ValueError):
    """The request cannot be served as given; the message is translated and meant for the administrator."""


def clean_requested_number(number):
    """Return ``number`` stripped, or raise ``NumberRequestError`` when it names no one.

    A withheld number (``anonymous``, ``masqué``...) or an empty one is
    refused: the calls stored under it belong to many different people, and
    exporting or erasing them all would serve no single citizen. So is a
    number the connector would have refused from the IPBX (too long, or with
    control or invisible characters): no call can have been stored under it.
    """
    number = (number or '').strip()
    if not number:
        raise NumberRequestError(gettext('The number must not be empty.'))
    if len(number) > MAX_NUMBER_LENGTH or has_hidden_characters(number):
        raise NumberRequestError(
            gettext('The number must be at most %d characters long, without control or invisible characters.')
            % MAX_NUMBER_LENGTH
        )
    # The region does not matter here: no region reads a withheld word as a number.
    if read_caller(number, None).withheld:
        raise NumberRequestError(
            gettext('"%s" is not a phone number: calls from withheld numbers cannot be attributed to anyone.')
            % number
        )
    return number


def connectors_for(connector_slug=None):
    """The connectors to search: all of them, or the one of slug ``connector_slug``."""
    connectors = PhoneCalls.objects.order_by('slug')
    if connector_slug is None:
        return list(connectors)
    connectors = list(connectors.filter(slug=connector_slug))
    if not connectors:
        raise NumberRequestError(gettext('There is no phone calls connector "%s".') % connector_slug)
    return connectors


# Where a call may hold a number: the caller, the callee, the IPBX's identifiers
# of the call (call id, linked id) and the details (names and values).
PLACES = ('caller', 'callee', 'call_id', 'details')
SCAN_BATCH = 2000


def traces_of_number(number, connector_slug=None):
    """The calls holding ``number`` anywhere: ``[(call, places), ...]``, oldest first.

    ``places`` is the sorted list of ``PLACES`` where the number was found.
    On each connector, the number is read in the connector's default region;
    the calls whose caller has its identity (any writing of it) are found by
    index. For a phone number (not an extension nor an unreadable writing)
    every call of the connector is then read once, in batches, for the
    number's digits (``numbers.mentions_number``) in its caller, callee,
    call identifiers and details: the number as callee, in a detail such as
    ``forwarded_from``, inside a call id (``0143250135-1700000000``) or in a
    writing read as unreadable (``0143250135,,12``, ``0143250135 x12``).

    Raises ``NumberRequestError`` for a withheld or empty number and for an
    unknown connector.
    """
    number = clean_requested_number(number)
    found = {}
    for connector in connectors_for(connector_slug):
        reading = connector.read_caller(number)
        for pk in connector.calls.filter(caller_key=reading.key).values_list('pk', flat=True):
            found.setdefault(pk, set()).add('caller')
        if reading.kind != EXTERNAL:
            continue
        forms = number_digit_forms(reading.e164)
        rows = connector.calls.values_list('pk', 'caller', 'callee', 'call_id', 'linked_id', 'details')
        for pk, caller, callee, call_id, linked_id, details in rows.iterator(chunk_size=SCAN_BATCH):
            places = {
                'caller': mentions_number(caller, forms),
                'callee': mentions_number(callee, forms),
                'call_id': mentions_number(call_id, forms) or mentions_number(linked_id, forms),
                'details': any(
                    mentions_number(str(name), forms) or mentions_number(str(value), forms)
                    for name, value in (details or {}).items()
                ),
            }
            for place, holds in places.items():
                if holds:
                    found.setdefault(pk, set()).add(place)
    pks = sorted(found)
    calls = []
    for index in range(0, len(pks), SCAN_BATCH):
        calls += Call.objects.filter(pk__in=pks[index : index + SCAN_BATCH]).select_related('resource')
    calls.sort(key=lambda call: (call.start, call.pk))
    return [(call, sorted(found[call.pk], key=PLACES.index)) for call in calls]


def calls_of_number(number, connector_slug=None):
    """The calls holding ``number`` anywhere (``traces_of_number``), oldest first."""
    return [call for call, _places in traces_of_number(number, connector_slug)]


def count_by_connector(calls):
    """``{connector: number of calls}`` for ``calls``."""
    return Counter(call.resource for call in calls)


def count_by_place(traces):
    """``{place: number of calls holding the number there}`` for every place of ``PLACES``."""
    counts = dict.fromkeys(PLACES, 0)
    for _call, places in traces:
        for place in places:
            counts[place] += 1
    return counts


def not_searched():
    """What an export or an erasure cannot find or does not touch, for the administrator (translated)."""
    return gettext(
        "Not searched: the web server's access log (the IPBX's URLs hold the caller), backups, and "
        'writings of the number whose digits are split by other characters than spaces, dots, dashes, '
        'slashes and brackets (01,43,25,01,35) or written otherwise than with digits (the letter O '
        'for a zero). An extension or an unreadable writing is only searched as a caller.'
    )


def export_calls_of_number(number, connector_slug=None):
    """What is stored about ``number``: a dict ready to be written as JSON for the citizen.

    ``{"number": ..., "exported_at": ISO 8601, "calls": [<call> + "connector": slug
    + "found_in": [place, ...], ...]}``, oldest call first, each call in the
    shape the endpoints answer with, whole (a call found by a detail also
    shows its caller: read it before sending).
    """
    traces = traces_of_number(number, connector_slug)
    for connector, count in count_by_connector(call for call, _places in traces).items():
        connector.logger.info('export: %d call(s) of a number exported on request', count)
    return {
        'number': clean_requested_number(number),
        'exported_at': isoformat(timezone.now()),
        'calls': [
            {'connector': call.resource.slug, **call_json(call), 'found_in': places}
            for call, places in traces
        ],
    }


def erase_calls_of_number(number, connector_slug=None, dry_run=False):
    """Delete the calls holding ``number`` (open ones included); return ``{place: count}`` and the total.

    ``{"calls": total, "caller": n, "callee": n, "call_id": n, "details": n}``
    (a call may hold the number in several places). Whole calls are deleted,
    open calls too: erasure is not postponed until a hang-up. A later
    ``call-stop`` for one of them answers ``open_call: false``, as for any
    stop without its start. The calls are found, then deleted by batches of
    their ids, each its own statement: a webhook of the same caller arriving
    meanwhile is stored, as it would be just after the erasure. Logged with
    the count only: the number itself is personal data and stays out of the
    logs.
    """
    traces = traces_of_number(number, connector_slug)
    summary = {'calls': len(traces), **count_by_place(traces)}
    if dry_run:
        return summary
    pks = [call.pk for call, _places in traces]
    for index in range(0, len(pks), SCAN_BATCH):
        Call.objects.filter(pk__in=pks[index : index + SCAN_BATCH]).delete()
    for connector, count in count_by_connector(call for call, _places in traces).items():
        connector.logger.info('erase: %d call(s) of a number deleted on request', count)
    return summary
