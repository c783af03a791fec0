"""Two Combo and two Passerelle servers behind haproxy, sharing PostgreSQL and memcached, as a site that
outgrew one machine runs: an agent whose polls go to either Combo server gets every pop once, within the
interval, and a memcached restart loses none (the cell then asks the connector itself).
"""

import json
import os
import shutil
import subprocess
import sys
import threading
import time

import pytest
import requests

from bench import servers
from tests.servers import Memcached, postgres_answers, postgres_database

pytestmark = pytest.mark.server

INTERVAL = 1
# The oldest snapshot a poll may read: twice a quarter of the interval (combo_phone_cell/snapshot.py).
FRESHNESS = 0.5
CALLS = 10
# Bounds each wait for a condition; the condition, not this, ends the wait.
DEADLINE = 15
SEED = (
    """
import json, sys
from bench import servers, world
servers.setup_django(sys.argv[1], sys.argv[2])
from combo_phone_cell.models import PhoneCallCell
cell = world.seed_demo(sys.argv[2])
PhoneCallCell.objects.filter(pk=cell.pk).update(poll_interval=%d)
print(json.dumps({'cell': cell.pk, 'agents': world.create_agents(['4201', '4202'], prefix='two-servers')}))
"""
    % INTERVAL
)


def missing():
    for command in ('haproxy', 'memcached'):
        if shutil.which(command) is None and not os.path.exists('/usr/sbin/' + command):
            return 'Debian package %s is not installed' % command
    if not postgres_answers(servers.POSTGRES_URL):
        return 'PostgreSQL does not answer at %s' % servers.POSTGRES_URL
    return None


@pytest.fixture(scope='module')
def site():
    """The seeded site on its two-by-two servers; yields (cluster, cell pk, agents, memcached port)."""
    reason = missing()
    if reason:
        pytest.skip(reason)
    with postgres_database('phonecalls_two_servers', servers.POSTGRES_URL) as database_url:
        ports = servers.cluster_ports()
        passerelle_url = 'http://127.0.0.1:%d/' % ports['passerelle']
        seeded = json.loads(
            subprocess.run(
                [sys.executable, '-c', SEED, database_url, passerelle_url],
                env=servers.django_environment(database_url, passerelle_url),
                capture_output=True,
                text=True,
                check=True,
                timeout=120,
            ).stdout
        )
        with Memcached() as memcached:
            with servers.cluster(database_url, ports, workers=2, memcached_port=memcached.port) as cluster:
                yield cluster, seeded['cell'], seeded['agents'], memcached


class Agent(threading.Thread):
    """An agent's tab: polls every interval after the answer, each poll to the other Combo server."""

    def __init__(self, cluster, cell_pk, session_key, extension):
        super().__init__(daemon=True)
        self.urls = ['%s/api/phone-call-cell/%d/poll/' % (server.url, cell_pk) for server in cluster.combos]
        self.extension = extension
        self.session = requests.Session()
        self.session.cookies.set('sessionid', session_key)
        self.polls = []  # (started, answered, server index, status, current call ids)
        self.stopping = threading.Event()

    def run(self):
        index = 0
        while not self.stopping.is_set():
            started = time.monotonic()
            response = self.session.get(self.urls[index], timeout=10)
            payload = response.json()
            current = (
                [call['id'] for call in payload.get('data', {}).get('current', [])]
                if not payload['err']
                else None
            )
            self.polls.append((started, time.monotonic(), index, response.status_code, current))
            index = 1 - index
            self.stopping.wait(INTERVAL)


def call(cluster, event, caller, callee):
    response = requests.get(
        '%s/phonecalls/ipbx/%s' % (cluster.ipbx_url, event),
        params={'caller': caller, 'callee': callee, 'apikey': 'abcdef'},
        timeout=10,
    )
    payload = response.json()
    assert payload['err'] == 0, payload
    return payload['data']['id'], time.monotonic()


def pop(cluster, agent, number):
    """Start a call to ``agent``, let the agent poll after it, stop it; returns (call id, started, stopped).

    ``started``: when the start was answered; ``stopped``: when the stop was sent.
    """
    call_id, started = call(cluster, 'call-start', '0143250%03d' % number, agent.extension)
    deadline = time.monotonic() + DEADLINE
    # Until a poll begun once the snapshot may have aged has answered: the call must show in it.
    while time.monotonic() < deadline and not any(
        begun >= started + FRESHNESS for begun, _a, _i, _st, _c in agent.polls
    ):
        time.sleep(0.05)
    stopping = time.monotonic()
    call(cluster, 'call-stop', '0143250%03d' % number, agent.extension)
    return call_id, started, stopping


def test_every_pop_once_within_the_interval_across_two_servers_and_a_memcached_restart(site):
    cluster, cell_pk, agents_seeded, memcached = site
    agents = [Agent(cluster, cell_pk, key, extension) for key, extension in agents_seeded]
    for agent in agents:
        agent.start()
    popped = []
    try:
        for number in range(CALLS):
            if number == CALLS // 2:
                # The shared memcached restarts: everything it kept is gone.
                memcached.restart()
            agent = agents[number % 2]
            popped.append((agent, *pop(cluster, agent, number)))
    finally:
        for agent in agents:
            agent.stopping.set()
        for agent in agents:
            agent.join(15)

    for agent, call_id, started, stopped in popped:
        showing = [poll for poll in agent.polls if poll[4] and call_id in poll[4]]
        assert showing, 'call %s never popped for extension %s: polls after its start %s' % (
            call_id,
            agent.extension,
            [(poll[2], poll[3], poll[4]) for poll in agent.polls if poll[0] >= started][:8],
        )
        # Once: the polls that show it follow each other (one stretch, one pop).
        indexes = [agent.polls.index(poll) for poll in showing]
        assert indexes == list(range(indexes[0], indexes[0] + len(indexes)))
        # Within the interval: every poll begun once the snapshot may have aged (twice a quarter of the
        # interval) after the start was answered shows it, so the agent waits at most for the next poll.
        late = [poll for poll in agent.polls if started + FRESHNESS <= poll[0] and poll[1] < stopped]
        assert late
        assert all(poll[4] and call_id in poll[4] for poll in late), (call_id, [poll[4] for poll in late])
        assert showing[0][0] <= late[0][0]
        other = agents[1 - agents.index(agent)]
        assert not any(poll[4] and call_id in poll[4] for poll in other.polls)
    for agent in agents:
        assert {poll[2] for poll in agent.polls} == {0, 1}
        assert all(poll[3] == 200 for poll in agent.polls), [poll for poll in agent.polls if poll[3] != 200]
