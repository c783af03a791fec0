"""The table of the cell's failures: every cause is whole, formats with the values it is given, and reads in French."""

from pathlib import Path

import pytest
from django.utils import translation

import combo_phone_cell
from combo_phone_cell import check, failures

VALUES = {'server': 'passerelle.example:8443', 'slug': 'ipbx', 'status': 418, 'seconds': '3', 'orig': 'combo'}
CREDENTIALS = ('signature', 'key', None)


def texts(cause):
    """The agent's message and the check's step texts of ``cause``, formatted, in the active language."""
    found = [failures.message(cause, 418, 'broken')]
    return found + [failures.step_text(cause, VALUES, kind) for kind in CREDENTIALS]


@pytest.mark.parametrize('cause', sorted(failures.CAUSES))
def test_each_cause_fails_one_check_step_after_the_steps_it_proves(cause):
    row = failures.CAUSES[cause]

    assert (row.state, row.http_status) in {('unavailable', 502), ('unavailable', 504), ('config_error', 502)}
    assert row.step in check.STEPS
    assert set(row.proven) <= set(check.STEPS[: check.STEPS.index(row.step)])
    assert all(text and '%' not in text and '{' not in text for text in texts(cause))


@pytest.mark.parametrize('cause', sorted(failures.CAUSES))
def test_each_cause_reads_in_french(cause):
    catalogue = Path(combo_phone_cell.__file__).parent / 'locale/fr/LC_MESSAGES/django.mo'
    if not catalogue.exists():
        pytest.skip('French catalogue not compiled (make messages)')
    with translation.override('en'):
        english = texts(cause)
    with translation.override('fr'):
        french = texts(cause)

    assert all(text_fr != text_en for text_fr, text_en in zip(french, english, strict=True))
