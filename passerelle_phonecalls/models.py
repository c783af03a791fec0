"""The IPBX connector: receives call-start/call-stop webhooks and serves an extension's calls."""

import datetime
import logging

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from passerelle.base.models import BaseResource
from passerelle.utils.api import endpoint
from passerelle.utils.jsonresponse import APIError

from .calls import (
    call_json,
    clean_flag_parameter,
    clean_limit_parameter,
    clean_number_parameter,
    extract_details,
    fill_redirect_url,
    merge_details,
    redirect_values,
    validate_redirect_url_template,
)
from .numbers import is_internal_extension, normalise_number, validate_region

CALLER_PARAMETER = {
    'description': _('Number of the person calling, as the IPBX writes it (e.g. 0143250135).'),
    'example_value': '0143250135',
}
CALLEE_PARAMETER = {
    'description': _("Number called, usually the agent's internal extension (e.g. 42)."),
    'example_value': '42',
}


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

    def open_calls(self):
        """Calls of this connector that have not ended."""
        return self.calls.filter(end__isnull=True)

    def is_stale(self, call, now=None):
        """Tell whether ``call`` has been open for longer than the maximum call duration."""
        now = now or timezone.now()
        return call.end is None and call.start < now - datetime.timedelta(minutes=self.max_call_duration)

    def should_record(self, caller):
        """Tell whether a call from ``caller`` is recorded (internal calls may be ignored)."""
        return self.record_internal_calls or not is_internal_extension(caller)

    def call_start(self, caller, callee, details=None):
        """Open a call from ``caller`` to ``callee``; return ``(call, created)``.

        The open call of the same pair is returned when there is one, so an
        IPBX retry is harmless. An open call older than the maximum call
        duration is a missed hang-up: it is closed and a new call opened.
        """
        number = normalise_number(caller, self.default_region)
        # Three rounds cover the two races: a concurrent start creating the
        # call, then a concurrent stop closing it before it could be read.
        for _round in range(3):
            call = self.open_calls().filter(callee=callee, caller=caller).first()
            if call is not None:
                if not self.is_stale(call):
                    return call, False
                self.close_calls(Call.objects.filter(pk=call.pk))
            try:
                # The partial unique constraint, not the lookup above, guarantees
                # one open call per pair: two copies of a start arriving together
                # both miss the lookup and the second INSERT fails. The savepoint
                # keeps the surrounding transaction usable so that the loser can
                # read and answer the winner's call.
                with transaction.atomic():
                    call = self.calls.create(
                        caller=caller,
                        callee=callee,
                        caller_e164=number.e164 or '',
                        details=details or {},
                    )
            except IntegrityError:
                continue
            self.logger.info('call %s started on extension %s', call.pk, callee)
            return call, True
        raise RuntimeError('could not open or find the open call of the pair')

    def call_stop(self, caller, callee, details=None):
        """Close the open call from ``caller`` to ``callee``; return it, or ``None`` if none was open.

        Parameters sent with the stop are added to the call details.
        """
        call = self.open_calls().filter(callee=callee, caller=caller).first()
        if call is None:
            return None
        call.end = timezone.now()
        call.details = merge_details(call.details, details or {})
        # Conditional update: of two concurrent stops only one closes the call,
        # the other finds nothing open, as if it had come later.
        closed = Call.objects.filter(pk=call.pk, end__isnull=True).update(end=call.end, details=call.details)
        if not closed:
            return None
        self.logger.info('call %s stopped on extension %s', call.pk, callee)
        return call

    def calls_of(self, callee, caller=None, limit=10):
        """Return ``(current, past)`` calls of extension ``callee``, newest first, ``limit`` each.

        With ``caller``, only the calls from that number, matched on the raw
        number or on its E.164 form (``+33143250135`` finds ``0143250135``).
        An open call older than the maximum call duration is a missed hang-up
        waiting for the hourly job: it is in neither list, so that the agent
        portal never presents it as the call in progress.
        """
        calls = self.calls.filter(callee=callee)
        if caller is not None:
            calls = calls.filter(self.same_number(caller))
        cutoff = timezone.now() - datetime.timedelta(minutes=self.max_call_duration)
        current = list(calls.filter(end__isnull=True, start__gte=cutoff).order_by('-start', '-pk')[:limit])
        past = list(calls.filter(end__isnull=False).order_by('-start', '-pk')[:limit])
        return current, past

    def same_number(self, number):
        """A filter on the calls from ``number``, matched as written or on its E.164 form.

        ``+33143250135``, ``0143250135`` and ``01 43 25 01 35`` all find the
        calls of the same caller, read in this connector's default region.
        """
        match = Q(caller=number)
        e164 = normalise_number(number, self.default_region).e164
        if e164:
            match |= Q(caller_e164=e164)
        return match

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
        cutoff = timezone.now() - datetime.timedelta(minutes=self.max_call_duration)
        return self.close_calls(self.open_calls().filter(start__lt=cutoff))

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
            'call-start?caller=0143250135&callee=42&apikey=… The answer is '
            'HTTP 200 with {"err": 0, "data": {…the call…}}. Sending the same start '
            'again while the call is open returns the same call. Other parameters are kept with '
            'the call (at most 20, values cut to 256 characters; access keys are never kept). '
            'An empty, too long (over 64 characters) or garbled caller or callee is refused with '
            'HTTP 400; a wrong or missing key with HTTP 403. With redirect=1 the '
            'answer is a redirection to the redirect URL set on the connector.'
        ),
        display_order=1,
        parameters={
            'caller': CALLER_PARAMETER,
            'callee': CALLEE_PARAMETER,
            'redirect': {
                'description': _(
                    'Optional. 1 to be redirected to the redirect URL of the connector, '
                    'filled with the caller number, instead of receiving JSON.'
                ),
                'example_value': '1',
            },
        },
    )
    def start_endpoint(self, request, caller, callee, redirect=None):
        """Record that ``callee`` picked up a call from ``caller`` (see long_description)."""
        caller, callee = self.clean_pair(caller, callee)
        redirect = clean_flag_parameter('redirect', redirect)
        if redirect and not self.redirect_url:
            raise APIError(
                gettext('redirect=1 was requested but this connector has no redirect URL.'),
                http_status=400,
            )
        if self.should_record(caller):
            call, _created = self.call_start(caller, callee, extract_details(request))
            data = call_json(call)
        else:
            data = self.ignored_call_json(caller, callee)
        if redirect:
            number = normalise_number(caller, self.default_region)
            return HttpResponseRedirect(
                fill_redirect_url(self.redirect_url, redirect_values(caller, callee, number))
            )
        return {'err': 0, 'data': data}

    @endpoint(
        name='call-stop',
        perm='can_access',
        methods=['get', 'post'],
        description=_('Call stop: the agent hung up'),
        long_description=_(
            'The phone system calls this URL when an agent hangs up, with the same parameters as '
            'call-start, e.g. call-stop?caller=0143250135&callee=42&apikey=… '
            'The open call of this caller and callee is closed and returned. When no call is '
            'open (the start was missed, or the stop is sent twice) the answer is still HTTP 200 '
            'with {"err": 0, "data": {"caller": …, "callee": …, "open_call": false}}.'
        ),
        display_order=2,
        parameters={'caller': CALLER_PARAMETER, 'callee': CALLEE_PARAMETER},
    )
    def stop_endpoint(self, request, caller, callee):
        """Record that ``callee`` hung up the call from ``caller`` (see long_description)."""
        caller, callee = self.clean_pair(caller, callee)
        # Stopped even when internal calls are no longer recorded: the call may
        # have started before the setting changed.
        call = self.call_stop(caller, callee, extract_details(request))
        if call is None and not self.should_record(caller):
            return {'err': 0, 'data': self.ignored_call_json(caller, callee)}
        if call is None:
            return {'err': 0, 'data': {'caller': caller, 'callee': callee, 'open_call': False}}
        return {'err': 0, 'data': call_json(call)}

    @endpoint(
        name='calls',
        perm='can_access',
        methods=['get'],
        description=_('Current and recent calls of an extension'),
        long_description=_(
            'Used by the agent portal: calls?callee=42 answers '
            '{"err": 0, "data": {"current": […], "past": […]}}, the open calls and '
            'the finished calls of the extension, newest first.'
        ),
        display_order=3,
        parameters={
            'callee': CALLEE_PARAMETER,
            'caller': {
                'description': _(
                    'Optional. Only the calls from this number (any format of the same number matches).'
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
        return {
            'err': 0,
            'data': {
                'current': [call_json(call) for call in current],
                'past': [call_json(call) for call in past],
            },
        }


class Call(models.Model):
    """A call received by an extension, open until the IPBX reports the hang-up."""

    resource = models.ForeignKey(
        PhoneCalls, related_name='calls', on_delete=models.CASCADE, verbose_name=_('connector')
    )
    caller = models.CharField(_('caller'), max_length=64)
    callee = models.CharField(_('callee'), max_length=64)
    caller_e164 = models.CharField(_('caller (international format)'), max_length=16, blank=True)
    start = models.DateTimeField(_('start'), default=timezone.now)
    end = models.DateTimeField(_('end'), null=True, blank=True)
    details = models.JSONField(_('details'), default=dict, blank=True)

    class Meta:
        verbose_name = _('call')
        verbose_name_plural = _('calls')
        constraints = [
            # Also serves "open calls of a callee" through its (resource, callee) prefix.
            models.UniqueConstraint(
                fields=['resource', 'callee', 'caller'],
                condition=Q(end__isnull=True),
                name='passerelle_phonecalls_one_open_call',
            ),
        ]
        indexes = [
            models.Index(fields=['resource', 'callee', '-start'], name='ppc_call_callee_recent'),
            models.Index(fields=['resource', 'end'], name='ppc_call_purge'),
        ]

    def __str__(self):
        return f'{self.caller} → {self.callee} ({self.start})'
