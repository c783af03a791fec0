"""Who is calling: the reading of every caller writing an IPBX sends."""

import unicodedata

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from passerelle_phonecalls.numbers import (
    EXTERNAL,
    INTERNAL,
    UNREADABLE,
    WITHHELD,
    has_hidden_characters,
    is_hidden_character,
    mentions_number,
    number_digit_forms,
    read_caller,
    validate_region,
)

PARIS = ('+33143250135', '0143250135', '01 43 25 01 35')
MOBILE = ('+33612345678', '0612345678', '06 12 34 56 78')

# (writing, kind, E.164, national digits, display form), read in region FR.
WRITINGS = [
    # Digits as people and IPBXs write them.
    ('0143250135', EXTERNAL, *PARIS),
    ('01 43 25 01 35', EXTERNAL, *PARIS),
    ('01.43.25.01.35', EXTERNAL, *PARIS),
    ('01-43-25-01-35', EXTERNAL, *PARIS),
    ('(01) 43 25 01 35', EXTERNAL, *PARIS),
    ('01/43/25/01/35', EXTERNAL, *PARIS),
    ('01\u00a043\u00a025\u00a001\u00a035', EXTERNAL, *PARIS),
    ('143250135', EXTERNAL, *PARIS),
    ('+33143250135', EXTERNAL, *PARIS),
    ('+33 1 43 25 01 35', EXTERNAL, *PARIS),
    ('+33 (0)1 43 25 01 35', EXTERNAL, *PARIS),
    ('+33(0)143250135', EXTERNAL, *PARIS),
    ('0033143250135', EXTERNAL, *PARIS),
    ('0033 1 43 25 01 35', EXTERNAL, *PARIS),
    ('33143250135', EXTERNAL, *PARIS),
    ('+33 6 12 34 56 78', EXTERNAL, *MOBILE),
    ('06.12.34.56.78', EXTERNAL, *MOBILE),
    ('0800123456', EXTERNAL, '+33800123456', '0800123456', '0 800 12 34 56'),
    # Digits of other scripts, and the full-width forms of East Asian keyboards.
    ('٠١٤٣٢٥٠١٣٥', EXTERNAL, *PARIS),
    ('۰۱۴۳۲۵۰۱۳۵', EXTERNAL, *PARIS),
    ('０１４３２５０１３５', EXTERNAL, *PARIS),
    ('＋３３１４３２５０１３５', EXTERNAL, *PARIS),
    # URIs.
    ('tel:0143250135', EXTERNAL, *PARIS),
    ('tel:+33-1-43-25-01-35', EXTERNAL, *PARIS),
    ('tel:+33143250135;phone-context=mairie.local', EXTERNAL, *PARIS),
    ('sip:0143250135@pbx.mairie.local', EXTERNAL, *PARIS),
    ('SIP:0143250135@PBX.MAIRIE.LOCAL', EXTERNAL, *PARIS),
    ('sip:+33143250135@pbx.mairie.local;user=phone', EXTERNAL, *PARIS),
    ('sips:+33143250135@10.0.0.1:5061;transport=tls', EXTERNAL, *PARIS),
    ('sip:0143250135@pbx.mairie.local?subject=rappel', EXTERNAL, *PARIS),
    ('sip:0612345678@192.168.1.10:5060', EXTERNAL, *MOBILE),
    # Display-name forms (SIP From headers, Asterisk's CALLERID(all)).
    ('"Camille Martin" <sip:0143250135@pbx.mairie.local>', EXTERNAL, *PARIS),
    ('"Martin, \\"Camille\\"" <sip:+33143250135@pbx>;tag=a6c85cf', EXTERNAL, *PARIS),
    ('Camille Martin <sip:0143250135@pbx.mairie.local>', EXTERNAL, *PARIS),
    ('"Camille" <0143250135>', EXTERNAL, *PARIS),
    ('<tel:+33143250135>', EXTERNAL, *PARIS),
    # Extension suffixes, and a number written with its gateway's address.
    ('0143250135;ext=12', EXTERNAL, *PARIS),
    ('tel:+33143250135;ext=12', EXTERNAL, *PARIS),
    ('0143250135#', EXTERNAL, *PARIS),
    ('0143250135#12', EXTERNAL, *PARIS),
    ('0143250135@10.0.0.1', EXTERNAL, *PARIS),
    # Foreign numbers: E.164, no national digits, the international format.
    ('+44 20 7946 0958', EXTERNAL, '+442079460958', None, '+44 20 7946 0958'),
    ('+44 (0)20 7946 0958', EXTERNAL, '+442079460958', None, '+44 20 7946 0958'),
    ('0044 20 7946 0958', EXTERNAL, '+442079460958', None, '+44 20 7946 0958'),
    ('+32 2 279 22 11', EXTERNAL, '+3222792211', None, '+32 2 279 22 11'),
    ('sip:+41446681800@gw.example.ch', EXTERNAL, '+41446681800', None, '+41 44 668 18 00'),
    ('+1 202 555 0143', EXTERNAL, '+12025550143', None, '+1 202-555-0143'),
    ('+262 262 12 34 56', EXTERNAL, '+262262123456', None, '+262 262 12 34 56'),
    # Internal extensions: up to six digits, however written.
    ('42', INTERNAL, None, None, '42'),
    ('1234', INTERNAL, None, None, '1234'),
    ('12 34', INTERNAL, None, None, '1234'),
    ('123456', INTERNAL, None, None, '123456'),
    ('sip:1234@pbx.mairie.local', INTERNAL, None, None, '1234'),
    ('"Accueil" <sip:201@pbx.mairie.local>', INTERNAL, None, None, '201'),
    ('1234@10.0.0.1', INTERNAL, None, None, '1234'),
    ('４２', INTERNAL, None, None, '42'),
    ('3949', INTERNAL, None, None, '3949'),
    # Withheld numbers.
    ('anonymous', WITHHELD, None, None, None),
    ('Anonymous', WITHHELD, None, None, None),
    ('UNKNOWN', WITHHELD, None, None, None),
    ('private', WITHHELD, None, None, None),
    ('restricted', WITHHELD, None, None, None),
    ('unavailable', WITHHELD, None, None, None),
    ('masqué', WITHHELD, None, None, None),
    ('Masque', WITHHELD, None, None, None),
    ('anonyme', WITHHELD, None, None, None),
    ('n/a', WITHHELD, None, None, None),
    ('-', WITHHELD, None, None, None),
    ('()', WITHHELD, None, None, None),
    ('sip:anonymous@anonymous.invalid', WITHHELD, None, None, None),
    ('"Anonymous" <sip:anonymous@anonymous.invalid>;tag=1928301774', WITHHELD, None, None, None),
    ('sip:restricted@pbx.mairie.local', WITHHELD, None, None, None),
    ('tel:unknown', WITHHELD, None, None, None),
    # Unreadable: long extensions, invalid numbers, names, garbage. Shown as received.
    ('1234567', UNREADABLE, None, None, '1234567'),
    ('12345678901', UNREADABLE, None, None, '12345678901'),
    ('99999999999999', UNREADABLE, None, None, '99999999999999'),
    ('+42', UNREADABLE, None, None, '+42'),
    ('0143250135 poste 12', UNREADABLE, None, None, '0143250135 poste 12'),
    ('sip:accueil@pbx.mairie.local', UNREADABLE, None, None, 'sip:accueil@pbx.mairie.local'),
    ('Camille Martin', UNREADABLE, None, None, 'Camille Martin'),
    ('<img src=x onerror=alert(1)>', UNREADABLE, None, None, '<img src=x onerror=alert(1)>'),
    ('javascript:alert(1)', UNREADABLE, None, None, 'javascript:alert(1)'),
    ('0800-FLEURS', UNREADABLE, None, None, '0800-FLEURS'),
    ('01²43250135', UNREADABLE, None, None, '01²43250135'),
]


@pytest.mark.parametrize(
    'writing, kind, e164, national, display', WRITINGS, ids=[writing for writing, *_ in WRITINGS]
)
def test_each_writing_an_ipbx_sends_is_read_as_the_caller_it_names(writing, kind, e164, national, display):
    reading = read_caller(writing, 'FR')
    assert (reading.kind, reading.e164, reading.national, reading.display) == (kind, e164, national, display)


def test_the_table_holds_at_least_forty_writings_of_every_kind():
    kinds = [kind for _writing, kind, *_ in WRITINGS]
    assert len(WRITINGS) >= 40
    assert {
        kind: kinds.count(kind) >= 5 for kind in (EXTERNAL, INTERNAL, WITHHELD, UNREADABLE)
    } == dict.fromkeys((EXTERNAL, INTERNAL, WITHHELD, UNREADABLE), True)


def test_every_writing_of_one_number_has_its_e164_form_as_identity():
    keys = {read_caller(writing, 'FR').key for writing, _kind, e164, *_ in WRITINGS if e164 == '+33143250135'}
    assert keys == {'+33143250135'}


def test_every_withheld_writing_is_the_same_nobody():
    keys = {read_caller(writing, 'FR').key for writing, kind, *_ in WRITINGS if kind == WITHHELD}
    assert len(keys) == 1


def test_an_extension_is_known_by_its_digits_however_written():
    assert {
        read_caller(writing, 'FR').key for writing in ('1234', '12 34', 'sip:1234@pbx', '1234@10.0.0.1')
    } == {'1234'}


def test_unreadable_callers_of_different_texts_stay_apart():
    keys = {read_caller(writing, 'FR').key for writing, kind, *_ in WRITINGS if kind == UNREADABLE}
    assert len(keys) == sum(1 for _writing, kind, *_ in WRITINGS if kind == UNREADABLE)


def test_identity_keys_of_different_kinds_never_collide():
    readings = [read_caller(writing, 'FR') for writing, *_ in WRITINGS]
    by_key = {}
    for reading in readings:
        by_key.setdefault(reading.key, set()).add(reading.kind)
    assert all(len(kinds) == 1 for kinds in by_key.values()), by_key


def test_default_region_decides_how_a_local_number_is_read():
    brussels = read_caller('02 279 22 11', 'BE')
    assert (brussels.kind, brussels.e164, brussels.national, brussels.display) == (
        EXTERNAL,
        '+3222792211',
        '022792211',
        '02 279 22 11',
    )
    assert read_caller('02 279 22 11', 'FR').kind == UNREADABLE
    paris_from_brussels = read_caller('+33143250135', 'BE')
    assert (paris_from_brussels.national, paris_from_brussels.display) == (None, '+33 1 43 25 01 35')


def test_without_a_known_region_only_international_writings_are_numbers():
    assert read_caller('0143250135', None).kind == UNREADABLE
    assert read_caller('+33143250135', None).e164 == '+33143250135'


# Property: any writing of one number has one identity.

NUMBERS = st.sampled_from(
    ['+33143250135', '+33612345678', '+33800123456', '+442079460958', '+3222792211', '+41446681800']
)
WRAPPERS = st.sampled_from(
    [
        '{}',
        ' {} ',
        'tel:{}',
        'sip:{}@pbx.mairie.local',
        'sips:{}@10.0.0.1:5061;transport=tls',
        'sip:{}@pbx;user=phone',
        'sip:{}@pbx?subject=rappel',
        '"Camille Martin" <sip:{}@pbx.mairie.local>',
        'Camille <sip:{}@pbx>;tag=1',
        '<tel:{}>',
        '{};ext=12',
        '{}#',
        '{}#12',
        '{}@10.0.0.1',
    ]
)
SCRIPTS = st.sampled_from(['0123456789', '٠١٢٣٤٥٦٧٨٩', '۰۱۲۳۴۵۶۷۸۹', '０１２３４５６７８９'])


@st.composite
def writings(draw, e164):
    """``(writing, international)``: ``e164`` as an IPBX might write it, and whether it names its country."""
    forms = {'international': e164, 'idd': '00' + e164[1:]}
    if e164.startswith('+33'):
        forms['national'] = '0' + e164[3:]
    form = draw(st.sampled_from(sorted(forms)))
    digits = forms[form]
    separator = draw(st.sampled_from(['', ' ', '.', '-', '/', '\u00a0']))
    sizes = draw(st.lists(st.integers(min_value=1, max_value=4), min_size=len(digits), max_size=len(digits)))
    groups, position = [], 0
    for size in sizes:
        if position < len(digits):
            groups.append(digits[position : position + size])
            position += size
    script = draw(SCRIPTS)
    written = separator.join(groups)
    written = ''.join(script[int(char)] if char.isdigit() else char for char in written)
    return draw(WRAPPERS).format(written), form != 'national'


@given(e164=NUMBERS, data=st.data(), region=st.sampled_from(['BE', 'CH', 'DE']))
def test_any_writing_of_one_number_gives_the_same_identity_key(e164, data, region):
    writing, international = data.draw(writings(e164))
    assert read_caller(writing, 'FR').key == e164, writing
    if international:
        # A writing that names the country reads the same in any region.
        assert read_caller(writing, region).key == e164, writing


# Hidden characters: refused by the endpoints (test_bad_input.py), recognised here.

INVISIBLE = [
    '\u034f',  # combining grapheme joiner
    '\u115f',  # Hangul choseong filler
    '\u1160',  # Hangul jungseong filler
    '\u3164',  # Hangul filler
    '\uffa0',  # halfwidth Hangul filler
    '\u2800',  # Braille pattern blank
    '\u17b4',  # Khmer vowel inherent AQ
    '\u17b5',  # Khmer vowel inherent AA
    '\u180b',  # Mongolian free variation selector one
    '\u180e',  # Mongolian vowel separator
    '\ufe0f',  # variation selector 16
    '\U000e0100',  # variation selector 17
    '\U000e0041',  # tag latin capital letter A
    '\u200b',  # zero width space
    '\u200d',  # zero width joiner
    '\u2060',  # word joiner
    '\u2064',  # invisible plus
    '\ufeff',  # zero width no-break space
    '\u00ad',  # soft hyphen
    '\u202e',  # right-to-left override
    '\u2066',  # left-to-right isolate
    '\u061c',  # Arabic letter mark
    '\U0001d173',  # musical symbol begin beam
    '\U00016fe4',  # Khitan small script filler
    '\x00',
    '\x1b',
    '\n',
    '\u2028',
    '\ue000',  # private use
    '\U000e0000',  # unassigned, default ignorable
]


@pytest.mark.parametrize('char', INVISIBLE, ids=[f'U+{ord(char):04X}' for char in INVISIBLE])
def test_invisible_and_control_characters_are_hidden_characters(char):
    assert is_hidden_character(char)
    assert has_hidden_characters('01' + char + '43250135')


@pytest.mark.parametrize('char', INVISIBLE, ids=[f'U+{ord(char):04X}' for char in INVISIBLE])
def test_a_hidden_character_never_makes_a_caller_another(char):
    """The endpoints refuse them; a caller that reaches the reading with one is read without it."""
    reading = read_caller('01' + char + '43250135', 'FR')
    assert (reading.key, reading.display) == ('+33143250135', '01 43 25 01 35')


@pytest.mark.parametrize(
    'char', ['0', '+', ' ', '\u00a0', '\u3000', '-', 'é', 'ש', 'م', '٤', '４', '<', '"', '\u0301']
)
def test_visible_characters_and_spaces_are_not_hidden(char):
    assert not is_hidden_character(char)


def test_every_format_character_is_hidden():
    format_characters = [chr(code) for code in range(0x110000) if unicodedata.category(chr(code)) == 'Cf']
    assert all(is_hidden_character(char) for char in format_characters)


def test_region_validator_accepts_known_regions_only():
    validate_region('FR')
    validate_region('BE')
    with pytest.raises(ValidationError):
        validate_region('fr')
    with pytest.raises(ValidationError):
        validate_region('XX')


@pytest.mark.parametrize(
    'text, holds',
    [
        ('0143250135', True),
        ('0143250135,,12', True),
        ('0143250135 x12', True),
        ('+33 (0)1 43 25 01 35', True),
        ('0033 1 43 25 01 35', True),
        ('sip:+33143250135@pbx', True),
        ('0143250135-1700000000', True),
        ('٠١٤٣٢٥٠١٣٥', True),
        ('01\u200b43 25 01 35', True),
        ('0143250136', False),
        ('01,43,25,01,35', False),
        ('O1 43 25 O1 35', False),
        ('43 25 01 35', False),
        ('', False),
    ],
)
def test_a_text_mentions_a_number_when_it_holds_its_digits_between_separators(text, holds):
    assert mentions_number(text, number_digit_forms('+33143250135')) is holds


def test_a_foreign_number_is_found_by_its_own_national_and_international_digits():
    assert number_digit_forms('+3222792211') == {'3222792211', '022792211'}
