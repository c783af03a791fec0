"""Storms: 32 threads alternating starts and stops through a real server, on one pair and on ten pairs,
without call identifiers and with half the calls carrying one, on SQLite (a file shared with the
server) and PostgreSQL. The server runs as many request threads as there are senders.

Another storm, of starts and stops with and without call ids, each sent as
eight identical copies at the same instant, runs while two processes erase
the callers' calls over and over and a third runs the stale-call and purge
jobs, against a server that pauses after each insert the database refused
(``wsgi.py``), so that in a few seconds erasures delete the call a refused
event is about to read, round after round: no answer is a server error
there either (without the fresh start after an erasure, PostgreSQL answered
a few 500s in every run).

No answer is a server error, and every answer agrees with the rows left in
the database: each start answers a call of its pair that exists, with the
start stored; each stop that answers a call is the one that closed it, with
the end stored; every call was answered by some event; the calls endpoint
lists exactly the open calls. The figures (answers by status, per database)
are printed (``-s``) and written to ``test-artifacts/storm.json``.
"""

import collections
import concurrent.futures
import json
import os
import subprocess
import sys
import threading
import time

import pytest
import requests
from django.db import connection
from django.utils import timezone

from passerelle_phonecalls.models import Call
from tests.passerelle.support import ROOT, Gunicorn, record_figures, served_database

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

THREADS = 32
CALLS_PER_THREAD = 5
API_KEY = 'storm-Xw27-key'
REQUEST_SECONDS = 30
CALLERS = [f'01432501{index:02d}' for index in range(10)]
# Processes erasing the callers of the storm with erasures.
ERASERS = 2


@pytest.fixture
def server(tmp_path):
    """gunicorn (2 workers x 16 threads) on the test database, as pytest-django created it."""
    with Gunicorn(
        served_database(), tmp_path / 'gunicorn.log', workers=2, threads=16, conn_max_age=60
    ) as gunicorn:
        yield gunicorn


Answer = collections.namedtuple('Answer', 'kind caller callee call_id status data seconds')


def storm(base_url, pairs, with_ids, threads=THREADS, calls_per_thread=CALLS_PER_THREAD, copies=1):
    """Every thread sends one event per step, all threads released together at each step.

    Each sender sends ``calls_per_thread`` calls of its pair: start then stop
    for even senders, stop then start for odd ones (a stop overtaking its
    start), so that at each step half the senders start and half stop.
    ``with_ids``: half the senders give each of their calls its own call id,
    the other half none, as two webhook senders configured differently would.
    A sender is ``copies`` threads sending the same events at the same
    instant (an IPBX's duplicates); ``threads`` is senders times copies.
    """
    barrier = threading.Barrier(threads)
    answers = []
    lock = threading.Lock()

    def thread(thread_index):
        index = thread_index // copies
        caller, callee = pairs[index % len(pairs)]
        kinds = ('start', 'stop') if index % 2 == 0 else ('stop', 'start')
        # A connection per request, as IPBXs send webhooks: a kept-alive one may be closed by the
        # server while this thread waits for the others.
        for number in range(calls_per_thread):
            call_id = f't{index}-c{number}' if with_ids and index % 4 >= 2 else ''
            for kind in kinds:
                params = {
                    'caller': caller,
                    'callee': callee,
                    'event' if kind == 'start' else 'hangup': kind,
                }
                if call_id:
                    params['call_id'] = call_id
                barrier.wait(timeout=REQUEST_SECONDS)
                sent = time.monotonic()
                response = requests.get(
                    f'{base_url}/phonecalls/ipbx/call-{kind}',
                    params={**params, 'apikey': API_KEY},
                    timeout=REQUEST_SECONDS,
                )
                try:
                    data = response.json().get('data')
                except ValueError:
                    data = None
                seconds = time.monotonic() - sent
                with lock:
                    answers.append(Answer(kind, caller, callee, call_id, response.status_code, data, seconds))

    with concurrent.futures.ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(thread, index) for index in range(threads)]
        errors = [future.exception(timeout=600) for future in futures]
    # The first error that is not the barrier broken by another thread's error.
    errors = sorted(
        (error for error in errors if error),
        key=lambda error: isinstance(error, threading.BrokenBarrierError),
    )
    if errors:
        raise errors[0]
    return answers


def inconsistencies(answers, pairs, base_url):
    """The answers that disagree with the stored rows, and the rows no answer accounts for."""
    rows = {row['id']: row for row in Call.objects.values()}
    problems = []
    closers = collections.Counter()
    answered = set()
    for answer in answers:
        data = answer.data or {}
        if answer.status != 200:
            problems.append(('status', answer))
            continue
        if 'id' not in data:
            if answer.kind == 'start' or data.get('open_call') is not False:
                problems.append(('no call', answer))
            continue
        row = rows.get(data['id'])
        answered.add(data['id'])
        if row is None or (row['caller_key'], row['callee']) != ('+33' + answer.caller[1:], answer.callee):
            problems.append(('not a call of the pair', answer, row))
        elif answer.call_id and row['call_id'] != answer.call_id:
            problems.append(('not the call of the identifier', answer, row))
        elif data['start'] != timezone.localtime(row['start']).isoformat():
            problems.append(('start differs', answer, row))
        elif answer.kind == 'stop':
            closers[data['id']] += 1
            if data['end'] is None or data['end'] != timezone.localtime(row['end']).isoformat():
                problems.append(('end differs', answer, row))
    closed = {pk for pk, row in rows.items() if row['end'] is not None}
    if set(closers) != closed or any(count != 1 for count in closers.values()):
        problems.append(('calls not closed by exactly one stop answer', set(closers) ^ closed))
    if set(rows) - answered:
        problems.append(('calls no answer gave', set(rows) - answered))
    for callee in sorted({callee for _caller, callee in pairs}):
        listed = requests.get(
            f'{base_url}/phonecalls/ipbx/calls',
            params={'callee': callee, 'limit': 100, 'apikey': API_KEY},
            timeout=REQUEST_SECONDS,
        ).json()['data']['current']
        open_rows = {pk for pk, row in rows.items() if row['callee'] == callee and row['end'] is None}
        if {call['id'] for call in listed} != open_rows:
            problems.append(('portal differs from the open calls', callee))
    return problems


@pytest.mark.parametrize('pair_count', [1, 10], ids=['one pair', 'ten pairs'])
@pytest.mark.parametrize('with_ids', [False, True], ids=['without call ids', 'with some call ids'])
def test_storm_of_starts_and_stops_gets_no_server_error_and_answers_agree_with_the_rows(
    server, connector, api_user_factory, pair_count, with_ids
):
    api_user_factory(connector, key=API_KEY)
    pairs = [(CALLERS[index], '42' if index % 2 else '43') for index in range(pair_count)]
    started = time.monotonic()
    answers = storm(server.url, pairs, with_ids)
    seconds = time.monotonic() - started

    statuses = collections.Counter(answer.status for answer in answers)
    problems = inconsistencies(answers, pairs, server.url)
    name = f'{connection.vendor}, {pair_count} pair(s), {"some" if with_ids else "no"} call ids'
    figures = {
        'requests': len(answers),
        'answers_by_status': {str(status): count for status, count in sorted(statuses.items())},
        'calls_stored': Call.objects.count(),
        'open_calls_left': Call.objects.filter(end__isnull=True).count(),
        'inconsistencies': len(problems),
        'seconds': round(seconds, 2),
        'slowest_answer_seconds': round(max(answer.seconds for answer in answers), 2),
    }
    record_figures('storm', {name: figures})
    print(f'\nstorm ({name}):', ', '.join(f'{key}={value}' for key, value in figures.items()))

    assert len(answers) == THREADS * CALLS_PER_THREAD * 2
    assert statuses == {200: len(answers)}, statuses
    assert problems == [], problems[:10]
    assert 'Traceback' not in server.log()
    if with_ids:
        # A call with an identifier is known exactly: one row each, with a start and a stop, finished
        # even when its stop came first.
        stored = sorted(
            (call_id, details, end is not None)
            for call_id, details, end in Call.objects.exclude(call_id='').values_list(
                'call_id', 'details', 'end'
            )
        )
        assert stored == sorted(
            (f't{index}-c{number}', {'event': 'start', 'hangup': 'stop'}, True)
            for index in range(THREADS)
            if index % 4 >= 2
            for number in range(CALLS_PER_THREAD)
        )


class Erasures:
    """Processes erasing the storm's callers over and over and running the stale-call and purge jobs.

    ``tests/passerelle/erasures.py``: ``ERASERS`` processes erasing every
    caller in turn, and one running the jobs, each on the test database
    like the server; ready inside the block, stopped after it, their
    figures (added up) in ``figures``.
    """

    def __init__(self, callers, log_path):
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE='tests.settings.passerelle',
            PHONECALLS_WSGI_DATABASE=json.dumps(served_database()),
            PYTHONPATH=str(ROOT),
        )
        self.log = open(log_path, 'w')  # noqa: SIM115 (closed on exit)
        commands = [['erase', *callers]] * ERASERS + [['jobs']]
        self.processes = [
            subprocess.Popen(
                [sys.executable, '-m', 'tests.passerelle.erasures', *command],
                env=env,
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.log,
                text=True,
            )
            for command in commands
        ]
        self.figures = collections.Counter()

    def __enter__(self):
        for process in self.processes:
            assert process.stdout.readline().strip() == 'ready', 'see the erasure log'
        return self

    def __exit__(self, *exc_info):
        for process in self.processes:
            process.stdin.close()
        for process in self.processes:
            output = process.stdout.read()
            process.wait(timeout=REQUEST_SECONDS)
            self.figures.update(json.loads(output or '{}'))
        self.log.close()


@pytest.fixture
def slowed_server(tmp_path):
    """gunicorn as ``server``, pausing 100 ms after each refused insert (``wsgi.py``): erasures meet the races."""
    with Gunicorn(
        served_database(),
        tmp_path / 'gunicorn.log',
        workers=2,
        threads=16,
        conn_max_age=60,
        refusal_pause=0.1,
    ) as gunicorn:
        yield gunicorn


def test_storm_during_erasures_and_jobs_gets_no_server_error(
    slowed_server, connector, api_user_factory, tmp_path
):
    """Starts and stops, with and without call ids, sent in eights, while the callers' calls are erased and
    the jobs run."""
    api_user_factory(connector, key=API_KEY)
    # Four senders, each on its pair: two without call ids, two with.
    pairs = [(CALLERS[index], '42' if index % 2 else '43') for index in range(4)]
    started = time.monotonic()
    callers = sorted({caller for caller, _callee in pairs})
    with Erasures(callers, tmp_path / 'erasures.log') as erasures:
        answers = storm(slowed_server.url, pairs, with_ids=True, threads=32, calls_per_thread=3, copies=8)
    seconds = time.monotonic() - started

    statuses = collections.Counter(answer.status for answer in answers)
    name = f'{connection.vendor}, 4 pairs, duplicates, erasures and jobs'
    figures = {
        'requests': len(answers),
        'answers_by_status': {str(status): count for status, count in sorted(statuses.items())},
        **erasures.figures,
        'seconds': round(seconds, 2),
    }
    record_figures('storm', {name: figures})
    print(f'\nstorm ({name}):', ', '.join(f'{key}={value}' for key, value in figures.items()))

    assert [process.returncode for process in erasures.processes] == [0] * (ERASERS + 1), (
        tmp_path / 'erasures.log'
    ).read_text()
    assert len(answers) == 32 * 3 * 2
    assert statuses == {200: len(answers)}, statuses
    assert 'Traceback' not in slowed_server.log()
    # The erasures and the jobs ran during the storm and deleted or closed its calls.
    assert erasures.figures['erasures'] > len(pairs)
    assert erasures.figures['erased_calls'] > 0
    # Every answer is a call of its pair or says that there was nothing to stop.
    for answer in answers:
        data = answer.data
        assert data.get('callee') == answer.callee, answer
        assert 'id' in data or (answer.kind == 'stop' and data['open_call'] is False), answer
