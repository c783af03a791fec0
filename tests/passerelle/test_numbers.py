"""Caller numbers: normalisation, withheld numbers, internal extensions."""

import pytest
from django.core.exceptions import ValidationError

from passerelle_phonecalls.numbers import (
    is_internal_extension,
    is_withheld,
    national_from_e164,
    normalise_number,
    validate_region,
)


@pytest.mark.parametrize(
    'raw',
    [
        '0143250135',
        '01 43 25 01 35',
        '01.43.25.01.35',
        '01-43-25-01-35',
        '+33143250135',
        '+33 1 43 25 01 35',
        '0033143250135',
    ],
)
def test_french_number_in_any_format_normalises_to_the_same_forms(raw):
    number = normalise_number(raw, 'FR')
    assert number.e164 == '+33143250135'
    assert number.national == '0143250135'
    assert number.withheld is False


def test_e164_input_gives_the_national_digits_of_the_reference_text():
    assert normalise_number('+33143250135', 'FR').national == '0143250135'


def test_mobile_number_keeps_its_national_prefix():
    assert normalise_number('+33 6 12 34 56 78', 'FR').national == '0612345678'


def test_number_without_national_prefix_is_read_in_the_default_region():
    number = normalise_number('143250135', 'FR')
    assert (number.e164, number.national) == ('+33143250135', '0143250135')


def test_default_region_decides_how_a_local_number_is_read():
    number = normalise_number('02 279 22 11', 'BE')
    assert number.e164 == '+3222792211'
    assert number.national == '022792211'
    assert normalise_number('02 279 22 11', 'FR').e164 is None


def test_foreign_number_has_e164_but_no_national_digits():
    number = normalise_number('+44 20 7946 0958', 'FR')
    assert number.e164 == '+442079460958'
    assert number.national is None
    assert number.withheld is False


@pytest.mark.parametrize(
    'raw',
    [
        'anonymous',
        'Anonymous',
        'UNKNOWN',
        'private',
        'restricted',
        'unavailable',
        'withheld',
        'masqué',
        'Masque',
        'inconnu',
        'privé',
        'prive',
        'anonyme',
        ' anonymous ',
        '',
        '   ',
        '-',
        '()',
        'n/a',
    ],
)
def test_withheld_numbers_have_no_normalised_form(raw):
    number = normalise_number(raw, 'FR')
    assert number.withheld is True
    assert number.e164 is None
    assert number.national is None


def test_a_number_is_not_withheld():
    assert is_withheld('0143250135') is False


@pytest.mark.parametrize('raw', ['42', '1234', '12 34', '123456'])
def test_short_numbers_are_internal_extensions(raw):
    assert is_internal_extension(raw) is True


@pytest.mark.parametrize('raw', ['0143250135', '1234567', '+42', 'anonymous', '', '４２'])
def test_public_numbers_and_words_are_not_internal_extensions(raw):
    assert is_internal_extension(raw) is False


def test_internal_extension_has_no_normalised_form_and_is_not_withheld():
    number = normalise_number('42', 'FR')
    assert (number.e164, number.national, number.withheld) == (None, None, False)


def test_digits_that_are_no_valid_number_have_no_normalised_form():
    number = normalise_number('99999999999999', 'FR')
    assert (number.e164, number.national, number.withheld) == (None, None, False)


def test_unknown_region_does_not_break_normalisation():
    number = normalise_number('0143250135', 'ZZ')
    assert (number.e164, number.national) == (None, None)
    assert normalise_number('+33143250135', 'ZZ').e164 == '+33143250135'


def test_national_digits_come_from_the_stored_e164_number():
    assert national_from_e164('+33143250135', 'FR') == '0143250135'
    assert national_from_e164('+33143250135', 'BE') is None
    assert national_from_e164('', 'FR') is None


def test_region_validator_accepts_known_regions_only():
    validate_region('FR')
    validate_region('BE')
    with pytest.raises(ValidationError):
        validate_region('fr')
    with pytest.raises(ValidationError):
        validate_region('XX')
