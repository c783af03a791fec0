"""The hot queries of the connector are served by indexes, whatever the size of the call history.

PostgreSQL only: the point is the plan its planner chooses once the table
holds a realistic history and statistics. Each test runs the connector's own
method, captures the SQL it sends, and asks PostgreSQL to EXPLAIN it.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from passerelle_phonecalls.models import Call

pytestmark = [pytest.mark.django_db, pytest.mark.postgresql]

CALLS = 20000
CALLEES = 500
TABLE = Call._meta.db_table


@pytest.fixture
def history(connector):
    """20,000 calls over 500 extensions and 60 days, half with a call id, a few open ones, analysed.

    Extension ``1030`` has forty finished calls and an open one, like any
    busy extension of a town hall.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {TABLE} (resource_id, caller, callee, call_id, kind, caller_key, caller_e164,
                                     caller_national, caller_display, start, "end", details)
            SELECT %s, caller, (1000 + n %% %s)::text, CASE WHEN n %% 2 = 0 THEN 'id-' || n ELSE '' END,
                   'external', '+33' || substr(caller, 2), '+33' || substr(caller, 2), caller, caller, start,
                   start + (30 + n %% 600) * interval '1 second', '{{}}'::jsonb
            FROM (
                SELECT n, '06' || lpad((n * 7919 %% 100000000)::text, 8, '0') AS caller,
                       now() - interval '2 hours' - (n * 7 %% 86400) * interval '1 minute' AS start
                FROM generate_series(1, %s) AS n
            ) AS generated""",
            [connector.pk, CALLEES, CALLS],
        )
        # One open call on every tenth extension, half of them missed hang-ups.
        cursor.execute(
            f"""INSERT INTO {TABLE} (resource_id, caller, callee, call_id, kind, caller_key, caller_e164,
                                     caller_national, caller_display, start, "end", details)
            SELECT %s, '0143250135', (1000 + n)::text, '', 'external', '+33143250135', '+33143250135',
                   '0143250135', '01 43 25 01 35',
                   now() - (CASE WHEN n %% 20 = 0 THEN 300 ELSE 5 END) * interval '1 minute', NULL, '{{}}'::jsonb
            FROM generate_series(0, %s, 10) AS n""",
            [connector.pk, CALLEES - 1],
        )
        cursor.execute(f'ANALYZE {TABLE}')
    return connector


def plans_of(function):
    """Run ``function`` and return the EXPLAIN output of each statement it sent to the call table."""
    with CaptureQueriesContext(connection) as captured:
        function()
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            if TABLE not in query['sql']:
                continue
            cursor.execute('EXPLAIN ' + query['sql'])
            plans.append((query['sql'], '\n'.join(row[0] for row in cursor.fetchall())))
    assert plans, 'no statement on the call table was captured'
    return plans


def assert_index_backed(plans):
    for sql, plan in plans:
        assert f'Seq Scan on {TABLE}' not in plan, f'{sql}\n{plan}'
        assert 'Index' in plan, f'{sql}\n{plan}'


def test_current_and_recent_calls_of_an_extension_use_indexes(history):
    plans = plans_of(lambda: history.calls_of('1030'))
    assert len(plans) == 2
    assert_index_backed(plans)


def test_calls_of_an_extension_from_one_caller_use_indexes(history):
    plans = plans_of(lambda: history.calls_of('1030', caller='+33 6 00 00 79 19'))
    assert_index_backed(plans)


def test_call_start_lookup_of_the_open_call_uses_an_index(history):
    plans = plans_of(lambda: history.call_start('0143250135', '1030'))
    assert_index_backed(plans)


def test_call_stop_lookup_and_close_use_indexes(history):
    plans = plans_of(lambda: history.call_stop('0143250135', '1030'))
    assert len(plans) == 2
    assert_index_backed(plans)


def test_call_id_lookups_of_start_and_stop_use_indexes(history):
    # A finished call of extension 1030 with that identifier is in the history: both only read.
    plans = plans_of(lambda: history.call_start('0612345678', '1030', call_id='id-1030'))
    plans += plans_of(lambda: history.call_stop('0612345678', '1030', call_id='id-1030'))
    assert len(plans) == 2
    assert_index_backed(plans)


def test_who_announcing_agents_are_on_a_call_with_uses_an_index(history):
    # Agents 1040 (a missed hang-up), 1050 (on a call) and 1061 (not) call extension 1030.
    announcements = [
        Call.objects.create(
            resource=history, caller=extension, callee='1030', kind='internal', caller_key=extension
        )
        for extension in ('1040', '1050', '1061')
    ]
    partners = {}
    plans = plans_of(lambda: partners.update(history.partners_of(announcements)))
    assert len(plans) == 1
    assert_index_backed(plans)
    assert {call.caller: partners[call.pk].callee for call in announcements if call.pk in partners} == {
        '1050': '1050'
    }


def test_transferred_leg_lookup_uses_an_index(history):
    Call.objects.create(
        resource=history,
        caller='0143250135',
        callee='1030',
        kind='external',
        caller_key='+33143250135',
        call_id='1700000000.41',
        linked_id='1700000000.41',
    )
    plans = plans_of(lambda: history.read_start('1030', '1031', '1700000000.57', '1700000000.41'))
    assert len(plans) == 1
    assert_index_backed(plans)


def test_erasure_finds_the_callers_calls_by_index(history):
    plans = plans_of(
        lambda: list(history.calls.filter(caller_key='+33600007919').values_list('pk', flat=True))
    )
    assert_index_backed(plans)


def test_stale_call_closing_uses_an_index(history):
    closed = []
    plans = plans_of(lambda: closed.append(history.close_stale_calls()))
    assert closed == [25]
    assert_index_backed(plans)


def test_purge_of_old_calls_uses_an_index(history):
    history.data_retention_period = 59
    deleted = []
    plans = plans_of(lambda: deleted.append(history.purge_old_calls()))
    assert 0 < deleted[0] < CALLS / 10
    assert_index_backed(plans)


def test_history_fixture_spreads_calls_over_many_extensions(history):
    # The plans above mean something only if the table is big and varied.
    assert Call.objects.count() == CALLS + CALLEES // 10
    assert Call.objects.values('callee').distinct().count() == CALLEES
    oldest = Call.objects.order_by('start').first().start
    assert timezone.now() - oldest > datetime.timedelta(days=59)


def test_the_plan_check_catches_a_query_no_index_serves(history):
    plans = plans_of(lambda: list(Call.objects.filter(caller_display='01 43 25 01 35')))
    with pytest.raises(AssertionError, match='Seq Scan'):
        assert_index_backed(plans)
