"""The citizen's rights of access and erasure: find, export and erase the calls of one number.

A citizen may ask which calls the town hall kept of their phone number, and
ask that they be erased. The calls of a number are those of the same caller
identity (``numbers.Caller.key``), the number being read in each connector's
default region, so ``01 43 25 01 35``, ``0143250135``, ``+33143250135`` and
``sip:0143250135@pbx`` find the same calls, however the IPBX wrote them. The
management commands ``phonecalls_export`` and ``phonecalls_erase`` are thin
glue around these functions.
"""

from collections import Counter

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from .calls import MAX_NUMBER_LENGTH, call_json, isoformat
from .models import Call, PhoneCalls
from .numbers import has_hidden_characters, read_caller


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


def calls_of_number(number, connector_slug=None):
    """The calls from ``number`` (any writing of it) on every connector, or on ``connector_slug``.

    Raises ``NumberRequestError`` for a withheld or empty number and for an
    unknown connector.
    """
    number = clean_requested_number(number)
    match = Q(pk__in=[])
    for connector in connectors_for(connector_slug):
        match |= Q(resource=connector) & connector.same_number(number)
    return Call.objects.filter(match).select_related('resource').order_by('start', 'pk')


def count_by_connector(calls):
    """``{connector: number of calls}`` for ``calls``."""
    return Counter(call.resource for call in calls)


def export_calls_of_number(number, connector_slug=None):
    """What is stored about ``number``: a dict ready to be written as JSON for the citizen.

    ``{"number": ..., "exported_at": ISO 8601, "calls": [<call> + "connector": slug, ...]}``,
    oldest call first, each call in the shape the endpoints answer with.
    """
    calls = list(calls_of_number(number, connector_slug))
    for connector, count in count_by_connector(calls).items():
        connector.logger.info('export: %d call(s) of a number exported on request', count)
    return {
        'number': clean_requested_number(number),
        'exported_at': isoformat(timezone.now()),
        'calls': [{'connector': call.resource.slug, **call_json(call)} for call in calls],
    }


def erase_calls_of_number(number, connector_slug=None, dry_run=False):
    """Delete the calls from ``number`` (open ones included); return how many were (or would be) deleted.

    Open calls are deleted too: erasure is not postponed until a hang-up. A
    later ``call-stop`` for one of them answers ``open_call: false``, as for
    any stop without its start. Logged with the count only: the number itself
    is personal data and stays out of the logs.
    """
    with transaction.atomic():
        calls = list(calls_of_number(number, connector_slug))
        counts = count_by_connector(calls)
        if dry_run:
            return sum(counts.values())
        Call.objects.filter(pk__in=[call.pk for call in calls]).delete()
    for connector, count in counts.items():
        connector.logger.info('erase: %d call(s) of a number deleted on request', count)
    return sum(counts.values())
