"""Every way the cell's request to its connector can fail, in one table, and the error that carries one.

The client and the connector's reader raise ``ConnectorError(cause, ...)``;
the row of its cause in ``CAUSES`` says the rest: the state and HTTP status
of the poll's answer (contract B, which the widget shows), the agent's
message, and the step of "Test the connection" that fails with its text.
The health record keeps the causes it saw and reads their messages here.
Adding a cause is adding a row (and the French of its texts).
"""

from typing import NamedTuple

from django.utils.translation import gettext_lazy as _

from . import client


class Cause(NamedTuple):
    """A failure: ``state`` ``unavailable`` (temporary) or ``config_error`` (an administrator must act).

    ``message``, the agent's, takes ``seconds``, ``status``, ``desc``; the
    test's failing ``step`` has ``text`` (or a dict of texts by credential
    kind) taking ``server``, ``slug``, ``status``, ``seconds``, ``orig``,
    or with ``%s`` the one named by ``value``; ``proven``: the steps shown
    to work; ``unknown_endpoint``: may be how an older connector answers an
    endpoint it lacks (then the poll asks ``calls``, see ``snapshot``).
    """

    state: str
    message: str
    step: str
    text: object
    proven: tuple = ()
    value: str = ''
    http_status: int = 502
    unknown_endpoint: bool = False


TEMPORARY, CONFIG = 'unavailable', 'config_error'
SERVER, CONNECTOR = ('answers',), ('answers', 'exists', 'access')

# The agent's messages.
NO_URL = _('No telephony connector is configured for this cell.')
INVALID_URL = _('The connector URL of this cell is not valid.')
UNREACHABLE = _('The telephony connector could not be reached.')
TIMEOUT = _('The telephony connector did not answer within %(seconds)s seconds.')
SERVER_ERROR = _('The telephony connector is failing (HTTP status %(status)s).')
REDIRECT = _(
    'The telephony connector address redirects elsewhere: the URL set in the cell is probably wrong.'
)
REFUSED = _('The telephony connector refused the request of the cell (signature or API key).')
NO_CONNECTOR = _('No telephony connector was found at the address set in the cell.')
NOT_A_CONNECTOR = _('The address set in the cell is not a telephony connector.')
CONNECTOR_ERROR = _('The telephony connector reported an error: %(desc)s')
HTTP_ERROR = _('The telephony connector answered with HTTP status %(status)s.')
TOO_OLD = _('The telephony connector is too old for this cell: it must be updated.')

# The texts of the connection test's failing steps.
NOTHING_ANSWERS = _(
    'Nothing answers at %s: the connection failed. Check the server name and the port in the URL, '
    'and that Passerelle is running and reachable from Combo.'
)
NO_ANSWER_IN_TIME = _(
    'No answer from %(server)s within %(seconds)s seconds. Check the server name and the port, '
    'and that no firewall drops the connection.'
)
INTERNAL_ERROR = _(
    'The server %(server)s answered with an internal error (HTTP %(status)s): Passerelle, or a proxy '
    'in front of it, is failing. See its logs, then test again.'
)
REDIRECTED = _(
    "The server answers with a redirection (HTTP %s) instead of the connector's answer: the "
    'URL is probably incomplete, or uses http:// instead of https://. Copy the address shown on '
    "the connector's page in Passerelle."
)
ACCESS_REFUSED = {
    'signature': _(
        'Passerelle refused the request signed as « %(orig)s » (HTTP %(status)s). In Passerelle, an API '
        'user of key type signature must be named « %(orig)s », have as its key the secret this Combo '
        'shares with Passerelle, and be granted access to this connector (can_access).'
    ),
    'key': _(
        'Passerelle refused the API key (HTTP %(status)s): no API user has this key, or that API user is '
        'not granted access to this connector. Check the key of the API user in Passerelle and its '
        'access right (can_access) on this connector.'
    ),
    None: _(
        'Passerelle refused the request, which carried neither signature nor key (HTTP %(status)s). Use the '
        'address of a known Passerelle service so that the request is signed, or set the API key of an API '
        'user granted access to this connector.'
    ),
}
NO_SUCH_CONNECTOR = _(
    'Passerelle has no phonecalls connector « %s » at this address (HTTP 404). Check the '
    "identifier at the end of the URL against the connector's page in Passerelle."
)
NOT_PHONECALLS = _(
    'The server answers, but not as a phonecalls connector. Check that the URL is the address of a '
    'phonecalls connector, as shown on its page in Passerelle: …/phonecalls/<identifier>/.'
)
# Never the remote text: the URL may be anyone's server.
CHECK_EXTENSION = _('The connector answered with an error (HTTP %s). Check the extension.')
UPDATE_CONNECTOR = _(
    'The phonecalls connector answers, but is too old for this cell: its calls do not say what '
    "kind of caller they are. Update the connector's package in Passerelle."
)

NOT_A_CONNECTOR_CAUSE = Cause(
    CONFIG, NOT_A_CONNECTOR, 'phonecalls', NOT_PHONECALLS, SERVER, unknown_endpoint=True
)
CAUSES = {
    'no_url': Cause(CONFIG, NO_URL, 'url', NO_URL),
    'invalid_url': Cause(CONFIG, INVALID_URL, 'url', INVALID_URL),
    'unreachable': Cause(TEMPORARY, UNREACHABLE, 'answers', NOTHING_ANSWERS, value='server'),
    'timeout': Cause(TEMPORARY, TIMEOUT, 'answers', NO_ANSWER_IN_TIME, http_status=504),
    'server_error': Cause(TEMPORARY, SERVER_ERROR, 'answers', INTERNAL_ERROR),
    'redirect': Cause(CONFIG, REDIRECT, 'phonecalls', REDIRECTED, SERVER, 'status'),
    'refused': Cause(CONFIG, REFUSED, 'access', ACCESS_REFUSED, ('answers', 'exists')),
    'no_connector': Cause(
        CONFIG, NO_CONNECTOR, 'exists', NO_SUCH_CONNECTOR, SERVER, 'slug', unknown_endpoint=True
    ),
    'not_found': NOT_A_CONNECTOR_CAUSE,
    'not_json': NOT_A_CONNECTOR_CAUSE,
    'too_large': NOT_A_CONNECTOR_CAUSE,
    'not_phonecalls': NOT_A_CONNECTOR_CAUSE,
    'connector_error': Cause(
        CONFIG, CONNECTOR_ERROR, 'calls', CHECK_EXTENSION, CONNECTOR, 'status', unknown_endpoint=True
    ),
    'http_error': Cause(CONFIG, HTTP_ERROR, 'phonecalls', NOT_PHONECALLS, SERVER, unknown_endpoint=True),
    'too_old': Cause(CONFIG, TOO_OLD, 'phonecalls', UPDATE_CONNECTOR, CONNECTOR, unknown_endpoint=True),
}


def message(cause, upstream_status=None, err_desc=''):
    """The agent's message for ``cause``, in the current language."""
    values = {'seconds': f'{client.get_timeout():g}', 'status': upstream_status, 'desc': err_desc}
    return CAUSES[cause].message % values


def step_text(cause, values, kind=None):
    """The text of the connection test's failing step for ``cause``; ``values`` as ``Cause`` says."""
    row = CAUSES[cause]
    text = row.text[kind] if isinstance(row.text, dict) else row.text
    return text % (values[row.value] if row.value else values)


class ConnectorError(Exception):
    """The connector could not give the calls, for ``cause`` (a key of ``CAUSES``).

    ``reason`` is short English for the log; ``upstream_status`` the
    connector's HTTP status, when it answered; ``err_desc`` its own error
    description, when it gave one (in the agent's message, never in the
    connection test's report: the tested URL may be anyone's server).
    """

    def __init__(self, cause, reason, upstream_status=None, err_desc=''):
        super().__init__(reason)
        self.cause, self.reason = cause, reason
        self.upstream_status, self.err_desc = upstream_status, err_desc
        row = CAUSES[cause]
        self.state, self.http_status, self.unknown_endpoint = row.state, row.http_status, row.unknown_endpoint

    @property
    def message(self):
        """The agent's message, translated."""
        return message(self.cause, self.upstream_status, self.err_desc)
