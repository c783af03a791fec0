"""The cell's migrations: they agree with the models, and upgrading keeps one holder per extension."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@pytest.mark.django_db
def test_cell_models_need_no_new_migration():
    output = io.StringIO()

    call_command('makemigrations', 'combo_phone_cell', '--check', '--dry-run', stdout=output)

    assert 'No changes detected' in output.getvalue()


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def latest_schema_afterwards():
    """The other tests run on the latest schema, whatever the migrations after this one."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_a_shared_extension_stays_with_the_agent_who_set_it_first_and_the_others_are_told(
    latest_schema_afterwards, user_factory
):
    old_apps = migrate([('combo_phone_cell', '0002_forms_offer')])
    AgentExtension = old_apps.get_model('combo_phone_cell', 'AgentExtension')
    first, second, other = (user_factory(name) for name in ('camille', 'intrus', 'dominique'))
    for user, extension in ((first, '42'), (second, '42'), (other, '43')):
        AgentExtension.objects.create(user_id=user.pk, extension=extension)

    new_apps = migrate([('combo_phone_cell', '0003_extension_holding')])

    held = new_apps.get_model('combo_phone_cell', 'AgentExtension').objects.order_by('user__username')
    assert [(holding.user.username, holding.extension, holding.released) for holding in held] == [
        ('camille', '42', ''),
        ('dominique', '43', ''),
        ('intrus', '', '42'),
    ]
