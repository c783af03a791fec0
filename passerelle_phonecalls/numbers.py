"""Who is calling: the one reading of a caller, as an IPBX writes it.

IPBXs write the caller as their configuration, their SIP stack or their
operator hands it to them::

    0143250135            01 43 25 01 35          01.43.25.01.35        (01) 43-25-01-35
    +33143250135          0033143250135           +33 (0)1 43 25 01 35  ٠١٤٣٢٥٠١٣٥
    tel:+33-1-43-25-01-35 sip:0143250135@pbx.mairie.local;user=phone
    "Camille Martin" <sip:+33143250135@10.0.0.1>    Camille <0143250135>
    0143250135;ext=12     0143250135#             0143250135@10.0.0.1
    1234                  sip:1234@pbx            anonymous             sip:anonymous@anonymous.invalid

``read_caller()`` turns any of them into a ``Caller``: its kind
(``external``, ``internal``, ``withheld``, ``unreadable``), its E.164 form,
its national digits, the form an agent is shown, and the identity key that
pairs a stop with its start and finds a citizen's calls. Numbers are read
by ``phonenumbers`` in the connector's default region. Everything here is a
plain function of its arguments, tested directly.
"""

import dataclasses
import functools
import re
import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

EXTERNAL = 'external'
INTERNAL = 'internal'
WITHHELD = 'withheld'
UNREADABLE = 'unreadable'
KIND_CHOICES = [
    (EXTERNAL, _('external number')),
    (INTERNAL, _('internal extension')),
    (WITHHELD, _('withheld number')),
    (UNREADABLE, _('unreadable caller')),
]

# Compared after casefold(): what IPBXs and operators put in place of a hidden number.
WITHHELD_WORDS = frozenset(
    {
        'anonymous',
        'unknown',
        'private',
        'restricted',
        'unavailable',
        'withheld',
        'blocked',
        'n/a',
        'masqué',
        'masque',
        'inconnu',
        'privé',
        'prive',
        'anonyme',
    }
)
# Every withheld caller has this identity: "anonymous" and "masqué" are the same nobody.
WITHHELD_KEY = 'withheld'

# Agents' extensions are short; a public number, even a French short number
# such as 3949, never reaches the IPBX as a caller of fewer than 7 digits.
INTERNAL_EXTENSION_MAX_DIGITS = 6

# Characters people and IPBXs put between digits; removing them leaves the number.
SEPARATORS_RE = re.compile(r'[\s.\-/()\[\]\u2010-\u2015\u2212\ufe58\ufe63\uff08\uff09\uff0d\uff0e\uff0f]')
DIGITS_RE = re.compile(r'\+?[0-9]+')
# ``"Name" <uri>`` or ``Name <uri>``, then header parameters (``;tag=...``).
NAME_ADDR_RE = re.compile(r'(?:"(?:[^"\\]|\\.)*"\s*|[^"<]*)<(?P<uri>[^<>]*)>\s*(?:;.*)?', re.DOTALL)
SCHEME_RE = re.compile(r'(?:sips?|tel):', re.IGNORECASE)

# The hidden characters of ASCII (``is_hidden_character``), to delete with str.translate.
ASCII_CONTROLS = dict.fromkeys([*range(0x20), 0x7F])

# Code points that show nothing, refused in numbers (see ``is_hidden_character``):
# Default_Ignorable_Code_Point of Unicode 15.1 (DerivedCoreProperties.txt), which
# holds the format characters, the Hangul fillers (U+115F, U+1160, U+3164,
# U+FFA0), the combining grapheme joiner (U+034F), the Khmer inherent vowels
# (U+17B4, U+17B5), the Mongolian and other variation selectors and the tags;
# and characters outside it that are drawn as nothing: the Braille blank
# (U+2800), the Khitan filler (U+16FE4), the musical null notehead (U+1D159).
INVISIBLE_RANGES = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x2800, 0x2800),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x16FE4, 0x16FE4),
    (0x1BCA0, 0x1BCA3),
    (0x1D159, 0x1D159),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
# Control, format, line and paragraph separators, surrogates, private use, unassigned.
HIDDEN_CATEGORIES = frozenset({'Cc', 'Cf', 'Cs', 'Co', 'Cn', 'Zl', 'Zp'})


@dataclasses.dataclass(frozen=True)
class Caller:
    """What the connector reads in a caller.

    ``kind`` is ``external`` (a valid phone number), ``internal`` (a short
    extension), ``withheld`` (the IPBX says the number is hidden) or
    ``unreadable`` (anything else: shown as text, never searched for).
    ``e164`` (``'+33143250135'``) is set for an external number only,
    ``national`` (``'0143250135'``) for an external number of the default
    region only. ``display`` is what an agent is shown: ``'01 43 25 01 35'``
    for a number of the default region, the international format for a
    foreign one, the extension's digits, ``None`` when withheld, the caller
    as received when unreadable. ``key`` is the caller's identity: every
    writing of one caller has the same key.
    """

    kind: str
    e164: str | None
    national: str | None
    display: str | None
    key: str

    @property
    def withheld(self):
        return self.kind == WITHHELD


def is_hidden_character(char):
    """Tell whether ``char`` is drawn as nothing, or is a control or a line break.

    Such characters make two different callers look the same to an agent (or
    hide text from them) while pairing differently; no IPBX writes them in a
    number, so the connector refuses numbers holding them.
    """
    if unicodedata.category(char) in HIDDEN_CATEGORIES:
        return True
    code = ord(char)
    return any(low <= code <= high for low, high in INVISIBLE_RANGES)


def has_hidden_characters(text):
    return any(is_hidden_character(char) for char in text or '')


def remove_hidden_characters(text):
    """Return ``text`` without its hidden characters (``is_hidden_character``)."""
    return ''.join(char for char in text or '' if not is_hidden_character(char))


def caller_subject(text):
    """The part of a caller writing that names the caller.

    The address of a display-name form (``"Camille" <sip:...>``), without its
    ``sip:``/``sips:``/``tel:`` scheme; the user part of a SIP URI or of
    ``number@host``; without URI parameters (``;user=phone``, ``;ext=12``),
    headers (``?...``) or a ``#`` suffix.
    """
    text = text.strip()
    match = NAME_ADDR_RE.fullmatch(text)
    if match:
        text = match.group('uri').strip()
    scheme = SCHEME_RE.match(text)
    if scheme:
        text = text[scheme.end() :]
    for end_mark in '@;?#':
        text = text.split(end_mark, 1)[0]
    return text.strip()


def ascii_digit(char):
    """``char`` as an ASCII digit if it is a decimal digit of any script (``٤``, ``４``), ``+`` for ``＋``."""
    if char == '\uff0b':
        return '+'
    value = unicodedata.decimal(char, None)
    return char if value is None else str(value)


def parse_number(raw, region):
    """Return the ``phonenumbers`` number for ``raw``, or ``None`` if it is not a valid number."""
    try:
        number = phonenumbers.parse(raw, (region or '').upper() or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return number


def is_of_region(number, region):
    """Tell whether ``number`` is dialled as a national number in ``region`` (same country code)."""
    return number.country_code == phonenumbers.country_code_for_region((region or '').upper())


@functools.lru_cache(maxsize=4096)
def read_caller(text, region):
    """Read the caller ``text`` (as the IPBX sent it) in the default ``region`` (e.g. ``'FR'``).

    The endpoints refuse a caller holding hidden characters
    (``is_hidden_character``); any that reach this function otherwise (a
    call stored before they were refused, a direct call) are ignored, so
    that they never make a caller another. Cached: every webhook and every
    lookup of a caller reads the same few numbers again.
    """
    text = remove_hidden_characters(text).strip()
    subject = caller_subject(text)
    if subject.casefold() in WITHHELD_WORDS or not any(char.isalnum() for char in subject):
        return Caller(kind=WITHHELD, e164=None, national=None, display=None, key=WITHHELD_KEY)
    compact = SEPARATORS_RE.sub('', ''.join(map(ascii_digit, subject)))
    if not DIGITS_RE.fullmatch(compact):
        return Caller(kind=UNREADABLE, e164=None, national=None, display=text, key=subject)
    if not compact.startswith('+') and len(compact) <= INTERNAL_EXTENSION_MAX_DIGITS:
        return Caller(kind=INTERNAL, e164=None, national=None, display=compact, key=compact)
    number = parse_number(compact, region)
    if number is None:
        return Caller(kind=UNREADABLE, e164=None, national=None, display=text, key=compact)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if is_of_region(number, region):
        display = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        national = ''.join(char for char in display if char.isdigit()) or None
    else:
        display = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        # A foreign number has no national digits a local agent would search for.
        national = None
    return Caller(kind=EXTERNAL, e164=e164, national=national, display=display, key=e164)


def validate_region(value):
    """Model field validator: ``value`` must be a region ``phonenumbers`` knows (``FR``, ``BE``...)."""
    if value not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError(
            _('%(value)s is not a known region code (two capital letters, e.g. FR or BE).'),
            code='invalid_region',
            params={'value': value},
        )


def number_digit_forms(e164):
    """The digit strings that a writing of the number ``e164`` holds, whatever its separators.

    Its international digits (country code and national number,
    ``33143250135``, which ``+33 1 43 25 01 35`` and ``0033143250135``
    hold) and its national digits in its own country (``0143250135``,
    which ``+33 (0)1 43 25 01 35`` holds too).
    """
    number = phonenumbers.parse(e164, None)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    forms = {
        str(number.country_code) + phonenumbers.national_significant_number(number),
        ''.join(char for char in national if char.isdigit()),
    }
    return frozenset(form for form in forms if form)


def mentions_number(text, forms):
    """Tell whether ``text`` holds one of the digit ``forms`` of a number (``number_digit_forms``).

    The text is read as digits once the separators between them are removed:
    spaces, dots, dashes, slashes and brackets (``SEPARATORS_RE``) join what
    they separate, digits of any script count (``ascii_digit``), hidden
    characters are ignored, and any other character ends a run of digits. A
    form found inside a longer run counts: a suffix (``0143250135,,12``,
    ``0143250135 x12``, ``0143250135-1700000000``) or a prefix (``+33 (0)``)
    does not hide the number. The forms being digits only, looking for them
    in the text without its separators is the same as looking in each run.
    """
    if not text:
        return False
    if text.isascii():
        # The common case, kept in C: the hidden characters of ASCII are its controls.
        text = text.translate(ASCII_CONTROLS)
    else:
        text = ''.join(map(ascii_digit, remove_hidden_characters(text)))
    squashed = SEPARATORS_RE.sub('', text)
    return any(form in squashed for form in forms)
