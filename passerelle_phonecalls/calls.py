"""The rules of the call lifecycle that do not need the database.

Validation of the parameters an IPBX sends, extraction of the extra
parameters kept as call details, the redirect URL template and the JSON shape
of a call. The endpoints in ``models.py`` are thin glue around these.
"""

import re
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .host import APIError
from .numbers import WITHHELD, has_hidden_characters, remove_hidden_characters

MAX_NUMBER_LENGTH = 64
MAX_CALL_ID_LENGTH = 128
DEFAULT_LIMIT = 10
MAX_LIMIT = 100

# Parameters that are part of the request itself, not of the call.
CALL_PARAMETERS = frozenset({'caller', 'callee', 'redirect'})
# Names under which IPBXs send their identifier of a call, the first given wins:
# ours, then SIP's Call-ID and Asterisk's channel and bridge identifiers.
CALL_ID_PARAMETERS = ('call_id', 'callid', 'uniqueid', 'linkedid')
# Access and signature parameters: never stored, whatever their case.
SECRET_PARAMETERS = frozenset({'apikey', 'signature', 'orig', 'nonce', 'timestamp', 'algo'})
# An IPBX may send its own credentials under another name; a name that looks
# like a secret is dropped rather than stored in clear next to the call.
# Fragments are found anywhere in the name once lower-cased and stripped of
# its separators (``sip_password``, ``X-Auth-Token``, ``sessionid``,
# ``Access-Code``, ``PIN_CODE``); they are long or odd enough not to occur in
# ordinary names.
SECRET_NAME_FRAGMENTS = (
    'key',
    'secret',
    'passw',
    'passphrase',
    'passcode',
    'pincode',
    'accesscode',
    'codeacces',
    'motdepasse',
    'pwd',
    'mdp',
    'token',
    'auth',
    'bearer',
    'hmac',
    'jwt',
    'session',
    'sessid',
    'cookie',
    'credential',
    'jeton',
    'signature',
)
# Short words are matched as whole words of the name only, so that ``pin``
# drops ``pin``, ``PiN``, ``user_pin`` and ``userPin`` but not ``shipping``,
# ``sig`` drops ``x-SIG`` but not ``signal`` or ``design``, ``pw`` drops
# ``sip.PW`` but not ``typewriter``.
SECRET_NAME_WORDS = frozenset({'pass', 'passe', 'pin', 'sig', 'pw', 'otp', 'totp', 'hotp', 'mfa'})
# Words of a parameter name, two ways, both lower-cased: the runs of letters
# and of digits whatever their case (``pIN``, ``x_PaSS``), and the words of a
# camel-case name (``userPin``: a lower-case run after an optional capital,
# a run of capitals, a run of digits).
LETTER_RUNS_RE = re.compile(r'[^\W\d_]+|\d+')
CAMEL_WORDS_RE = re.compile(r'[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+')
# What a name is squashed of before its fragments are looked for: separators,
# and digits, which cut words as separators do (``access2code``, ``pass_2_word``).
NAME_SEPARATORS_RE = re.compile(r'[\W_\d]+')
MAX_DETAILS_KEYS = 20
MAX_DETAILS_KEY_LENGTH = 64
MAX_DETAILS_VALUE_LENGTH = 256

TRUE_WORDS = frozenset({'1', 'true', 'yes', 'on'})
FALSE_WORDS = frozenset({'', '0', 'false', 'no', 'off'})

REDIRECT_PLACEHOLDERS = ('caller', 'callee', 'caller_e164', 'caller_national')
PLACEHOLDER_RE = re.compile(r'\{([^{}]*)\}')


def invalid_parameter(name, reason):
    """The ``APIError`` (HTTP 400) for parameter ``name``; ``reason`` is already translated."""
    return APIError(
        gettext("invalid parameter '%(name)s': %(reason)s") % {'name': name, 'reason': reason},
        http_status=400,
    )


def clean_number_parameter(name, value):
    """Return the stripped ``caller``/``callee`` value, or raise an ``APIError`` naming ``name``.

    The value is rejected (HTTP 400) when it is empty after stripping, longer
    than 64 characters, or holds control or invisible characters
    (``numbers.is_hidden_character``): none of these is a phone number or an
    extension, and storing them would only hide the IPBX configuration
    mistake, or let one caller pass for another.
    """
    return clean_text_parameter(name, value, MAX_NUMBER_LENGTH)


def clean_text_parameter(name, value, max_length):
    """Return the stripped ``value``, or raise an ``APIError`` naming ``name`` (see ``clean_number_parameter``)."""
    value = (value or '').strip()
    if not value:
        raise invalid_parameter(name, gettext('it must not be empty.'))
    if len(value) > max_length:
        raise invalid_parameter(name, gettext('it must not be longer than %d characters.') % max_length)
    if has_hidden_characters(value):
        raise invalid_parameter(name, gettext('it must not contain control or invisible characters.'))
    return value


def clean_call_id_parameters(values):
    """Return ``(name, call id)`` of the first call identifier given, ``('', '')`` when there is none.

    ``values`` maps each name of ``CALL_ID_PARAMETERS`` to what the request
    gave (``None`` when absent). An empty value counts as absent: an IPBX
    template whose variable is unset sends one. A given value is checked as
    ``caller`` is (at most 128 characters).
    """
    for name in CALL_ID_PARAMETERS:
        if (values.get(name) or '').strip():
            return name, clean_text_parameter(name, values[name], MAX_CALL_ID_LENGTH)
    return '', ''


def clean_linked_id_parameter(value):
    """Return the ``linkedid`` parameter checked as a call identifier, ``''`` when absent or empty."""
    if not (value or '').strip():
        return ''
    return clean_text_parameter('linkedid', value, MAX_CALL_ID_LENGTH)


def clean_limit_parameter(value):
    """Return ``limit`` as an integer between 1 and 100 (10 when absent), or raise an ``APIError``."""
    value = '' if value is None else str(value).strip()
    if not value:
        return DEFAULT_LIMIT
    try:
        limit = int(value)
    except ValueError:
        limit = None
    if limit is None or not 1 <= limit <= MAX_LIMIT:
        raise invalid_parameter('limit', gettext('it must be a whole number between 1 and %d.') % MAX_LIMIT)
    return limit


def clean_flag_parameter(name, value):
    """Return a yes/no parameter (``1``/``0``, ``true``/``false``...) as a bool, or raise an ``APIError``."""
    text = (value or '').strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise invalid_parameter(name, gettext('it must be 1 or 0.'))


def is_secret_parameter(key):
    """Tell whether the parameter ``key`` may carry a credential and must never be stored.

    True for the access and signature parameters, for a name holding one of
    ``SECRET_NAME_FRAGMENTS`` anywhere once lower-cased and stripped of its
    separators and digits, and for a name one of whose words is in
    ``SECRET_NAME_WORDS``, the words being cut at separators and digits
    whatever the case, or at the capitals of a camel-case name. Neither case
    nor separators change the answer.
    """
    lowered = key.lower()
    squashed = NAME_SEPARATORS_RE.sub('', lowered)
    if lowered in SECRET_PARAMETERS or any(fragment in squashed for fragment in SECRET_NAME_FRAGMENTS):
        return True
    words = LETTER_RUNS_RE.findall(lowered) + [word.lower() for word in CAMEL_WORDS_RE.findall(key)]
    return any(word in SECRET_NAME_WORDS for word in words)


def extract_details(request, exclude=()):
    """Return the request's extra parameters, bounded, to keep with the call.

    Every query (and, for POST, form) parameter except ``caller``,
    ``callee``, ``redirect``, the names in ``exclude`` (the call identifier
    used) and the access/signature parameters; at most 20 keys of at most 64
    characters (longer keys are dropped), values cut to 256 characters,
    control and invisible characters removed. A repeated parameter keeps
    its last value.
    """
    details = {}
    sources = [request.GET]
    if request.method == 'POST':
        sources.append(request.POST)
    for source in sources:
        for key in source:
            clean_key = remove_hidden_characters(key).strip()
            if (
                not clean_key
                or len(clean_key) > MAX_DETAILS_KEY_LENGTH
                or clean_key.lower() in CALL_PARAMETERS
                or clean_key in exclude
                or is_secret_parameter(clean_key)
            ):
                continue
            if clean_key not in details and len(details) >= MAX_DETAILS_KEYS:
                continue
            details[clean_key] = remove_hidden_characters(source.getlist(key)[-1])[:MAX_DETAILS_VALUE_LENGTH]
    return details


def merge_details(existing, extra):
    """Return ``existing`` updated with ``extra``, still within the 20 keys bound."""
    merged = dict(existing or {})
    for key, value in extra.items():
        if key in merged or len(merged) < MAX_DETAILS_KEYS:
            merged[key] = value
    return merged


def validate_redirect_url_template(value):
    """Model field validator: only the documented placeholders may appear between braces."""
    unknown = sorted(
        {name for name in PLACEHOLDER_RE.findall(value or '') if name not in REDIRECT_PLACEHOLDERS}
    )
    if unknown:
        raise ValidationError(
            _('Unknown placeholder(s): %(unknown)s. Available placeholders: %(available)s.'),
            code='invalid_placeholder',
            params={
                'unknown': ', '.join('{' + name + '}' for name in unknown),
                'available': ', '.join('{' + name + '}' for name in REDIRECT_PLACEHOLDERS),
            },
        )


def fill_redirect_url(template, values):
    """Fill the redirect URL ``template`` with URL-quoted ``values`` (``None`` becomes empty).

    Plain substitution rather than ``str.format``: the template comes from
    the administrator and the values from the network, and neither should be
    able to reach attribute lookups or positional fields.
    """

    def replace(match):
        name = match.group(1)
        if name not in values:
            return match.group(0)
        return quote(values[name] or '', safe='')

    return PLACEHOLDER_RE.sub(replace, template)


def isoformat(value):
    """ISO 8601 with the UTC offset of the site's time zone, or ``None``."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat()


def call_json(call, on_call_with=None):
    """The JSON shape of a call, the one every endpoint answers with (README, "Answers").

    The caller's reading (``kind``, ``caller_display``, ``caller_national``,
    ``caller_e164``) is the one stored when the call was received.
    ``withheld`` repeats ``kind == "withheld"`` for the clients written before
    ``kind`` existed. ``on_call_with`` is the external call the caller of this
    open internal call is on (``PhoneCalls.partners_of``), given as that
    call's caller, or ``None``; ``transferred_from``, the extension that
    handed this call over (``PhoneCalls.read_start``), or ``None``.
    """
    duration = None
    if call.end is not None:
        duration = max(0, round((call.end - call.start).total_seconds()))
    return {
        'id': call.pk,
        'caller': call.caller,
        'callee': call.callee,
        'call_id': call.call_id or None,
        'kind': call.kind,
        'caller_display': call.caller_display or None,
        'caller_national': call.caller_national or None,
        'caller_e164': call.caller_e164 or None,
        'withheld': call.kind == WITHHELD,
        'start': isoformat(call.start),
        'end': isoformat(call.end),
        'duration': duration,
        'details': call.details or {},
        'on_call_with': partner_json(on_call_with),
        'transferred_from': call.transferred_from or None,
    }


def partner_json(call):
    """The caller of ``call``, the external call an agent is on, as ``on_call_with`` gives it; ``None`` without one."""
    if call is None:
        return None
    return {
        'kind': call.kind,
        'caller_display': call.caller_display or None,
        'caller_national': call.caller_national or None,
        'caller_e164': call.caller_e164 or None,
    }


def redirect_values(caller, callee, reading):
    """The values the redirect URL placeholders are filled with; ``reading`` is the caller's ``numbers.Caller``.

    A withheld caller fills every caller placeholder with an empty string, so
    that a search page opened on pick-up does not search for "anonymous".
    """
    if reading.withheld:
        caller = ''
    return {
        'caller': caller,
        'callee': callee,
        'caller_e164': reading.e164,
        'caller_national': reading.national,
    }
