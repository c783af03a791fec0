"""Phone numbers as an IPBX sends them, and the forms Publik searches on.

The IPBX sends the caller number as its own configuration writes it
(``0143250135``, ``+33 1 43 25 01 35``, ``anonymous``...). These functions
turn it into an E.164 number and into the national digits the region writes
(``0143250135`` in France), and recognise withheld numbers and internal
extensions. They are plain functions so that tests call them directly.
"""

import dataclasses
import functools
import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Compared after casefold(): what IPBXs and operators put in place of a hidden number.
WITHHELD_WORDS = frozenset(
    {
        'anonymous',
        'unknown',
        'private',
        'restricted',
        'unavailable',
        'withheld',
        'masqué',
        'masque',
        'inconnu',
        'privé',
        'prive',
        'anonyme',
    }
)

# Characters people and IPBXs put between digits; removing them leaves the number.
SEPARATORS_RE = re.compile(r'[\s.\-/()\u00a0]')

# Agents' extensions are short; a public number, even a French short number
# such as 3949, never reaches the IPBX as a caller of fewer than 7 digits.
INTERNAL_EXTENSION_MAX_DIGITS = 6


@dataclasses.dataclass(frozen=True)
class NormalisedNumber:
    """A caller number in the forms the connector serves.

    ``e164`` is ``'+33143250135'`` when the number is a valid phone number,
    ``national`` the national digits (``'0143250135'``) when it is a number
    of the default region, ``withheld`` true when the IPBX says the number is
    hidden. All three are ``None``/``False`` for an internal extension.
    """

    e164: str | None
    national: str | None
    withheld: bool


def strip_separators(raw):
    """Return ``raw`` without spaces, dots, dashes, slashes and parentheses."""
    return SEPARATORS_RE.sub('', raw or '')


def is_withheld(raw):
    """Tell whether ``raw`` stands for a hidden number rather than a number.

    True for the usual words (``anonymous``, ``unknown``, ``masqué``...,
    case-insensitive) and for anything that holds no digit once separators
    are removed (an empty caller included).
    """
    text = (raw or '').strip().casefold()
    if text in WITHHELD_WORDS:
        return True
    return not any(char.isdigit() for char in strip_separators(text))


def is_internal_extension(raw):
    """Tell whether ``raw`` looks like a short internal extension (``42``, ``1234``)."""
    digits = strip_separators(raw)
    return digits.isascii() and digits.isdigit() and len(digits) <= INTERNAL_EXTENSION_MAX_DIGITS


def parse_number(raw, region):
    """Return the ``phonenumbers`` number for ``raw``, or ``None`` if it is not a valid number."""
    try:
        number = phonenumbers.parse(raw, (region or '').upper() or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return number


def national_digits(number, region):
    """National digits of ``number`` as ``region`` writes them, ``None`` for a foreign number.

    A foreign number has no national form a local agent would search for, so
    callers fall back to the E.164 form or to the raw number.
    """
    if number is None or number.country_code != phonenumbers.country_code_for_region((region or '').upper()):
        return None
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return ''.join(char for char in formatted if char.isdigit()) or None


def normalise_number(raw, region):
    """Normalise the caller number ``raw`` for the default ``region`` (e.g. ``'FR'``)."""
    if is_withheld(raw):
        return NormalisedNumber(e164=None, national=None, withheld=True)
    if is_internal_extension(raw):
        return NormalisedNumber(e164=None, national=None, withheld=False)
    number = parse_number(raw, region)
    if number is None:
        return NormalisedNumber(e164=None, national=None, withheld=False)
    return NormalisedNumber(
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        national=national_digits(number, region),
        withheld=False,
    )


# Every poll of the agent portal lists the same few recent calls again:
# parsing their numbers each time was a tenth of the cost of a ``calls`` answer.
@functools.lru_cache(maxsize=4096)
def national_from_e164(e164, region):
    """National digits of a stored E.164 number for ``region``, or ``None``."""
    if not e164:
        return None
    return national_digits(parse_number(e164, None), region)


def validate_region(value):
    """Model field validator: ``value`` must be a region ``phonenumbers`` knows (``FR``, ``BE``...)."""
    if value not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError(
            _('%(value)s is not a known region code (two capital letters, e.g. FR or BE).'),
            code='invalid_region',
            params={'value': value},
        )
