"""Database outage during a webhook burst: quick 5xx answers while it lasts, recovery without
restarting the application, no partial or duplicate call once the IPBX has retried.

gunicorn reaches PostgreSQL through a TCP proxy (``support.CuttableProxy``) that
the test cuts, as a database restart does: open connections are broken and
new ones refused, then accepted again. The machine's PostgreSQL itself is
never touched.
"""

import collections
import concurrent.futures
import threading
import time

import pytest
import requests
from django.db import connection

from passerelle_phonecalls.models import Call
from tests.passerelle.support import CuttableProxy, Gunicorn, record_figures

pytestmark = [pytest.mark.postgresql, pytest.mark.server, pytest.mark.django_db(transaction=True)]

API_KEY = 'outage-Pm42-key'
SENDERS = 4
# Each sender paces itself: an IPBX sends a few events per second, not a flood.
PAUSE_SECONDS = 0.05
OUTAGE_SECONDS = 1.5
# No request may take longer than this, outage or not.
REQUEST_SECONDS = 5

DATABASE_SETUPS = {
    # Django's default: a new database connection for every request.
    'connection-per-request': {'CONN_MAX_AGE': 0},
    # Persistent connections, checked before reuse: what docs/security.rst recommends.
    'persistent-with-health-checks': {'CONN_MAX_AGE': 60, 'CONN_HEALTH_CHECKS': True},
}


@pytest.fixture
def proxy():
    settings_dict = connection.settings_dict
    proxy = CuttableProxy((settings_dict['HOST'] or '127.0.0.1', int(settings_dict['PORT'] or 5432)))
    yield proxy
    proxy.close()


@pytest.fixture(params=list(DATABASE_SETUPS))
def setup_name(request):
    return request.param


@pytest.fixture
def server(proxy, setup_name, tmp_path):
    database = {
        'NAME': connection.settings_dict['NAME'],
        'HOST': '127.0.0.1',
        'PORT': proxy.port,
        'OPTIONS': {'connect_timeout': 3},
        **DATABASE_SETUPS[setup_name],
    }
    conn_max_age = database.pop('CONN_MAX_AGE')
    with Gunicorn(
        database, tmp_path / 'gunicorn.log', workers=2, threads=3, conn_max_age=conn_max_age
    ) as gunicorn:
        yield gunicorn


Outcome = collections.namedtuple('Outcome', 'kind caller status content_type sent_at seconds')


class Ipbx:
    """Sends webhooks and keeps every ``Outcome`` (status is an HTTP status or a client exception name)."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.outcomes = []
        self.lock = threading.Lock()

    def send(self, kind, caller):
        tag = {'start': 'event', 'stop': 'hangup'}[kind]
        started = time.monotonic()
        try:
            response = requests.get(
                f'{self.base_url}/phonecalls/ipbx/call-{kind}',
                params={'caller': caller, 'callee': '42', tag: caller, 'apikey': API_KEY},
                timeout=REQUEST_SECONDS,
            )
            status, content_type = response.status_code, response.headers.get('Content-Type', '')
            if status == 200:
                assert response.json()['err'] == 0
        except requests.RequestException as e:
            status, content_type = type(e).__name__, ''
        outcome = Outcome(kind, caller, status, content_type, started, time.monotonic() - started)
        with self.lock:
            self.outcomes.append(outcome)
        return status


def test_webhooks_fail_fast_during_a_database_outage_and_succeed_after_it_without_restart(
    server, proxy, connector, api_user_factory, setup_name
):
    api_user_factory(connector, key=API_KEY)
    ipbx = Ipbx(server.url)
    assert ipbx.send('start', '0143000000') == 200
    workers = server.worker_pids()
    stopping = threading.Event()

    def burst(sender):
        for index in range(10000):
            if stopping.is_set():
                return
            ipbx.send('start', f'0143{sender}{index:05d}')
            time.sleep(PAUSE_SECONDS)

    senders = [threading.Thread(target=burst, args=(sender,)) for sender in range(1, SENDERS + 1)]
    for sender in senders:
        sender.start()
    time.sleep(0.5)
    cut_at = time.monotonic()
    broken = proxy.cut()
    time.sleep(OUTAGE_SECONDS)
    proxy.restore()
    restored_at = time.monotonic()
    time.sleep(1)
    stopping.set()
    for sender in senders:
        sender.join(timeout=2 * REQUEST_SECONDS)

    burst_outcomes = list(ipbx.outcomes)
    failed = [outcome for outcome in burst_outcomes if outcome.status != 200]
    during_outage = [outcome for outcome in burst_outcomes if cut_at <= outcome.sent_at < restored_at]
    after_restore = [outcome for outcome in burst_outcomes if outcome.sent_at >= restored_at]
    # The IPBX retries what failed, then hangs up every call; each caller's events in order.
    retried = {outcome.caller for outcome in failed}
    callers = sorted({outcome.caller for outcome in burst_outcomes} | {'0143000000'})

    def retry_then_hang_up(caller):
        return (ipbx.send('start', caller) if caller in retried else 200), ipbx.send('stop', caller)

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(retry_then_hang_up, callers))

    figures = {
        'setup': setup_name,
        'webhooks_in_burst': len(burst_outcomes),
        'webhooks_during_outage': len(during_outage),
        'failed_webhooks': len(failed),
        'failure_answers': sorted({f'{outcome.status} {outcome.content_type}'.strip() for outcome in failed}),
        'slowest_answer_seconds': round(max(outcome.seconds for outcome in ipbx.outcomes), 2),
        'failures_after_restore': sum(1 for outcome in after_restore if outcome.status != 200),
        'connections_broken': broken,
        'connections_refused': proxy.figures['connections_refused'],
        'retried_starts': len(retried),
        'calls_stored': Call.objects.count(),
    }
    record_figures('db-outage', {setup_name: figures})
    print('\ndb outage:', ', '.join(f'{key}={value}' for key, value in figures.items()))

    # The fault was real, and each failed webhook got a quick server error, not a hang.
    assert figures['failed_webhooks'] > 0 and proxy.figures['connections_refused'] > 0
    if DATABASE_SETUPS[setup_name]['CONN_MAX_AGE']:
        assert broken > 0
    assert all(isinstance(outcome.status, int) and outcome.status >= 500 for outcome in failed), failed[:5]
    assert figures['slowest_answer_seconds'] < REQUEST_SECONDS
    # Recovery, without restarting anything.
    assert server.process.poll() is None and server.worker_pids() == workers
    assert figures['failures_after_restore'] == 0
    assert statuses == [(200, 200)] * len(callers)
    # No partial call and no duplicate: one complete, closed call per caller.
    stored = list(Call.objects.order_by('caller').values_list('caller', 'caller_e164', 'end', 'details'))
    assert [caller for caller, *_rest in stored] == callers
    for caller, caller_e164, end, details in stored:
        assert (caller_e164, details) == ('+33' + caller[1:], {'event': caller, 'hangup': caller})
        assert end is not None
    assert API_KEY not in server.log()
