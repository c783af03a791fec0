"""The cell's models and its migrations agree."""

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_cell_models_need_no_new_migration():
    output = io.StringIO()

    call_command('makemigrations', 'combo_phone_cell', '--check', '--dry-run', stdout=output)

    assert 'No changes detected' in output.getvalue()
