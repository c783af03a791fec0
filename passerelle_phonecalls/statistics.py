"""Call statistics in Publik's statistics format: plain functions over a connector's calls.

Publik's services (w.c.s., lingo, authentic) publish their figures the same
way, and Combo's chart cells draw them: an index lists the statistics, each
with its ``id``, ``name``, ``url`` and ``filters``; a statistic's ``url``
answers ``{"err": 0, "data": {"x_labels": [...], "series": [{"label",
"data": [...]}]}}`` (docs/statistics.rst says which parts of this are seen in
those services' sources and which are recalled).

The connector publishes three statistics, each by ``time_interval`` (day,
month, year, weekday, hour or none), for a period (``start`` included,
``end`` excluded, dates in the site's time zone), for one or more extensions
(``callee``) and one kind of caller (``kind``):

- ``calls``: the calls answered (every recorded call: a call-start is a
  pick-up), one series per kind of caller;
- ``total_duration`` and ``mean_duration``: in seconds, of the finished calls.

A call counts in the time slot of its start. Quarter hours that can no
longer change are counted once into ``CallTotal`` rows (``summarise``);
a statistic for all extensions reads those totals and the recent calls
(index ``ppc_call_statistics``: resource, start), a statistic for chosen
extensions reads their calls (index ``ppc_call_callee_recent``).
"""

import dataclasses
import datetime
import re

from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, Min, Q, Sum, Value
from django.db.models.functions import (
    ExtractHour,
    ExtractIsoWeekDay,
    ExtractMinute,
    Floor,
    TruncDay,
    TruncHour,
    TruncMonth,
    TruncYear,
)
from django.utils import dates, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .calls import clean_number_parameter, invalid_parameter
from .numbers import EXTERNAL, INTERNAL, KIND_CHOICES, UNREADABLE, WITHHELD

KINDS = (EXTERNAL, INTERNAL, WITHHELD, UNREADABLE)
ALL = '_all'
TIME_INTERVALS = {
    'day': _('Day'),
    'month': _('Month'),
    'year': _('Year'),
    'weekday': _('Week day'),
    'hour': _('Hour'),
    'none': _('None'),
}
DEFAULT_TIME_INTERVAL = 'month'
# Several extensions may be asked at once; more than this is not a chart.
MAX_CALLEES = 50
# The extension filter lists at most this many extensions.
MAX_CALLEE_OPTIONS = 500


@dataclasses.dataclass(frozen=True)
class Statistic:
    """One statistic of the index: ``id`` in the format, ``endpoint`` its name on the connector."""

    id: str
    endpoint: str
    name: str
    data_type: str = ''


CALLS = Statistic('calls', 'statistics-calls', _('Calls answered'))
TOTAL_DURATION = Statistic('total_duration', 'statistics-total-duration', _('Total call duration'), 'seconds')
MEAN_DURATION = Statistic('mean_duration', 'statistics-mean-duration', _('Mean call duration'), 'seconds')
STATISTICS = (CALLS, TOTAL_DURATION, MEAN_DURATION)


@dataclasses.dataclass(frozen=True)
class Filters:
    """The validated filters of a statistic request (see ``clean_filters``)."""

    time_interval: str = DEFAULT_TIME_INTERVAL
    start: datetime.datetime | None = None
    end: datetime.datetime | None = None
    callees: tuple = ()
    kind: str = ALL


def clean_filters(query):
    """The ``Filters`` of a statistic request's ``query`` (a ``QueryDict``), or an ``APIError`` (HTTP 400).

    Empty values count as absent: a chart cell sends every filter it knows,
    set or not. ``callee`` may be repeated. The error names the parameter
    and says what it must be.
    """
    time_interval = (query.get('time_interval') or '').strip() or DEFAULT_TIME_INTERVAL
    if time_interval not in TIME_INTERVALS:
        raise invalid_parameter('time_interval', one_of(list(TIME_INTERVALS)))
    start = clean_moment('start', query.get('start'))
    end = clean_moment('end', query.get('end'))
    if start is not None and end is not None and end <= start:
        raise invalid_parameter('end', gettext('it must be after start.'))
    callees = tuple(
        dict.fromkeys(
            clean_number_parameter('callee', value)
            for value in query.getlist('callee')
            if value.strip() and value.strip() != ALL
        )
    )
    if len(callees) > MAX_CALLEES:
        raise invalid_parameter('callee', gettext('at most %d extensions may be given.') % MAX_CALLEES)
    kind = (query.get('kind') or '').strip() or ALL
    if kind not in (ALL, *KINDS):
        raise invalid_parameter('kind', one_of([ALL, *KINDS]))
    return Filters(time_interval, start, end, callees, kind)


def one_of(values):
    """The reason of a refused choice: "it must be a, b or c."."""
    return gettext('it must be %(values)s or %(last)s.') % {
        'values': ', '.join(values[:-1]),
        'last': values[-1],
    }


DATE_RE = re.compile(r'\d{4}-\d{2}-\d{2}')
MIN_YEAR, MAX_YEAR = 1900, 2999


def clean_moment(name, value):
    """The moment ``value`` names (``2024-03-01``: its midnight in the site's time zone), ``None`` when empty.

    A date and time in ISO 8601 is also accepted; without an offset it is
    read in the site's time zone.
    """
    value = (value or '').strip()
    if not value:
        return None
    try:
        if DATE_RE.fullmatch(value):
            day = parse_date(value)
            moment = datetime.datetime(day.year, day.month, day.day) if day else None
        else:
            moment = parse_datetime(value)
    except ValueError:
        moment = None
    # Out of these years, time zone conversions and quarter-hour rounding
    # would overflow Python's dates: no call is that old or that far ahead.
    if moment is None or not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise invalid_parameter(
            name, gettext('it must be a date (YYYY-MM-DD) or a date and time (ISO 8601).')
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def filtered_calls(connector, filters):
    """The calls of ``connector`` that ``filters`` keep (period, extensions, kind)."""
    calls = connector.calls.all()
    if filters.start is not None:
        calls = calls.filter(start__gte=filters.start)
    if filters.end is not None:
        calls = calls.filter(start__lt=filters.end)
    if filters.callees:
        calls = calls.filter(callee__in=filters.callees)
    if filters.kind != ALL:
        calls = calls.filter(kind=filters.kind)
    return calls


def slot_expression(time_interval):
    """The SQL expression of the time slot of a row's ``start`` for ``time_interval``, in the site's time zone."""
    tzinfo = timezone.get_current_timezone()
    return {
        'day': TruncDay('start', tzinfo=tzinfo),
        'month': TruncMonth('start', tzinfo=tzinfo),
        'year': TruncYear('start', tzinfo=tzinfo),
        'weekday': ExtractIsoWeekDay('start', tzinfo=tzinfo),
        'hour': ExtractHour('start', tzinfo=tzinfo),
        'none': Value(0),
    }[time_interval]


# Totals by quarter hour. Counting every call of a busy town's history costs
# seconds; the quarter hours that can no longer change are counted once, into
# ``CallTotal`` rows (a few per quarter hour), and only the recent calls are
# counted each time. Quarter hours, because every time zone's offset is a
# multiple of 15 minutes: a local day, hour or month is always whole quarters.

QUARTER = datetime.timedelta(minutes=15)
# A call open longer than the maximum duration is closed by the hourly job:
# up to an hour later, and the job itself takes time.
HOURLY_JOB_LAG = datetime.timedelta(minutes=75)
# A request counts at most this span of calls into totals (about a second
# for a busy town's week).
MAX_CATCH_UP = datetime.timedelta(days=7)
DURATION = ExpressionWrapper(F('end') - F('start'), output_field=DurationField())


def floor_quarter(moment):
    """The start of the quarter hour (UTC) holding ``moment``."""
    moment = moment.astimezone(datetime.UTC)
    return moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)


def ceil_quarter(moment):
    """The start of the first quarter hour starting at or after ``moment``."""
    floor = floor_quarter(moment)
    return floor if floor == moment else floor + QUARTER


def settled_before(connector, now):
    """The quarter hour before which no call of ``connector`` can change: every one has ended by now."""
    return floor_quarter(now - datetime.timedelta(minutes=connector.max_call_duration) - HOURLY_JOB_LAG)


def seconds_of(duration):
    return max(0, round(duration.total_seconds())) if duration is not None else 0


def summarise(connector, now=None):
    """Count settled quarter hours not counted yet into ``CallTotal`` rows; return the bound counted up to.

    Calls started before the returned bound are all counted in the totals,
    and no call after it: statistics read the totals before it and the
    calls after it. The counting starts at the first call after the newest
    total (quarter hours without calls leave no row) and covers at most
    ``MAX_CATCH_UP`` per request, so that a request pays little even after
    a long pause; the migration that created the totals counted the
    history, and ``catch_up`` counts everything at once. Two concurrent
    requests count the same calls the same way: the database keeps one row
    of each and ignores the other.
    """
    settled = settled_before(connector, now or timezone.now())
    newest = connector.call_totals.aggregate(newest=Max('start'))['newest']
    if newest is not None and newest + QUARTER >= settled:
        return settled
    calls = connector.calls.filter(start__lt=settled)
    if newest is not None:
        calls = calls.filter(start__gte=newest + QUARTER)
    first = calls.aggregate(first=Min('start'))['first']
    if first is None:
        return settled
    since = floor_quarter(first)
    until = min(settled, since + MAX_CATCH_UP)
    rows = (
        calls.filter(start__gte=since, start__lt=until)
        .annotate(
            hour=TruncHour('start', tzinfo=datetime.UTC),
            quarter=Floor(ExtractMinute('start', tzinfo=datetime.UTC) / Value(15)),
        )
        .order_by()
        .values('hour', 'quarter', 'kind')
        .annotate(calls=Count('pk'), finished=Count('end'), duration=Sum(DURATION))
    )
    model = connector.call_totals.model
    totals = [
        model(
            resource=connector,
            start=row['hour'].astimezone(datetime.UTC) + int(row['quarter']) * QUARTER,
            kind=row['kind'],
            calls=row['calls'],
            finished=row['finished'],
            seconds=seconds_of(row['duration']),
        )
        for row in rows
    ]
    model.objects.bulk_create(sorted(totals, key=lambda total: total.start), ignore_conflicts=True)
    return until


def catch_up(connector, now=None):
    """Count every settled quarter hour of ``connector`` not counted yet (the migration, the benchmark)."""
    now = now or timezone.now()
    while summarise(connector, now) < settled_before(connector, now):
        pass


def totals(connector, filters, now=None):
    """``{(slot, kind): [calls, finished calls, seconds of the finished calls]}`` for ``filters``.

    ``slot`` is a local date (day, month, year), an ISO weekday (1 is
    Monday), an hour (0-23) or 0 (``none``). For all extensions, the
    settled whole quarter hours of the period are read from the totals and
    the rest from the calls; for chosen extensions, everything from the
    calls (their index serves an extension's calls).
    """
    found = {}

    def add(rows):
        for row in rows:
            key = (slot_key(row['slot'], filters.time_interval), row['kind'])
            counts = found.setdefault(key, [0, 0, 0])
            counts[0] += row['calls']
            counts[1] += row['finished']
            # A duration from the calls, a number of seconds (an integer, or a
            # decimal on PostgreSQL) from the totals.
            seconds = row['seconds']
            counts[2] += seconds_of(seconds) if isinstance(seconds, datetime.timedelta) else int(seconds or 0)

    calls = filtered_calls(connector, filters)
    slot = slot_expression(filters.time_interval)
    if not filters.callees:
        settled = summarise(connector, now)
        first = ceil_quarter(filters.start) if filters.start is not None else None
        last = min(floor_quarter(filters.end), settled) if filters.end is not None else settled
        if first is None or first < last:
            summed = connector.call_totals.filter(start__lt=last)
            if first is not None:
                summed = summed.filter(start__gte=first)
            if filters.kind != ALL:
                summed = summed.filter(kind=filters.kind)
            add(
                summed.annotate(slot=slot)
                .order_by()
                .values('slot', 'kind')
                .annotate(calls=Sum('calls'), finished=Sum('finished'), seconds=Sum('seconds'))
            )
            calls = calls.filter(
                Q(start__gte=last) | Q(start__lt=first) if first is not None else Q(start__gte=last)
            )
    add(
        calls.annotate(slot=slot)
        .order_by()
        .values('slot', 'kind')
        .annotate(calls=Count('pk'), finished=Count('end'), seconds=Sum(DURATION))
    )
    return found


def slot_key(slot, time_interval):
    """``slot`` as the database gave it, as a comparable key: a ``date`` for day, month and year."""
    if time_interval in ('day', 'month', 'year'):
        if isinstance(slot, datetime.datetime):
            slot = timezone.localtime(slot).date() if timezone.is_aware(slot) else slot.date()
        return slot
    return int(slot)


def next_slot(slot, time_interval):
    if time_interval == 'day':
        return slot + datetime.timedelta(days=1)
    if time_interval == 'month':
        return slot.replace(year=slot.year + slot.month // 12, month=slot.month % 12 + 1)
    return slot.replace(year=slot.year + 1)


def slots(keys, time_interval):
    """``[(slot, x label)]`` in order: every slot from the first to the last of ``keys`` for dates.

    Days, months and years without calls between two that have some are
    listed (their count is 0): a chart with missing bars would hide them.
    Weekdays and hours are always all listed, labelled as w.c.s. does
    (weekday names from Monday; hours as numbers).
    """
    if time_interval == 'weekday':
        return [(day + 1, str(dates.WEEKDAYS[day])) for day in range(7)]
    if time_interval == 'hour':
        return [(hour, hour) for hour in range(24)]
    if time_interval == 'none':
        return [(0, '')]
    if not keys:
        return []
    label_format = {'day': '%Y-%m-%d', 'month': '%Y-%m', 'year': '%Y'}[time_interval]
    slot, last = min(keys), max(keys)
    listed = []
    while slot <= last:
        listed.append((slot, slot.strftime(label_format)))
        slot = next_slot(slot, time_interval)
    return listed


def kind_label(kind):
    return capfirst(dict(KIND_CHOICES)[kind])


def statistic_data(connector, statistic, filters):
    """The ``data`` of ``statistic`` (one of ``STATISTICS``) for ``filters``: ``{"x_labels", "series"}``.

    ``calls``: one series per kind of caller (only the chosen kind when
    ``kind`` is given), 0 where there was no call. ``total_duration``:
    seconds, 0 where no call ended. ``mean_duration``: whole seconds,
    ``null`` where no call ended (there is no mean of nothing).
    """
    found = totals(connector, filters)
    listed = slots({slot for slot, _kind in found}, filters.time_interval)
    x_labels = [label for _slot, label in listed]
    if statistic is CALLS:
        kinds = KINDS if filters.kind == ALL else (filters.kind,)
        series = [
            {
                'label': kind_label(kind),
                'data': [found.get((slot, kind), (0, 0, 0))[0] for slot, _label in listed],
            }
            for kind in kinds
        ]
        return {'x_labels': x_labels, 'series': series}
    finished, seconds = [], []
    for slot, _label in listed:
        slot_totals = [found.get((slot, kind), (0, 0, 0)) for kind in KINDS]
        finished.append(sum(row[1] for row in slot_totals))
        seconds.append(sum(row[2] for row in slot_totals))
    if statistic is TOTAL_DURATION:
        data = seconds
    else:
        data = [
            round(total / count) if count else None for total, count in zip(seconds, finished, strict=True)
        ]
    return {'x_labels': x_labels, 'series': [{'label': str(statistic.name), 'data': data}]}


def callee_options(connector):
    """The extensions that have calls on ``connector``, in natural order (``42`` before ``100``), bounded."""
    callees = (
        connector.calls.order_by('callee').values_list('callee', flat=True).distinct()[:MAX_CALLEE_OPTIONS]
    )
    return sorted(callees, key=natural_key)


def natural_key(text):
    return [(0, int(part), '') if part.isdigit() else (1, 0, part) for part in re.findall(r'\d+|\D+', text)]


def filters_description(callees):
    """The ``filters`` of every statistic in the index; ``callees`` are the extension filter's options."""
    return [
        {
            'id': 'time_interval',
            'label': gettext('Interval'),
            'options': [{'id': key, 'label': str(label)} for key, label in TIME_INTERVALS.items()],
            'required': True,
            'default': DEFAULT_TIME_INTERVAL,
            'multiple': False,
        },
        {
            'id': 'callee',
            'label': gettext('Extension'),
            'options': [{'id': callee, 'label': callee} for callee in callees],
            'required': False,
            'default': None,
            'multiple': True,
        },
        {
            'id': 'kind',
            'label': gettext('Caller'),
            'options': [{'id': ALL, 'label': gettext('All callers')}]
            + [{'id': kind, 'label': kind_label(kind)} for kind in KINDS],
            'required': True,
            'default': ALL,
            'multiple': False,
        },
    ]


def url_maker(request):
    """A function giving the absolute URL of a connector endpoint from the request of another one.

    Built from the request's own path (``/phonecalls/ipbx/statistics``), so
    that the URLs keep the host, scheme and prefix the caller used.
    """
    path = request.path.rstrip('/')
    base = path[: path.rfind('/') + 1]
    return lambda endpoint_name: request.build_absolute_uri(base + endpoint_name)


def index(connector, url_of):
    """The statistics index of ``connector``: ``url_of(endpoint name)`` gives each statistic's absolute URL."""
    filters = filters_description(callee_options(connector))
    statistics = []
    for statistic in STATISTICS:
        description = {
            'id': statistic.id,
            'name': str(statistic.name),
            'url': url_of(statistic.endpoint),
            'filters': filters,
        }
        if statistic.data_type:
            description['data_type'] = statistic.data_type
        statistics.append(description)
    return statistics
