"""Migrations of stored calls, run with Django's migration executor on the test database."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from passerelle_phonecalls.models import Call, PhoneCalls

pytestmark = pytest.mark.django_db(transaction=True)

APP = 'passerelle_phonecalls'
BEFORE_READINGS = (APP, '0001_initial')
READINGS = (APP, '0002_caller_reading_and_call_id')
TRANSFERS = (APP, '0003_transfers')


@pytest.fixture
def migrate():
    """``migrate(target)`` moves the connector's schema to ``target`` and returns the models of that state.

    The schema is brought back to the latest migration afterwards.
    """

    def run(target):
        executor = MigrationExecutor(connection)
        executor.migrate([target])
        return executor.loader.project_state([target]).apps

    yield run
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes(APP))


def ago(minutes):
    return timezone.now() - datetime.timedelta(minutes=minutes)


def test_readings_migration_reads_every_stored_caller_and_keeps_one_open_call_per_caller(migrate):
    apps = migrate(BEFORE_READINGS)
    OldPhoneCalls = apps.get_model(APP, 'PhoneCalls')
    OldCall = apps.get_model(APP, 'Call')
    paris = OldPhoneCalls.objects.create(title='IPBX', slug='ipbx')
    brussels = OldPhoneCalls.objects.create(
        title='IPBX Bruxelles', slug='ipbx-bruxelles', default_region='BE'
    )

    def old_call(caller, callee='42', resource=paris, **fields):
        return OldCall.objects.create(resource=resource, caller=caller, callee=callee, **fields).pk

    ids = {
        # The same caller written two ways, both open on extension 42: they become one pair.
        'older': old_call('+33143250135', start=ago(10)),
        'newer': old_call('0143250135', start=ago(5)),
        'sip': old_call('sip:0143250135@pbx.mairie.local', start=ago(30), end=ago(29)),
        'invisible': old_call('01\u034f43250135', callee='43', start=ago(3)),
        'withheld': old_call('anonymous', start=ago(2)),
        'internal': old_call('1234', start=ago(1)),
        'unreadable': old_call('<img src=x onerror=alert(1)>', start=ago(50), end=ago(49)),
        'brussels': old_call('02 279 22 11', resource=brussels, start=ago(4)),
    }

    # Through the readings migration to the latest schema, which the connector's code needs.
    migrate(TRANSFERS)

    calls = {name: Call.objects.get(pk=pk) for name, pk in ids.items()}
    readings = {
        name: (
            call.caller,
            call.kind,
            call.caller_key,
            call.caller_e164,
            call.caller_national,
            call.caller_display,
        )
        for name, call in calls.items()
    }
    assert readings == {
        'older': ('+33143250135', 'external', '+33143250135', '+33143250135', '0143250135', '01 43 25 01 35'),
        'newer': ('0143250135', 'external', '+33143250135', '+33143250135', '0143250135', '01 43 25 01 35'),
        'sip': (
            'sip:0143250135@pbx.mairie.local',
            'external',
            '+33143250135',
            '+33143250135',
            '0143250135',
            '01 43 25 01 35',
        ),
        # The invisible character is gone: the call is the caller's, like the others.
        'invisible': (
            '0143250135',
            'external',
            '+33143250135',
            '+33143250135',
            '0143250135',
            '01 43 25 01 35',
        ),
        'withheld': ('anonymous', 'withheld', 'withheld', '', '', ''),
        'internal': ('1234', 'internal', '1234', '', '', '1234'),
        'unreadable': (
            '<img src=x onerror=alert(1)>',
            'unreadable',
            'img src=x onerror=alert(1)',
            '',
            '',
            '<img src=x onerror=alert(1)>',
        ),
        'brussels': ('02 279 22 11', 'external', '+3222792211', '+3222792211', '022792211', '02 279 22 11'),
    }
    assert all(call.call_id == '' for call in calls.values())
    # The older of the two open calls of one caller was over when the newer started.
    assert calls['older'].end == calls['newer'].start
    assert [name for name, call in calls.items() if call.end is None] == [
        'newer',
        'invisible',
        'withheld',
        'internal',
        'brussels',
    ]
    # Webhooks written otherwise now find the migrated calls.
    connector = PhoneCalls.objects.get(slug='ipbx')
    assert connector.call_stop('sip:+33143250135@pbx', '42').pk == ids['newer']
    assert connector.call_stop('+33143250135', '43').pk == ids['invisible']


def test_readings_migration_can_be_undone_with_calls_of_one_caller_told_apart_by_their_ids(
    migrate, call_factory
):
    first = call_factory(call_id='a@pbx', caller='anonymous', start=ago(3))
    second = call_factory(call_id='b@pbx', caller='anonymous', start=ago(2))

    apps = migrate(BEFORE_READINGS)

    OldCall = apps.get_model(APP, 'Call')
    # The raw-caller constraint of the older schema allows one of them open: the older is closed.
    assert OldCall.objects.get(pk=first.pk).end == second.start
    assert OldCall.objects.get(pk=second.pk).end is None


def test_transfers_migration_links_each_stored_call_by_its_identifier(migrate):
    apps = migrate(READINGS)
    OldPhoneCalls = apps.get_model(APP, 'PhoneCalls')
    OldCall = apps.get_model(APP, 'Call')
    ipbx = OldPhoneCalls.objects.create(title='IPBX', slug='ipbx')
    fields = {'resource': ipbx, 'callee': '42', 'kind': 'external', 'caller_key': '+33143250135'}
    with_id = OldCall.objects.create(caller='0143250135', call_id='1700000000.41', **fields).pk
    without_id = OldCall.objects.create(caller='0143250135', start=ago(5), end=ago(4), **fields).pk

    migrate(TRANSFERS)

    assert Call.objects.get(pk=with_id).linked_id == '1700000000.41'
    assert Call.objects.get(pk=without_id).linked_id is None
    assert Call.objects.get(pk=with_id).transferred_from is None
