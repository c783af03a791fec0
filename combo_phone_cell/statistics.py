"""Charts of how the phone link is used, for the cell's health page: the connector's statistics drawn as SVG.

The connector serves its call statistics in Publik's statistics format
(``statistics-calls``, ``statistics-mean-duration``...: docs/statistics.rst);
this module asks for a few of them, signed like the cell's other requests
(``connector.endpoint_url``, ``client.get``), and draws each one server side
with pygal, the library Combo's own chart cells draw with (recalled). pygal
is imported only when a chart is drawn: without it the cell works, the
health page just has no charts.

Everything read from the connector is untrusted: labels are cut short,
stripped of control characters, and reach the page only as text of the SVG
(escaped by the XML serializer); the SVG carries no script.
"""

import datetime
import logging
import math

from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import client
from .connector import endpoint_url

logger = logging.getLogger(__name__)

DEFAULT_PERIOD = 30  # days
MAX_PERIOD = 366
MAX_LABEL_LENGTH = 40
MAX_SERIES = 10
MAX_POINTS = 400


class StatisticsError(Exception):
    """The connector gave no usable statistic; the message is short English for the log."""


# What the health page shows: (title, connector endpoint, its filters, how it is drawn).
CHARTS = (
    (_('Calls answered per day'), 'statistics-calls', {'time_interval': 'day'}, 'stacked_bar'),
    (_('Calls answered by hour of the day'), 'statistics-calls', {'time_interval': 'hour'}, 'stacked_bar'),
    (
        _('Mean call duration per day (minutes)'),
        'statistics-mean-duration',
        {'time_interval': 'day'},
        'minutes',
    ),
)


def clean_label(value):
    """A label from the connector as short printable text ('' for anything but a string or a number)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return ''
    text = ''.join(char for char in str(value) if char.isprintable()).strip()
    return text if len(text) <= MAX_LABEL_LENGTH else text[: MAX_LABEL_LENGTH - 1] + '…'


def clean_value(value):
    """A figure from the connector: a finite number, or None (no value) for anything else."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return value


def read_statistic(answer):
    """The ``{"x_labels", "series"}`` of a statistic ``answer`` (a ``client.Answer``), cleaned and bounded.

    Raises ``StatisticsError`` for anything that is not a statistic in
    Publik's format.
    """
    if answer.status != 200:
        raise StatisticsError(f'HTTP status {answer.status}')
    payload = answer.json()
    if not isinstance(payload, dict):
        raise StatisticsError('not a JSON object')
    if payload.get('err'):
        raise StatisticsError('err %r' % clean_label(payload.get('err_desc')))
    data = payload.get('data')
    labels = data.get('x_labels') if isinstance(data, dict) else None
    series = data.get('series') if isinstance(data, dict) else None
    if not isinstance(labels, list) or not isinstance(series, list):
        raise StatisticsError('not a statistic')
    if len(labels) > MAX_POINTS or len(series) > MAX_SERIES:
        raise StatisticsError('statistic too large')
    cleaned = []
    for serie in series:
        if not isinstance(serie, dict) or not isinstance(serie.get('data'), list):
            raise StatisticsError('not a statistic')
        values = [clean_value(value) for value in serie['data'][: len(labels)]]
        values += [None] * (len(labels) - len(values))
        cleaned.append({'label': clean_label(serie.get('label')), 'data': values})
    return {'x_labels': [clean_label(label) for label in labels], 'series': cleaned}


def fetch_statistic(cell, endpoint, params):
    """Ask the connector for statistic ``endpoint`` with ``params``; its cleaned data, or ``StatisticsError``."""
    try:
        url = endpoint_url(cell, endpoint, params)
    except ValueError:
        raise StatisticsError('invalid connector URL') from None
    try:
        answer = client.get(url)
    except client.TransportError as error:
        raise StatisticsError(error.reason) from None
    return read_statistic(answer)


def import_pygal():
    """The ``pygal`` module, or None when it is not installed (the charts are then left out)."""
    try:
        import pygal
    except ImportError:
        return None
    return pygal


def without_scripts(root):
    """pygal's XML filter: the tree without its ``script`` elements (it embeds its configuration as one)."""
    for parent in list(root.iter()):
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.rsplit('}', 1)[-1] == 'script':
                parent.remove(child)
    return root


def draw(pygal, title, data, kind):
    """The SVG of ``data`` (a cleaned statistic), as markup safe to put in a page.

    Strings reach the SVG only as text and attribute values, which the XML
    serializer escapes; the SVG has no script and no XML declaration, so it
    can be put inline in an HTML page.
    """
    style = pygal.style.Style(
        background='transparent',
        plot_background='transparent',
        font_family='sans-serif',
        colors=('#1f77b4', '#2ca02c', '#7f7f7f', '#d62728', '#9467bd'),
    )
    many = len(data['x_labels']) > 24
    config = {
        'style': style,
        'js': [],
        'disable_xml_declaration': True,
        'width': 800,
        'height': 320,
        'legend_at_bottom': True,
        'x_label_rotation': 45 if many else 0,
        'show_minor_x_labels': not many,
        'x_labels_major_every': 7 if many else None,
        'no_data_text': gettext('No calls in this period'),
        'allow_interruptions': True,
    }
    series = data['series']
    if kind == 'minutes':
        chart = pygal.Line(**config)
        series = [
            {
                'label': serie['label'],
                'data': [None if value is None else round(value / 60, 1) for value in serie['data']],
            }
            for serie in series
        ]
    else:
        chart = pygal.StackedBar(**config)
    chart.x_labels = data['x_labels']
    for serie in series:
        chart.add(serie['label'], serie['data'])
    chart.add_xml_filter(without_scripts)

    def describe(root):
        # pygal titles an untitled chart "Pygal": the chart's name instead.
        root.set('role', 'img')
        root.set('aria-label', str(title))
        for child in root:
            if isinstance(child.tag, str) and child.tag.rsplit('}', 1)[-1] == 'title':
                child.text = str(title)
        return root

    chart.add_xml_filter(describe)
    return mark_safe(chart.render(is_unicode=True))


def period_params(period, today=None):
    """The ``start`` and ``end`` filters of the last ``period`` days, today included (``end`` is excluded)."""
    today = today or timezone.localdate()
    start = today - datetime.timedelta(days=period - 1)
    return [('start', start.isoformat()), ('end', (today + datetime.timedelta(days=1)).isoformat())]


def charts(cell, period=DEFAULT_PERIOD):
    """The charts of the calls of the last ``period`` days (1 to 366): ``[{"title", "svg"}]``.

    ``svg`` is inline SVG markup, already safe for the page
    (``statistics_charts.html`` renders the list). Fails soft: an empty list,
    and one logged line saying why (the connector's base URL, never the
    query, which holds the signature or the key), when the cell has no
    connector, the connector does not give a statistic, or pygal is not
    installed. At most one request per chart, each bounded by the cell's
    timeout; the first failure stops the others.
    """
    period = max(1, min(int(period), MAX_PERIOD))
    if not cell.connector_url.strip():
        return []
    pygal = import_pygal()
    if pygal is None:
        logger.warning('phone call cell %s: statistics charts left out: pygal is not installed', cell.pk)
        return []
    drawn = []
    for title, endpoint, filters, kind in CHARTS:
        try:
            data = fetch_statistic(cell, endpoint, [*filters.items(), *period_params(period)])
        except StatisticsError as error:
            logger.warning(
                'phone call cell %s: connector %s: statistic %s: %s',
                cell.pk,
                client.loggable_url(cell.connector_url),
                endpoint,
                error,
            )
            return []
        drawn.append({'title': str(title), 'svg': draw(pygal, title, data, kind)})
    return drawn
