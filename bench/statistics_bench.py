"""Statistics benchmark: the connector's statistics endpoints at 10^3 (the floor) and 10^6 calls, on PostgreSQL.

``python bench/statistics_bench.py [--sizes 1000,1000000] [--repeat 5] [--output FILE]``

One throw-away database ``bench_phonecalls_statistics`` on
``BENCH_POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432/``),
dropped at the end. The call table is filled with ``INSERT ... SELECT
generate_series``: 1,000 extensions, the last 60 days (the default
retention), every kind of caller (80 % external, 10 % internal, 7 %
withheld, 3 % unreadable), calls of 30 s to 10 min; indexes rebuilt after
the load, then ``VACUUM ANALYZE`` (what autovacuum does on a live table).

Each request goes through the whole Django stack in this process (URL,
connector instance, API key check, endpoint, JSON), as Combo's chart cells
send it: the index, and each statistic by month (the default), day, hour,
weekday and none, for all extensions, for one extension, and for the last
30 days. Each is sent ``--repeat`` times; the median and the worst are
reported. Before them, the loaded history is counted into quarter-hour
totals (``statistics.catch_up``), as the migration creating the totals
does at an upgrade: timed apart, it is paid once. Floor: the same request
at the smallest size, same run, same machine. Target: at most 1 s at 10^6
calls for every request.
"""

import argparse
import datetime
import json
import os
import statistics as stats
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# First: the editable install appends the repository after gadjo's own top-level ``tests`` package.
sys.path.insert(0, ROOT)

from bench import servers  # noqa: E402
from tests.servers import postgres_answers, postgres_database  # noqa: E402

DATABASE_NAME = 'bench_phonecalls_statistics'
API_KEY = 'statistics-bench'
CALLEES = 1000
TARGET_SECONDS = 1.0
TABLE = 'passerelle_phonecalls_call'


def create_connector():
    """The connector ``ipbx`` and an API user allowed to read it with ``API_KEY``."""
    from django.contrib.contenttypes.models import ContentType
    from passerelle.base.models import AccessRight, ApiUser

    from passerelle_phonecalls.models import PhoneCalls

    connector = PhoneCalls.objects.create(title='IPBX', slug='ipbx', description='bench')
    api_user = ApiUser.objects.create(username='combo', fullname='Combo', keytype='API', key=API_KEY)
    AccessRight.objects.create(
        codename='can_access',
        apiuser=api_user,
        resource_type=ContentType.objects.get_for_model(connector),
        resource_pk=connector.pk,
    )
    return connector


def grow_history(connector, total):
    """Bring the call table to ``total`` rows (see the module docstring); return the row count."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM {TABLE}')
        existing = cursor.fetchone()[0]
        if total > existing:
            cursor.execute(
                'SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT LIKE %s',
                [TABLE, '%pkey'],
            )
            indexes = cursor.fetchall()
            for name, _definition in indexes:
                cursor.execute('DROP INDEX %s' % connection.ops.quote_name(name))
            cursor.execute('SELECT setseed(0.42)')
            cursor.execute(
                f"""INSERT INTO {TABLE} (resource_id, caller, callee, call_id, kind, caller_key, caller_e164,
                                         caller_national, caller_display, start, "end", details)
                SELECT %s, caller, (1000 + n %% %s)::text, 'bench-' || n, kind, caller, '', '', caller, start,
                       start + (30 + floor(random() * 570)) * interval '1 second', '{{}}'::jsonb
                FROM (
                    SELECT n,
                           CASE WHEN n %% 100 < 80 THEN 'external' WHEN n %% 100 < 90 THEN 'internal'
                                WHEN n %% 100 < 97 THEN 'withheld' ELSE 'unreadable' END AS kind,
                           '0' || (1 + n %% 7)::text || lpad((n::bigint * 7919 %% 100000000)::text, 8, '0') AS caller,
                           now() - interval '1 hour' - random() * interval '60 days' AS start
                    FROM generate_series(%s, %s) AS n
                ) AS generated""",
                [connector.pk, CALLEES, existing, total - 1],
            )
            cursor.execute("SET maintenance_work_mem = '256MB'")
            for _name, definition in indexes:
                cursor.execute(definition)
        # The history is loaded in the past, where the totals of an earlier
        # size already stand: start the totals afresh, as after an upgrade.
        cursor.execute('DELETE FROM passerelle_phonecalls_calltotal')
        # VACUUM cannot run in a transaction block: the cursor is in autocommit.
        cursor.execute(f'VACUUM ANALYZE {TABLE}')
        cursor.execute(f'SELECT count(*) FROM {TABLE}')
        return cursor.fetchone()[0]


def requests_to_time(now):
    """``[(name, path)]``: the index and each statistic as a chart cell asks for it."""
    last_30_days = 'start=%s&end=%s' % (
        (now - datetime.timedelta(days=30)).date().isoformat(),
        (now + datetime.timedelta(days=1)).date().isoformat(),
    )
    plan = [('index', 'statistics')]
    for endpoint in ('statistics-calls', 'statistics-total-duration', 'statistics-mean-duration'):
        for query in (
            'time_interval=month',
            'time_interval=day',
            'time_interval=hour',
            'time_interval=weekday',
            'time_interval=none',
            'time_interval=day&callee=1042',
            'time_interval=day&' + last_30_days,
        ):
            plan.append((f'{endpoint}?{query}'.replace(last_30_days, 'last 30 days'), f'{endpoint}?{query}'))
    return plan


def time_catch_up(connector):
    """Seconds to count the loaded history into totals, as the migration creating them does."""
    from passerelle_phonecalls import statistics

    began = time.perf_counter()
    statistics.catch_up(connector)
    return round(time.perf_counter() - began, 1)


def time_requests(plan, repeat):
    """``{name: {"median_ms", "max_ms"}}`` for each request of ``plan``, sent ``repeat`` times."""
    from django.test import Client

    client = Client()
    figures = {}
    for name, path in plan:
        separator = '&' if '?' in path else '?'
        url = f'/phonecalls/ipbx/{path}{separator}apikey={API_KEY}'
        durations = []
        for _round in range(repeat):
            began = time.perf_counter()
            response = client.get(url)
            durations.append(time.perf_counter() - began)
            answer = json.loads(response.content)
            if response.status_code != 200 or answer.get('err') != 0:
                raise RuntimeError(f'{url}: HTTP {response.status_code} {answer}')
        figures[name] = {
            'median_ms': round(stats.median(durations) * 1000, 1),
            'max_ms': round(max(durations) * 1000, 1),
        }
    return figures


def report(results, sizes):
    floor_size, top_size = sizes[0], sizes[-1]
    floor, top = results[str(floor_size)]['requests'], results[str(top_size)]['requests']
    width = max(len(name) for name in top)
    print(f'\n{"request":<{width}}  {floor_size:>9} calls  {top_size:>9} calls (median / worst)  ratio')
    over = []
    for name, figures in top.items():
        ratio = figures['median_ms'] / max(floor[name]['median_ms'], 0.1)
        print(
            f'{name:<{width}}  {floor[name]["median_ms"]:>12.1f} ms  '
            f'{figures["median_ms"]:>9.1f} / {figures["max_ms"]:>7.1f} ms          {ratio:>6.1f}x'
        )
        if figures['max_ms'] > TARGET_SECONDS * 1000:
            over.append(name)
    print(
        f'\ntarget: every request at most {TARGET_SECONDS:g} s at {top_size} calls: '
        + ('met' if not over else 'MISSED by ' + ', '.join(over))
    )
    return not over


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sizes', default='1000,1000000', help='call counts, the first one is the floor')
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--output', help='write the figures to this JSON file')
    args = parser.parse_args(argv)
    sizes = sorted(int(size) for size in args.sizes.split(','))
    if not postgres_answers(servers.POSTGRES_URL):
        print(f'PostgreSQL does not answer at {servers.POSTGRES_URL}: nothing measured.')
        return 2
    results = {}
    with postgres_database(DATABASE_NAME, servers.POSTGRES_URL) as database_url:
        servers.setup_django(database_url)
        from django.db import connections
        from django.utils import timezone

        try:
            connector = create_connector()
            for size in sizes:
                began = time.monotonic()
                rows = grow_history(connector, size)
                print(f'{rows} calls loaded in {time.monotonic() - began:.0f} s', flush=True)
                catch_up = time_catch_up(connector)
                print(
                    f'{rows} calls counted into totals in {catch_up} s (once, by the migration)', flush=True
                )
                results[str(size)] = {
                    'calls': rows,
                    'catch_up_seconds': catch_up,
                    'requests': time_requests(requests_to_time(timezone.now()), args.repeat),
                }
        finally:
            connections.close_all()
    met = report(results, sizes)
    if args.output:
        with open(args.output, 'w') as file:
            json.dump(results, file, indent=2)
    return 0 if met else 1


if __name__ == '__main__':
    sys.exit(main())
