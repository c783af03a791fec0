"""The "Test the connection" of the cell's settings: the poll's own request, explained step by step.

The test sends exactly what an agent's poll sends (``connector.fetch_calls``,
signed or with the key) for the extension the administrator picks, and
turns the answer, or the failure, into steps an administrator can act on:
the URL, the credentials, whether Passerelle answers, whether the connector
exists, whether access is granted, whether it is a phonecalls connector, and
the calls of the extension. It runs from the settings form's button and
each time the settings are saved.

What it may reach (docs/security.rst): the URL an administrator types, as
the cell itself would once saved; a signature only goes to a known service
(``connector.credential``), the saved key only to the server of the saved
URL (``forms.saved_key_withheld``), and the report gives statuses and steps,
never the text the remote server wrote.
"""

import urllib.parse

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import client, failures
from .connector import credential, fetch_calls
from .extensions import clean_extension
from .failures import ConnectorError

STEPS = ('url', 'credentials', 'answers', 'exists', 'access', 'phonecalls', 'calls')


def step_titles():
    return {
        'url': _('Connector URL'),
        'credentials': _('Credentials'),
        'answers': _('Passerelle answers'),
        'exists': _('The connector exists'),
        'access': _('Access'),
        'phonecalls': _('Phonecalls connector'),
        'calls': _('Calls of the extension'),
    }


class Report:
    """Steps in ``STEPS`` order, each ``ok``, ``warning``, ``error`` or ``skipped`` (not checked).

    ``state`` sums it up: ``failed`` when a step is an error, ``incomplete``
    when the request could not be sent for want of an extension (the steps
    it decides were not tried, so nothing says they fail), else ``ok``.
    """

    def __init__(self):
        self.results = {}
        self.incomplete = False

    def set(self, name, status, text):
        self.results[name] = (status, text)

    def as_list(self):
        titles = step_titles()
        steps = []
        for name in STEPS:
            status, text = self.results.get(name, ('skipped', ''))
            steps.append({'step': name, 'title': titles[name], 'status': status, 'text': text})
        return steps

    @property
    def state(self):
        if any(status == 'error' for status, _text in self.results.values()):
            return 'failed'
        return 'incomplete' if self.incomplete else 'ok'

    @property
    def ok(self):
        return self.state == 'ok'

    def as_json(self):
        """What the check view answers and the settings form keeps: ``{"ok", "state", "steps"}``."""
        return {'ok': self.ok, 'state': self.state, 'steps': self.as_list()}

    def as_saved_check(self):
        """The report as the cell keeps it in ``last_check`` when its settings are saved."""
        return {'at': timezone.now().isoformat(), **self.as_json()}


def _server(url):
    parts = urllib.parse.urlsplit(url)
    return f'{parts.hostname}:{parts.port}' if parts.port else parts.hostname


def _slug(url):
    segments = [segment for segment in urllib.parse.urlsplit(url).path.split('/') if segment]
    return segments[-1] if segments else ''


def invalid_url(text):
    """The report of a connector URL the settings form refuses, ``text`` saying why."""
    report = Report()
    report.set('url', 'error', text)
    return report


def check_connection(cell, extension, withheld_for=None):
    """Run the test for ``cell`` (saved or not) and ``extension``; return its ``Report``.

    ``withheld_for`` names the server of the saved URL when the saved API
    key was kept from the tested URL, which is on another server: nothing
    is sent then unless the URL is on a known service (signed).
    """
    report = Report()
    url = cell.connector_url.strip()
    if not url:
        report.set(
            'url',
            'error',
            _(
                'The connector URL is empty. Enter the address of the phonecalls connector, '
                'for example https://passerelle.example.net/phonecalls/ipbx/.'
            ),
        )
        return report
    try:
        server, slug = _server(url), _slug(url)
    except ValueError:
        report.set(
            'url', 'error', _('The connector URL cannot be read. Enter an http:// or https:// address.')
        )
        return report
    report.set(
        'url',
        'ok',
        _('The URL is read: server %(server)s, connector « %(slug)s ».') % {'server': server, 'slug': slug},
    )

    kind, service = credential(cell.connector_url, cell.api_key)
    if kind == 'signature':
        values = {'service': service.title or service.url, 'orig': service.orig}
        signed = (
            _(
                'The URL is on the known Passerelle service « %(service)s »: the request is signed as « %(orig)s ».'
            )
            % values
        )
        if cell.api_key:
            unused = _('The API key is not used: remove it, requests to a known service are signed.')
            report.set('credentials', 'warning', f'{signed} {unused}')
        else:
            report.set('credentials', 'ok', signed)
    elif withheld_for:
        report.set(
            'credentials',
            'error',
            _(
                'This URL is on another server than the saved one (%s): the saved API key is only sent to '
                'the server it was saved for. Type the API key again to test this address.'
            )
            % withheld_for,
        )
        return report
    elif kind == 'key':
        report.set(
            'credentials',
            'ok',
            _('The URL is not on a known Passerelle service: the request carries the API key.'),
        )
    else:
        report.set('credentials', 'warning', unsigned_warning())

    extension = clean_extension(extension)
    if extension is None:
        # The request needs an extension: the steps it decides are not tried.
        report.incomplete = True
        report.set(
            'answers',
            'skipped',
            _(
                'Not tested yet: the next steps need an extension. Enter the extension to test, for example '
                '42, or set your own.'
            ),
        )
        return report

    try:
        current, past = fetch_calls(cell, extension)
    except ConnectorError as error:
        explain_failure(report, error, kind, service, server, slug)
        return report

    report.set('answers', 'ok', _('Passerelle answers at %s.') % server)
    report.set('exists', 'ok', _('The connector « %s » exists.') % slug)
    report.set('access', 'ok', access_granted(kind, service))
    report.set('phonecalls', 'ok', _("The answer is a phonecalls connector's."))
    recent = len(past)
    report.set(
        'calls',
        'ok',
        _('Extension %(extension)s: %(current)s, %(recent)s.')
        % {
            'extension': extension,
            'current': ngettext('%d call in progress', '%d calls in progress', len(current)) % len(current),
            'recent': ngettext('%d recent call', '%d recent calls', recent) % recent,
        },
    )
    return report


def unsigned_warning():
    return _(
        'The URL is not on a known Passerelle service and no API key is set: the request goes without '
        'credentials, and Passerelle refuses it unless the connector is open to everyone. Use the address '
        'of a known Passerelle service (suggested in the URL field), or set an API key.'
    )


def access_granted(kind, service):
    if kind == 'signature':
        return _('Access granted to the signed request of « %s ».') % service.orig
    if kind == 'key':
        return _('Access granted to the API key.')
    return _('Access granted without credentials: this connector is open to everyone.')


def explain_failure(report, error, kind, service, server, slug):
    """Set the steps that ``error`` (a ``ConnectorError`` of the test's request) decides (``failures.CAUSES``)."""
    passed = {
        'answers': _('A server answers at %s.') % server,
        'exists': _('The connector « %s » exists.') % slug,
        'access': access_granted(kind, service),
    }
    for step in failures.CAUSES[error.cause].proven:
        report.set(step, 'ok', passed[step])
    values = {
        'server': server,
        'slug': slug,
        'status': error.upstream_status,
        'seconds': f'{client.get_timeout():g}',
        'orig': service.orig if service else '',
    }
    report.set(failures.CAUSES[error.cause].step, 'error', failures.step_text(error.cause, values, kind))
