"""The IPBX connector: receives call-start/call-stop webhooks and serves an extension's calls."""

import datetime
import logging
import typing

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import statistics
from .calls import (
    call_json,
    clean_call_id_parameters,
    clean_flag_parameter,
    clean_limit_parameter,
    clean_linked_id_parameter,
    clean_number_parameter,
    extract_details,
    fill_redirect_url,
    merge_details,
    redirect_values,
    validate_redirect_url_template,
)
from .host import APIError, BaseResource, endpoint
from .numbers import EXTERNAL, INTERNAL, KIND_CHOICES, Caller, read_caller, validate_region

CALLER_PARAMETER = {
    'description': _(
        'Number of the person calling, as the IPBX writes it: 0143250135, +33143250135, '
        '01 43 25 01 35, tel:, sip: or sips: URI, "Name" <sip:…>, anonymous…'
    ),
    'example_value': '0143250135',
}
CALLEE_PARAMETER = {
    'description': _("Number called, usually the agent's internal extension (e.g. 42)."),
    'example_value': '42',
}
CALL_ID_DOCUMENTATION = {
    'call_id': {
        'description': _(
            "Optional. The IPBX's identifier of the call, sent with both the start and the stop: "
            'they are then paired by it, in whatever order they arrive. Up to 128 characters.'
        ),
        'example_value': '1700000000.42',
    },
    'callid': {
        'description': _(
            'Optional. The call identifier under this name (e.g. SIP Call-ID), when call_id is not given.'
        ),
        'example_value': 'a84b4c76e66710@pc33.mairie.local',
    },
    'uniqueid': {
        'description': _(
            'Optional. The call identifier under this name (Asterisk), when neither call_id nor callid is given.'
        ),
        'example_value': '1700000000.42',
    },
    'linkedid': {
        'description': _(
            "Optional. The identifier of the whole conversation (Asterisk's LINKEDID): the call "
            "identifier when no other is given; also kept as the call's linked identifier, which "
            'recognises the transferred leg of a call (see call-start).'
        ),
        'example_value': '1700000000.41',
    },
}
STATISTIC_PARAMETERS = {
    'time_interval': {
        'description': _('Optional. day, month, year, weekday, hour or none (default: month).'),
        'example_value': 'day',
    },
    'start': {
        'description': _("Optional. First day counted (YYYY-MM-DD, in the site's time zone)."),
        'example_value': '2024-03-01',
    },
    'end': {
        'description': _('Optional. Day after the last day counted (YYYY-MM-DD).'),
        'example_value': '2024-04-01',
    },
    'callee': {
        'description': _('Optional. Only the calls of this extension; may be repeated.'),
        'example_value': '42',
    },
    'kind': {
        'description': _(
            'Optional. Only the callers of this kind: external, internal, withheld or unreadable.'
        ),
        'example_value': 'external',
    },
}
# Rounds of the call lifecycle's loops. A round ends without an answer only
# when the database refused a write because a concurrent request has just
# stored or changed that call, and the next round reads it: two rounds settle
# any race of starts and stops. An erasure (or the purge) may then delete the
# call the round was about to read, and the round starts afresh; it takes a
# concurrent write and a deletion of the same caller's calls inside every
# round to exhaust the rounds, and even then the event is answered (see
# ``open_call`` and ``call_stop``), never with a server error.
ROUNDS = 8
# A call-start from an extension carrying the identifier of an external call
# that this extension had (open, or ended this recently) is that call handed
# over: the stop of the first leg may arrive before or after the start of the
# next one, a minute covers a transfer's ringing time.
TRANSFER_WINDOW = datetime.timedelta(seconds=60)


class PhoneCalls(BaseResource):
    """A phone system (IPBX) connected to Publik.

    The IPBX tells the connector when an agent picks up and hangs up; the
    connector keeps the calls so that the agent portal can show the agent
    who is on the line.
    """

    max_call_duration = models.PositiveIntegerField(
        _('Maximum call duration (in minutes)'),
        default=120,
        validators=[MinValueValidator(1)],
        help_text=_(
            'A call still open after this time is considered finished (its hang-up was missed); '
            'it is closed at its start time plus this duration.'
        ),
    )
    data_retention_period = models.PositiveIntegerField(
        _('Data retention period (in days)'),
        default=60,
        validators=[MinValueValidator(1)],
        help_text=_('Finished calls are deleted this many days after their end. Open calls are kept.'),
    )
    default_region = models.CharField(
        _('Default region for phone numbers'),
        max_length=2,
        default='FR',
        validators=[validate_region],
        help_text=_(
            'Two-letter country code (e.g. FR, BE) used to read numbers written without '
            'an international prefix, such as 0143250135.'
        ),
    )
    redirect_url = models.URLField(
        _('Redirect URL'),
        max_length=500,
        blank=True,
        validators=[validate_redirect_url_template],
        help_text=_(
            'Optional. Where call-start requests with redirect=1 are sent, for softphones that open '
            'a browser on pick-up, e.g. https://agents.example.net/?q={caller_national}. '
            'Placeholders: {caller}, {callee}, {caller_e164}, {caller_national}; their values '
            'are URL-encoded.'
        ),
    )
    record_internal_calls = models.BooleanField(
        _('Record internal calls'),
        default=True,
        help_text=_(
            'When unchecked, calls whose caller is a short internal extension (up to 6 digits) '
            'are acknowledged but not recorded.'
        ),
    )

    category = _('Telephony')
    api_description = _(
        'Receives the call-start and call-stop notifications of a phone system (IPBX) and '
        'lists the current and recent calls of an extension, for the agent portal.'
    )

    class Meta:
        verbose_name = _('Phone calls (IPBX)')
        verbose_name_plural = _('Phone calls (IPBX)')

    def __str__(self):
        return self.title

    @classmethod
    def get_connector_slug(cls):
        """URL prefix of the connector: ``phonecalls``, as the Publik documentation gives it.

        A site that also runs an upstream Passerelle app mounted at
        ``/phonecalls/`` sets ``PASSERELLE_PHONECALLS_CONNECTOR_SLUG`` to
        another prefix to keep both.
        """
        return getattr(settings, 'PASSERELLE_PHONECALLS_CONNECTOR_SLUG', 'phonecalls')

    # Call lifecycle (plain methods, called by the endpoints and the tests).
    #
    # Every write is one statement, or an INSERT or UPDATE in its own
    # savepoint; reads are never followed by a write in the same transaction.
    # The database holds the invariants (one open call per caller identity and
    # callee among the calls without identifier, one call per identifier and
    # callee), conditional updates settle which of two concurrent events
    # changes a call, and each loser reads what the winner did. Nothing waits
    # on a lock, and SQLite, which refuses to turn a reading transaction into
    # a writing one under contention, is served as well as PostgreSQL.

    def read_caller(self, caller):
        """The ``numbers.Caller`` reading of ``caller`` in this connector's default region."""
        return read_caller(caller, self.default_region)

    def open_calls(self):
        """Calls of this connector that have not ended."""
        return self.calls.filter(end__isnull=True)

    def stale_cutoff(self):
        """The moment before which an open call is a missed hang-up: now minus the maximum call duration."""
        return timezone.now() - datetime.timedelta(minutes=self.max_call_duration)

    def is_stale(self, call):
        """Tell whether ``call`` has been open for longer than the maximum call duration."""
        return call.end is None and call.start < self.stale_cutoff()

    def should_record(self, reading):
        """Tell whether a call from the caller read as ``reading`` is recorded (internal calls may be ignored)."""
        return self.record_internal_calls or reading.kind != INTERNAL

    def open_call_of(self, callee, caller_key, without_id=False):
        """The newest open call from the caller of identity ``caller_key`` to ``callee``, or ``None``."""
        calls = self.open_calls().filter(callee=callee, caller_key=caller_key)
        if without_id:
            calls = calls.filter(call_id='')
        return calls.order_by('-start', '-pk').first()

    def call_of_id(self, callee, call_id):
        """The call of identifier ``call_id`` to ``callee``, open or not, or ``None``."""
        return self.calls.filter(callee=callee, call_id=call_id).first()

    def call_fields(self, caller, callee, reading, **fields):
        """The fields of a call from ``caller`` (read as ``reading``) to ``callee``, with ``fields``."""
        return {
            'caller': caller,
            'callee': callee,
            'kind': reading.kind,
            'caller_key': reading.key,
            'caller_e164': reading.e164 or '',
            'caller_national': reading.national or '',
            'caller_display': reading.display or '',
            **fields,
        }

    def new_call(self, caller, callee, reading, **fields):
        """Insert a call in a savepoint; return it, or ``None`` when a database invariant refused it.

        The savepoint keeps the surrounding transaction usable, so that the
        caller can read the row that won.
        """
        try:
            with transaction.atomic():
                return self.calls.create(**self.call_fields(caller, callee, reading, **fields))
        except IntegrityError:
            return None

    def claim_call(self, call, call_id, **changes):
        """Give the open call ``call``, which has no identifier, the identifier ``call_id``, and ``changes``.

        Conditional, like every change of an open call: ``False`` when a
        concurrent event closed or claimed it first, or already holds a call
        of that identifier.
        """
        try:
            with transaction.atomic():
                claimed = Call.objects.filter(pk=call.pk, end__isnull=True, call_id='').update(
                    call_id=call_id, **changes
                )
        except IntegrityError:
            return False
        if claimed:
            call.call_id = call_id
            for name, value in changes.items():
                setattr(call, name, value)
        return bool(claimed)

    def call_start(self, caller, callee, details=None, call_id='', linked_id=''):
        """Open a call from ``caller`` to ``callee``; return ``(call, created)``.

        Without ``call_id``, the call is known by its caller's identity and
        its callee: the open call of that pair is returned when there is one,
        so that an IPBX retry is harmless. An open call older than the
        maximum call duration is a missed hang-up: it is closed and a new call
        opened.

        With ``call_id``, the call of that identifier is returned when there
        is one, even finished: a start that arrives after its stop is stored
        as already finished (its parameters are added to the call's details,
        the stop's own values kept). An open call of the pair that has no
        identifier is given this one rather than doubled.

        A start from an extension whose ``call_id`` or ``linked_id`` is the
        linked identifier of an external call that this extension has, or
        ended less than ``TRANSFER_WINDOW`` ago, is that call transferred
        (``read_start``).
        """
        origin = self.read_start(caller, callee, call_id, linked_id)
        return self.open_call(origin, callee, details or {}, call_id, linked_id)

    def read_start(self, caller, callee, call_id='', linked_id=''):
        """Who a call-start is from: a ``StartOrigin`` (the caller, its reading, who transferred it).

        PBXs that bridge both legs of a call (B2BUAs) present the agent who
        transfers a citizen as the caller of the transferred leg, and give it
        the conversation's linked identifier. Such a start, from an
        extension, whose call identifier or linked identifier is the linked
        identifier (``Call.linked_id``) of an external call to that
        extension, open or ended less than ``TRANSFER_WINDOW`` ago, is read
        as the citizen's call: that call's caller and reading, and the
        extension as ``transferred_from``. Any other start is from its caller.
        """
        reading = self.read_caller(caller)
        if reading.kind != INTERNAL or reading.key == callee:
            return StartOrigin(caller, reading, '')
        earlier = self.transferred_call(reading.key, {call_id, linked_id} - {''})
        if earlier is None:
            return StartOrigin(caller, reading, '')
        return StartOrigin(earlier.caller, stored_reading(earlier), reading.key)

    def transferred_call(self, extension, identifiers):
        """The newest external call to ``extension`` linked by one of ``identifiers``, open or just ended."""
        if not identifiers:
            return None
        return (
            self.calls.filter(linked_id__in=sorted(identifiers), callee=extension, kind=EXTERNAL)
            .filter(
                Q(end__isnull=True, start__gte=self.stale_cutoff())
                | Q(end__gte=timezone.now() - TRANSFER_WINDOW)
            )
            .order_by('-start', '-pk')
            .first()
        )

    def open_call(self, origin, callee, details, call_id='', linked_id=''):
        """Open the call of ``origin`` (a ``StartOrigin``) to ``callee``: ``call_start`` once its caller is read."""
        caller, reading = origin.caller, origin.reading
        fields = {
            'call_id': call_id,
            'linked_id': linked_id or call_id or None,
            'transferred_from': origin.transferred_from or None,
            'details': details,
        }
        for _round in range(ROUNDS):
            if call_id:
                call = self.call_of_id(callee, call_id)
                if call is not None:
                    return self.start_of_known_call(call, details), False
            call = self.open_call_of(callee, reading.key)
            if call is not None and self.is_stale(call):
                self.close_calls(Call.objects.filter(pk=call.pk))
                call = None
            if call is not None and not call_id:
                return call, False
            if call is not None and not call.call_id and self.claim_call(call, call_id):
                return call, False
            # No call of this identifier yet (the pair's open call, if any, has
            # another identifier: both are real calls, each closed by its stop).
            call = self.new_call(caller, callee, reading, **fields)
            if call is not None:
                self.logger.info('call %s started on extension %s', call.pk, callee)
                return call, True
            if not call_id:
                # Refused by the one-open-call constraint: another start of the
                # pair opened a call while this one was deciding. This start is
                # a copy of it (two starts at the same instant are one call), so
                # it answers that call, even if a stop has closed it since.
                call = self.newest_call_of(callee, reading.key)
                if call is not None:
                    return call, False
            # The call that refused this one is gone: an erasure of the
            # caller's calls (or the purge) deleted it after the refusal. Start
            # afresh: the calls of the pair are read again.
        # Every round lost its call to an erasure running at the same time:
        # this start is ordered before the erasure, which has deleted what it
        # would have stored. It is answered as such a call, without an id.
        self.logger.info('call start on extension %s not stored: its caller is being erased', callee)
        return Call(resource=self, **self.call_fields(caller, callee, reading, **fields)), False

    def newest_call_of(self, callee, caller_key):
        """The pair's open call if it has one, else its latest call; ``None`` when it has none."""
        return (
            self.calls.filter(callee=callee, caller_key=caller_key)
            .order_by(F('end').desc(nulls_first=True), '-pk')
            .first()
        )

    def start_of_known_call(self, call, details):
        """A start for ``call``, found by its identifier: the call, with the start's details if it had ended."""
        if call.end is None or not details:
            return call
        merged = merge_details(details, call.details)
        if merged != call.details:
            Call.objects.filter(pk=call.pk).update(details=merged)
            call.details = merged
        return call

    def call_stop(self, caller, callee, details=None, call_id='', linked_id=''):
        """Close the call from ``caller`` to ``callee``; return it, or ``None`` if nothing changed.

        Parameters sent with the stop are added to the call details.
        Without ``call_id``, the newest open call of the pair is closed (for
        an extension as caller, else its newest open call transferred by that
        extension); ``None`` when there is none. With ``call_id``, the call of
        that identifier is closed (``None`` if it has already ended); when
        there is none, the pair's open call without identifier is closed and
        given this identifier, and when there is none either, the stop is
        remembered as a finished call, which its late start will find.
        """
        reading = self.read_caller(caller)
        details = details or {}
        now = timezone.now()
        if not call_id:
            call = self.open_call_of(callee, reading.key)
            if call is None and reading.kind == INTERNAL:
                call = (
                    self.open_calls()
                    .filter(callee=callee, transferred_from=reading.key)
                    .order_by('-start', '-pk')
                    .first()
                )
            return self.close_call(call, details, now) if call is not None else None
        for _round in range(ROUNDS):
            call = self.call_of_id(callee, call_id)
            if call is not None:
                return self.close_call(call, details, now)
            call = self.open_call_of(callee, reading.key, without_id=True)
            if call is not None and self.claim_call(
                call, call_id, end=now, details=merge_details(call.details, details)
            ):
                self.logger.info('call %s stopped on extension %s', call.pk, callee)
                return call
            if not self.should_record(reading):
                return None
            call = self.new_call(
                caller,
                callee,
                reading,
                call_id=call_id,
                linked_id=linked_id or call_id,
                start=now,
                end=now,
                details=details,
            )
            if call is not None:
                self.logger.info('call %s stopped on extension %s before its start', call.pk, callee)
                return call
            # Refused: a concurrent event has just stored the call of this
            # identifier, and the next round reads it, unless an erasure (or
            # the purge) has deleted it since.
        # Every round lost the call to an erasure running at the same time: the
        # stop comes after it, with nothing left to close.
        self.logger.info('call stop on extension %s found nothing: its caller is being erased', callee)
        return None

    def close_call(self, call, details, now):
        """Close the open ``call`` at ``now`` with ``details`` added; return it, or ``None`` if it had ended."""
        if call.end is not None:
            return None
        end, merged = now, merge_details(call.details, details)
        # Conditional update: of two concurrent stops only one closes the call,
        # the other finds nothing open, as if it had come later.
        closed = Call.objects.filter(pk=call.pk, end__isnull=True).update(end=end, details=merged)
        if not closed:
            return None
        call.end, call.details = end, merged
        self.logger.info('call %s stopped on extension %s', call.pk, call.callee)
        return call

    def calls_of(self, callee, caller=None, limit=10):
        """Return ``(current, past)`` calls of extension ``callee``, newest first, ``limit`` each.

        With ``caller``, only the calls from that caller, whatever the writing
        (``same_number``). An open call older than the maximum call duration is
        a missed hang-up waiting for the hourly job: it is in neither list, so
        that the agent portal never presents it as the call in progress.
        """
        calls = self.calls.filter(callee=callee)
        if caller is not None:
            calls = calls.filter(self.same_number(caller))
        current = list(
            calls.filter(end__isnull=True, start__gte=self.stale_cutoff()).order_by('-start', '-pk')[:limit]
        )
        past = list(calls.filter(end__isnull=False).order_by('-start', '-pk')[:limit])
        return current, past

    def partners_of(self, calls):
        """``{call pk: external call}``: for each open internal call of ``calls``, who its caller is on a call with.

        The caller of an internal call is an extension; the newest open
        external call to that extension (not past the maximum call duration)
        is the citizen that agent is speaking to, e.g. while announcing a
        transfer. One query for all of ``calls``, served by the index of an
        extension's recent calls; none when no call is open and internal.
        """
        extensions = {call.caller_key for call in calls if call.end is None and call.kind == INTERNAL}
        if not extensions:
            return {}
        partners = {}
        for partner in (
            self.open_calls()
            .filter(callee__in=sorted(extensions), kind=EXTERNAL, start__gte=self.stale_cutoff())
            .order_by('-start', '-pk')
        ):
            partners.setdefault(partner.callee, partner)
        return {
            call.pk: partners[call.caller_key]
            for call in calls
            if call.end is None and call.kind == INTERNAL and call.caller_key in partners
        }

    def same_number(self, caller):
        """A filter on the calls from ``caller``: those of the same identity key.

        ``+33143250135``, ``01 43 25 01 35``, ``sip:0143250135@pbx`` and
        ``"Camille" <tel:0143250135>`` all find the calls of one caller, read
        in this connector's default region.
        """
        return Q(caller_key=self.read_caller(caller).key)

    def close_calls(self, queryset):
        """Close the open calls of ``queryset`` at their start plus the maximum duration.

        Their end is not "now": hourly jobs and late retries would otherwise
        turn every missed hang-up into a call of several hours in duration
        statistics.
        """
        return queryset.filter(end__isnull=True).update(
            end=F('start') + datetime.timedelta(minutes=self.max_call_duration)
        )

    def close_stale_calls(self):
        """Close the calls open for longer than the maximum call duration; return how many."""
        return self.close_calls(self.open_calls().filter(start__lt=self.stale_cutoff()))

    def purge_old_calls(self):
        """Delete the calls that ended more than the retention period ago; return how many."""
        cutoff = timezone.now() - datetime.timedelta(days=self.data_retention_period)
        deleted, _details = self.calls.filter(end__isnull=False, end__lt=cutoff).delete()
        return deleted

    def hourly(self):
        """Close the missed hang-ups (Passerelle's hourly cron)."""
        super().hourly()
        closed = self.close_stale_calls()
        self.logger.log(
            logging.INFO if closed else logging.DEBUG,
            'hourly: %d call(s) open for more than %d minutes closed',
            closed,
            self.max_call_duration,
        )

    def daily(self):
        """Delete the calls past the retention period (Passerelle's daily cron)."""
        super().daily()
        deleted = self.purge_old_calls()
        self.logger.log(
            logging.INFO if deleted else logging.DEBUG,
            'daily: %d call(s) ended more than %d days ago deleted',
            deleted,
            self.data_retention_period,
        )

    # Endpoints: parameter checks and HTTP answers around the methods above.

    def clean_pair(self, caller, callee):
        """The validated ``caller`` and ``callee`` parameters (HTTP 400 naming the bad one)."""
        return clean_number_parameter('caller', caller), clean_number_parameter('callee', callee)

    def event_details(self, request, call_id_name):
        """The call details of a call-start or call-stop request, without the call identifier used."""
        return extract_details(request, exclude=(call_id_name,) if call_id_name else ())

    def ignored_call_json(self, caller, callee):
        """The answer to an event about an internal call this connector does not record."""
        return {
            'caller': caller,
            'callee': callee,
            'ignored': True,
            'reason': gettext('internal calls are not recorded by this connector.'),
        }

    @endpoint(
        name='call-start',
        perm='can_access',
        methods=['get', 'post'],
        description=_('Call start: the agent picked up'),
        long_description=_(
            'The phone system calls this URL when an agent picks up, e.g. '
            'call-start?caller=0143250135&callee=42&apikey=… The answer is HTTP 200 with {"err": 0, '
            '"data": {…the call…}}: id, caller and callee as received, call_id, kind of caller '
            '(external, internal, withheld or unreadable), caller_display (what the agent is shown), '
            'caller_national, caller_e164, withheld, start, end, duration, details, on_call_with and '
            'transferred_from (below). Sending the same start again while the call is open returns the '
            'same call. With a call identifier (call_id, callid, uniqueid or linkedid, the first given '
            'in that order), the start and the stop are paired by it, and a start arriving after its '
            "stop returns the call already finished. Transfers: when an agent's extension calls another "
            'extension while on a call with a citizen (to announce a transfer), the internal call '
            "carries on_call_with, the citizen's number. A PBX that bridges both legs (B2BUA) and "
            'presents the transferring agent as the caller of the transferred leg, e.g. '
            'call-start?caller=42&callee=43&uniqueid=1700000000.57&linkedid=1700000000.41, has that leg '
            "read as the citizen's call (their number, kind external, transferred_from 42) when its "
            'call identifier or linkedid is the linkedid (or, without one, the call identifier) of an '
            'external call to 42 that is open or ended less than 60 seconds ago. Other parameters are '
            'kept with the call (at most 20, values cut to 256 characters; parameters whose name looks '
            'like a credential are never kept). An empty, too long (over 64 characters) or garbled '
            'caller or callee, holding control or invisible characters, is refused with HTTP 400; a '
            'wrong or missing key with HTTP 403. With redirect=1 the answer is a redirection to the '
            'redirect URL set on the connector.'
        ),
        display_order=1,
        parameters={
            'caller': CALLER_PARAMETER,
            'callee': CALLEE_PARAMETER,
            **CALL_ID_DOCUMENTATION,
            'redirect': {
                'description': _(
                    'Optional. 1 to be redirected to the redirect URL of the connector, '
                    'filled with the caller number, instead of receiving JSON.'
                ),
                'example_value': '1',
            },
        },
    )
    def start_endpoint(
        self, request, caller, callee, call_id=None, callid=None, uniqueid=None, linkedid=None, redirect=None
    ):
        """Record that ``callee`` picked up a call from ``caller`` (see long_description)."""
        caller, callee = self.clean_pair(caller, callee)
        id_name, call_id = clean_call_id_parameters(
            {'call_id': call_id, 'callid': callid, 'uniqueid': uniqueid, 'linkedid': linkedid}
        )
        linked_id = clean_linked_id_parameter(linkedid)
        redirect = clean_flag_parameter('redirect', redirect)
        if redirect and not self.redirect_url:
            raise APIError(
                gettext('redirect=1 was requested but this connector has no redirect URL.'),
                http_status=400,
            )
        origin = self.read_start(caller, callee, call_id, linked_id)
        if self.should_record(origin.reading):
            details = self.event_details(request, id_name)
            call, _created = self.open_call(origin, callee, details, call_id, linked_id)
            data = call_json(call, self.partners_of([call]).get(call.pk))
        else:
            data = self.ignored_call_json(caller, callee)
        if redirect:
            values = redirect_values(origin.caller, callee, origin.reading)
            return HttpResponseRedirect(fill_redirect_url(self.redirect_url, values))
        return {'err': 0, 'data': data}

    @endpoint(
        name='call-stop',
        perm='can_access',
        methods=['get', 'post'],
        description=_('Call stop: the agent hung up'),
        long_description=_(
            'The phone system calls this URL when an agent hangs up, with the same parameters as '
            'call-start, e.g. call-stop?caller=0143250135&callee=42&apikey=… '
            'The open call of this caller and callee is closed and returned; with a call '
            'identifier, the call of that identifier. A stop with an identifier that arrives '
            'before its start is kept as a finished call, which the late start then returns. '
            'When the stop changes nothing (no open call: the start was missed, or the stop is '
            'sent twice) the answer is still HTTP 200 with {"err": 0, "data": {"caller": …, '
            '"callee": …, "call_id": …, "open_call": false}}. A transferred leg (see call-start) is '
            'closed by its call identifier, or, without one, by the stop from the extension that '
            'transferred it.'
        ),
        display_order=2,
        parameters={'caller': CALLER_PARAMETER, 'callee': CALLEE_PARAMETER, **CALL_ID_DOCUMENTATION},
    )
    def stop_endpoint(self, request, caller, callee, call_id=None, callid=None, uniqueid=None, linkedid=None):
        """Record that ``callee`` hung up the call from ``caller`` (see long_description)."""
        caller, callee = self.clean_pair(caller, callee)
        id_name, call_id = clean_call_id_parameters(
            {'call_id': call_id, 'callid': callid, 'uniqueid': uniqueid, 'linkedid': linkedid}
        )
        linked_id = clean_linked_id_parameter(linkedid)
        # Stopped even when internal calls are no longer recorded: the call may
        # have started before the setting changed.
        call = self.call_stop(caller, callee, self.event_details(request, id_name), call_id, linked_id)
        if call is None and not self.should_record(self.read_caller(caller)):
            return {'err': 0, 'data': self.ignored_call_json(caller, callee)}
        if call is None:
            return {
                'err': 0,
                'data': {'caller': caller, 'callee': callee, 'call_id': call_id or None, 'open_call': False},
            }
        return {'err': 0, 'data': call_json(call)}

    @endpoint(
        name='calls',
        perm='can_access',
        methods=['get'],
        description=_('Current and recent calls of an extension'),
        long_description=_(
            'Used by the agent portal: calls?callee=42 answers '
            '{"err": 0, "data": {"current": […], "past": […]}}, the open calls and '
            'the finished calls of the extension, newest first, each in the shape call-start '
            'answers with. A call open for longer than the maximum call duration is in neither list. '
            'A current call from another extension gives in on_call_with the caller of the newest '
            'open external call of that extension ({"kind", "caller_display", "caller_national", '
            '"caller_e164"}): the citizen the calling agent is speaking to, e.g. while announcing '
            'a transfer; null otherwise. transferred_from is the extension that handed the call over, '
            'or null.'
        ),
        display_order=3,
        parameters={
            'callee': CALLEE_PARAMETER,
            'caller': {
                'description': _(
                    'Optional. Only the calls from this caller: any writing of the same number matches '
                    '(0143250135 finds +33143250135, sip:0143250135@pbx and "Name" <tel:01 43 25 01 35>).'
                ),
                'example_value': '0143250135',
            },
            'limit': {
                'description': _(
                    'Optional. Maximum number of calls in each list, from 1 to 100 (default 10).'
                ),
                'example_value': '10',
            },
        },
    )
    def calls_endpoint(self, request, callee, caller=None, limit=None):
        """Serve the current and recent calls of extension ``callee`` (see long_description)."""
        callee = clean_number_parameter('callee', callee)
        if caller is not None:
            caller = clean_number_parameter('caller', caller)
        limit = clean_limit_parameter(limit)
        current, past = self.calls_of(callee, caller=caller, limit=limit)
        partners = self.partners_of(current)
        return {
            'err': 0,
            'data': {
                'current': [call_json(call, partners.get(call.pk)) for call in current],
                'past': [call_json(call) for call in past],
            },
        }

    @endpoint(
        name='changes',
        perm='can_access',
        methods=['get'],
        description=_('Current calls of every extension, and the calls ended since a cursor'),
        long_description=_(
            'Used by the agent portal to keep one shared view of the calls for all its agents, '
            'whatever their number: changes?since=… answers {"err": 0, "data": {"cursor": …, '
            '"current": […], "ended": […], "complete": true}}: every open call of the connector '
            '(newest first; a call open for longer than the maximum call duration is left out) and '
            'the calls that ended since the cursor given, each in the shape call-start answers with. '
            'Pass the cursor of the previous answer as since to get the next changes; without since, '
            'ended is empty. complete is false when a list was cut at 1,000 calls. A since that is '
            'not a cursor is refused with HTTP 400.'
        ),
        display_order=4,
        parameters={
            'since': {
                'description': _('Optional. The cursor of the previous answer.'),
                'example_value': '2024-03-14T09:12:03.123456+00:00',
            },
        },
    )
    def changes_endpoint(self, request, since=None):
        """Serve every current call and the calls ended since ``since`` (see long_description)."""
        # Bounded so that a flood of calls cannot make one answer huge; the
        # client starts over from the current calls when ``complete`` is false.
        limit = 1000
        moment = None
        if since is not None:
            try:
                moment = parse_datetime(str(since).strip())
            except ValueError:
                moment = None
            if moment is None or timezone.is_naive(moment):
                raise APIError(gettext('since must be the cursor of a previous answer.'), http_status=400)
        now = timezone.now()
        # Both lists are read through the (resource, end) index: "end IS NULL"
        # for the open calls, a range of end for the ended ones.
        current = list(
            self.open_calls().filter(start__gte=self.stale_cutoff()).order_by('-start', '-pk')[: limit + 1]
        )
        ended = []
        if moment is not None:
            ended = list(self.calls.filter(end__gte=moment).order_by('end', 'pk')[: limit + 1])
        # The cursor lags behind "now": an end stamped just before this read
        # may belong to a transaction that commits just after it. The next
        # answer repeats the calls of those seconds; the client sees that it
        # already knows them by their id and end.
        cursor = now - datetime.timedelta(seconds=5)
        partners = self.partners_of(current[:limit])
        return {
            'err': 0,
            'data': {
                'cursor': cursor.isoformat(),
                'current': [call_json(call, partners.get(call.pk)) for call in current[:limit]],
                'ended': [call_json(call) for call in ended[:limit]],
                'complete': len(current) <= limit and len(ended) <= limit,
            },
        }

    # Statistics in Publik's statistics format (statistics.py, docs/statistics.rst).

    @endpoint(
        name='statistics',
        perm='can_access',
        methods=['get'],
        description=_('Call statistics: the index'),
        long_description=_(
            "The index of the connector's statistics, in the format of Publik's services, for the "
            'portal\'s charts: {"err": 0, "data": [{"id", "name", "url", "filters": […]}]}. Each '
            'statistic answers at its url {"err": 0, "data": {"x_labels": […], "series": [{"label", '
            '"data": […]}]}}. Filters: time_interval (day, month, year, weekday, hour or none; '
            'month by default), callee (one or more extensions; all by default), kind (of caller); '
            "every statistic also takes start and end, dates (YYYY-MM-DD) in the site's time zone, "
            'start included, end excluded. A bad filter value is refused with HTTP 400.'
        ),
        display_order=20,
        display_category=_('Statistics'),
    )
    def statistics_endpoint(self, request):
        """Serve the statistics index (see long_description)."""
        return {'err': 0, 'data': statistics.index(self, statistics.url_maker(request))}

    def statistic_answer(self, request, statistic):
        """The answer of ``statistic`` for the filters of ``request``'s query (HTTP 400 on a bad one)."""
        filters = statistics.clean_filters(request.GET)
        return {'err': 0, 'data': statistics.statistic_data(self, statistic, filters)}

    @endpoint(
        name='statistics-calls',
        perm='can_access',
        methods=['get'],
        description=_('Call statistics: calls answered'),
        long_description=_(
            'The number of calls answered (every recorded call), one series per kind of caller '
            '(external, internal, withheld, unreadable), by time interval of their start, e.g. '
            'statistics-calls?time_interval=day&start=2024-03-01&end=2024-04-01&callee=42.'
        ),
        display_order=21,
        display_category=_('Statistics'),
        parameters=STATISTIC_PARAMETERS,
    )
    def statistics_calls_endpoint(
        self, request, time_interval=None, start=None, end=None, callee=None, kind=None
    ):
        """Serve the calls answered by time interval (see long_description)."""
        return self.statistic_answer(request, statistics.CALLS)

    @endpoint(
        name='statistics-total-duration',
        perm='can_access',
        methods=['get'],
        description=_('Call statistics: total duration'),
        long_description=_(
            'The total duration, in seconds, of the finished calls, by time interval of their start.'
        ),
        display_order=22,
        display_category=_('Statistics'),
        parameters=STATISTIC_PARAMETERS,
    )
    def statistics_total_duration_endpoint(
        self, request, time_interval=None, start=None, end=None, callee=None, kind=None
    ):
        """Serve the total duration of the calls by time interval (see long_description)."""
        return self.statistic_answer(request, statistics.TOTAL_DURATION)

    @endpoint(
        name='statistics-mean-duration',
        perm='can_access',
        methods=['get'],
        description=_('Call statistics: mean duration'),
        long_description=_(
            'The mean duration, in whole seconds, of the finished calls, by time interval of their '
            'start; null for an interval without any finished call.'
        ),
        display_order=23,
        display_category=_('Statistics'),
        parameters=STATISTIC_PARAMETERS,
    )
    def statistics_mean_duration_endpoint(
        self, request, time_interval=None, start=None, end=None, callee=None, kind=None
    ):
        """Serve the mean duration of the calls by time interval (see long_description)."""
        return self.statistic_answer(request, statistics.MEAN_DURATION)


class StartOrigin(typing.NamedTuple):
    """Who a call-start is from (``PhoneCalls.read_start``).

    ``caller`` as stored and its ``numbers.Caller`` ``reading``;
    ``transferred_from``, the extension that handed the call over, or ``''``.
    """

    caller: str
    reading: Caller
    transferred_from: str


def stored_reading(call):
    """The ``numbers.Caller`` reading stored with ``call``."""
    return Caller(
        kind=call.kind,
        e164=call.caller_e164 or None,
        national=call.caller_national or None,
        display=call.caller_display or None,
        key=call.caller_key,
    )


class Call(models.Model):
    """A call received by an extension, open until the IPBX reports the hang-up.

    ``caller`` is kept as received; the other ``caller_*`` fields and
    ``kind`` are its reading (``numbers.read_caller``) in the connector's
    default region when the call was received, ``caller_key`` the identity
    that pairs its events and finds a citizen's calls.
    """

    resource = models.ForeignKey(
        PhoneCalls, related_name='calls', on_delete=models.CASCADE, verbose_name=_('connector')
    )
    caller = models.CharField(_('caller'), max_length=64)
    callee = models.CharField(_('callee'), max_length=64)
    call_id = models.CharField(_('call identifier'), max_length=128, blank=True, default='')
    # The conversation's identifier (Asterisk's LINKEDID), or the call's own
    # identifier when the IPBX sends none: what a transferred leg carries.
    linked_id = models.CharField(_('linked call identifier'), max_length=128, blank=True, null=True)
    kind = models.CharField(_('kind of caller'), max_length=10, choices=KIND_CHOICES)
    caller_key = models.CharField(_('caller identity'), max_length=64)
    caller_e164 = models.CharField(_('caller (international format)'), max_length=16, blank=True)
    caller_national = models.CharField(_('caller (national digits)'), max_length=16, blank=True, default='')
    caller_display = models.CharField(_('caller (as shown)'), max_length=64, blank=True, default='')
    start = models.DateTimeField(_('start'), default=timezone.now)
    end = models.DateTimeField(_('end'), null=True, blank=True)
    details = models.JSONField(_('details'), default=dict, blank=True)
    transferred_from = models.CharField(
        _('transferred from (extension)'), max_length=64, blank=True, null=True
    )

    class Meta:
        verbose_name = _('call')
        verbose_name_plural = _('calls')
        constraints = [
            # Also serves "open calls of a callee" through its (resource, callee) prefix.
            models.UniqueConstraint(
                fields=['resource', 'callee', 'caller_key'],
                condition=Q(end__isnull=True, call_id=''),
                name='passerelle_phonecalls_one_open_call',
            ),
            models.UniqueConstraint(
                fields=['resource', 'callee', 'call_id'],
                condition=~Q(call_id=''),
                name='passerelle_phonecalls_one_call_per_id',
            ),
        ]
        indexes = [
            models.Index(fields=['resource', 'callee', '-start'], name='ppc_call_callee_recent'),
            models.Index(fields=['resource', 'end'], name='ppc_call_purge'),
            # Statistics of a period, all extensions (statistics.py).
            models.Index(fields=['resource', 'start'], name='ppc_call_statistics'),
            # A citizen's calls, for export and erasure.
            models.Index(fields=['resource', 'caller_key'], name='ppc_call_caller'),
            # The transferred leg of a call finds the call it continues.
            models.Index(
                fields=['resource', 'linked_id'], condition=Q(linked_id__isnull=False), name='ppc_call_linked'
            ),
        ]

    def __str__(self):
        return f'{self.caller} → {self.callee} ({self.start})'


class CallTotal(models.Model):
    """The calls of one connector that started in one quarter hour, from one kind of caller, counted.

    Written by ``statistics.summarise`` once no call of the quarter hour can
    change any more (its start is older than the maximum call duration, plus
    the hourly job's lag), so that statistics read a few rows per quarter
    hour instead of every call. Counts only, no number: the totals outlive
    the retention period and erasures of the calls they count.
    """

    resource = models.ForeignKey(
        PhoneCalls, related_name='call_totals', on_delete=models.CASCADE, verbose_name=_('connector')
    )
    start = models.DateTimeField(_('start of the quarter hour'))
    kind = models.CharField(_('kind of caller'), max_length=10, choices=KIND_CHOICES)
    calls = models.PositiveIntegerField(_('calls'))
    finished = models.PositiveIntegerField(_('finished calls'))
    seconds = models.BigIntegerField(_('duration of the finished calls (in seconds)'))

    class Meta:
        verbose_name = _('call total')
        verbose_name_plural = _('call totals')
        constraints = [
            # Also serves the statistics of a period through its (resource, start) prefix.
            models.UniqueConstraint(
                fields=['resource', 'start', 'kind'], name='passerelle_phonecalls_one_total'
            ),
        ]

    def __str__(self):
        return f'{self.start} {self.kind}: {self.calls}'
