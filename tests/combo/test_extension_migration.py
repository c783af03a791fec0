"""Upgrading: extensions several agents had set before they were held keep one holder."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [('combo_phone_cell', '0002_forms_offer')]
AFTER = [('combo_phone_cell', '0003_extension_holding')]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def latest_schema_afterwards():
    """The other tests run on the latest schema, whatever the migrations after this one."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_a_shared_extension_stays_with_the_agent_who_set_it_first_and_the_others_are_told(user_factory):
    old_apps = migrate(BEFORE)
    AgentExtension = old_apps.get_model('combo_phone_cell', 'AgentExtension')
    first, second, other = (user_factory(name) for name in ('camille', 'intrus', 'dominique'))
    for user, extension in ((first, '42'), (second, '42'), (other, '43')):
        AgentExtension.objects.create(user_id=user.pk, extension=extension)

    new_apps = migrate(AFTER)

    held = new_apps.get_model('combo_phone_cell', 'AgentExtension').objects.order_by('user__username')
    assert [(holding.user.username, holding.extension, holding.released) for holding in held] == [
        ('camille', '42', ''),
        ('dominique', '43', ''),
        ('intrus', '', '42'),
    ]
