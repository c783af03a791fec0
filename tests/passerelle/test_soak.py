"""Soak: concurrent clients replay a random log of webhooks through gunicorn on PostgreSQL, and the
database ends up exactly as the reference model computes from the same log.

The log (``support.random_event_log``) holds the faults of real IPBXs:
retries, concurrent duplicates, stops before their starts, starts retried
after their stops, lost starts and lost stops. Events of one (caller, callee)
pair are sent in order by one client (pairs are partitioned across clients),
so the expected end state is deterministic; pairs of the same extension are
on different clients and compete with each other. The figures are printed
(``-s``) and written to ``test-artifacts/soak.json``.
"""

import concurrent.futures
import threading
import time

import pytest
import requests

from passerelle_phonecalls.models import Call
from tests.passerelle.support import (
    Gunicorn,
    count_differences,
    expected_calls,
    partition,
    random_event_log,
    record_figures,
    served_database,
    stored_calls,
)

pytestmark = [pytest.mark.postgresql, pytest.mark.server, pytest.mark.django_db(transaction=True)]

SEED = 20241124
CLIENTS = 8
# 15 callers x 10 extensions: every fault of the log occurs dozens of times.
CALLERS = 15
API_KEY = 'soak-Zq81-key'
# Guards against a hang, not speed checks (speed is measured under bench/): a
# machine loaded by other test processes replays the log several times slower.
REPLAY_SECONDS = 300
REQUEST_SECONDS = 10


@pytest.fixture
def server(tmp_path):
    """gunicorn (3 workers x 4 threads) on the test database pytest-django created."""
    with Gunicorn(
        served_database(), tmp_path / 'gunicorn.log', workers=3, threads=4, conn_max_age=60
    ) as gunicorn:
        yield gunicorn


class Client:
    """One IPBX: sends its queue of events in order, each duplicate copy at the same instant."""

    def __init__(self, base_url, queue, deadline):
        self.base_url = base_url
        self.queue = queue
        self.deadline = deadline
        self.session = requests.Session()
        # A connection per request: on a loaded machine, a kept-alive connection
        # could reach gunicorn's 2 s idle limit just as the next request goes out,
        # and be reset under it. The soak is about the calls, not keep-alive.
        self.session.headers['Connection'] = 'close'
        self.lock = threading.Lock()
        self.failures = []
        self.sent = 0

    def send(self, event, method, session):
        url = f'{self.base_url}/phonecalls/ipbx/call-{event.kind}'
        if method == 'GET':
            response = session.get(url, params={**event.params, 'apikey': API_KEY}, timeout=REQUEST_SECONDS)
        else:
            response = session.post(
                url, params={'apikey': API_KEY}, data=event.params, timeout=REQUEST_SECONDS
            )
        with self.lock:
            self.sent += 1
            if response.status_code != 200 or response.json().get('err') != 0:
                self.failures.append((event, response.status_code, response.text[:200]))

    def run(self):
        for index, event in enumerate(self.queue):
            if time.monotonic() > self.deadline:
                self.failures.append((event, None, 'replay deadline passed'))
                return
            method = 'POST' if index % 5 == 0 else 'GET'
            if event.copies == 1:
                self.send(event, method, self.session)
                continue
            barrier = threading.Barrier(event.copies)

            def copy(event=event, method=method, barrier=barrier):
                # A session of its own: requests.Session is not meant to be shared by threads.
                with requests.Session() as session:
                    barrier.wait(timeout=REQUEST_SECONDS)
                    self.send(event, method, session)

            threads = [threading.Thread(target=copy) for _copy in range(event.copies)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=2 * REQUEST_SECONDS)


def test_concurrent_replay_of_a_faulty_event_log_leaves_what_the_reference_model_computes(
    server, connector, api_user_factory
):
    api_user_factory(connector, key=API_KEY)
    log = random_event_log(SEED, callers=CALLERS)
    queues = partition(log, CLIENTS, SEED)
    started = time.monotonic()
    clients = [Client(server.url, queue, started + REPLAY_SECONDS) for queue in queues]
    with concurrent.futures.ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        for future in [pool.submit(client.run) for client in clients]:
            future.result(timeout=REPLAY_SECONDS + 2 * REQUEST_SECONDS)
    seconds = time.monotonic() - started

    expected = expected_calls(log.events)
    actual = stored_calls(Call.objects.all())
    differences = count_differences(expected, actual)
    failures = [failure for client in clients for failure in client.failures]
    # The agent portal's view of each extension agrees with the database.
    portal_mismatches = 0
    for callee in sorted({pair[1] for pair in log.pairs}):
        data = requests.get(
            f'{server.url}/phonecalls/ipbx/calls',
            params={'callee': callee, 'limit': 100, 'apikey': API_KEY},
            timeout=REQUEST_SECONDS,
        ).json()['data']
        open_ids = set(Call.objects.filter(callee=callee, end__isnull=True).values_list('pk', flat=True))
        portal_mismatches += len(open_ids ^ {call['id'] for call in data['current']})

    figures = {
        **log.figures,
        'seed': SEED,
        'clients': CLIENTS,
        'gunicorn': '3 workers x 4 threads',
        'requests_sent': sum(client.sent for client in clients),
        'seconds': round(seconds, 2),
        'requests_per_second': round(sum(client.sent for client in clients) / seconds),
        'calls_expected': sum(len(calls) for calls in expected.values()),
        'calls_stored': Call.objects.count(),
        'open_calls_stored': Call.objects.filter(end__isnull=True).count(),
        'failed_requests': len(failures),
        'differences': differences,
        'portal_mismatches': portal_mismatches,
    }
    record_figures('soak', figures)
    print('\nsoak:', ', '.join(f'{key}={value}' for key, value in sorted(figures.items())))

    assert failures == []
    assert figures['requests_sent'] == log.figures['requests']
    assert differences == 0, {
        pair: (expected.get(pair), actual.get(pair))
        for pair in set(expected) | set(actual)
        if expected.get(pair) != actual.get(pair)
    }
    assert portal_mismatches == 0
    assert 'Traceback' not in server.log()
    assert API_KEY not in server.log()
