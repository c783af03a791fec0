"""Load generation with locust, run as a library in its own process (gevent patches everything it imports).

``python bench/loadgen.py < config.json`` prints one JSON object of results.
Modes:

- ``agents``: logged-in agents (one session and extension each) poll the
  cell's poll view every ``poll_interval`` seconds (2 by default) as the
  widget does (the next poll is scheduled when the answer arrives:
  locust's ``constant`` wait), while one IPBX user starts and stops calls
  on their extensions. The agent count is ramped by ``steps``; each step's
  latencies and server CPU are measured over a window after a warm-up, and
  the ramp stops after the first step that misses ``p99_limit_ms`` or has
  an error (unless ``whole_ramp``). With ``stats_url`` (haproxy's CSV
  statistics), each step also counts the requests the cell sent to
  Passerelle (haproxy's ``passerelle`` backend).
- ``polls``: ``clients`` agents poll back to back (the CPU a poll costs).
- ``webhooks``: ``clients`` concurrent IPBX clients send call-start then
  call-stop for a new caller, back to back, for ``seconds``.
- ``bare``: the same clients and rhythm against the bench's bare JSON view
  (the floor of ``webhooks`` and of ``polls``) at ``bare_url`` (the
  Passerelle servers by default).
"""

import itertools
import json
import math
import random
import resource
import sys
import time

import gevent
from locust import FastHttpUser, constant, events, task
from locust.env import Environment

CONFIG = json.load(sys.stdin)
CLOCK_TICKS = 100


def percentile(values, fraction):
    """Nearest-rank percentile of ``values`` (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def process_cpu_seconds(pid):
    try:
        with open('/proc/%d/stat' % pid) as file:
            fields = file.read().rpartition(')')[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def children(pid):
    try:
        with open('/proc/%d/task/%d/children' % (pid, pid)) as file:
            return [int(child) for child in file.read().split()]
    except OSError:
        return []


def server_cpu_seconds():
    """CPU seconds of the gunicorn masters given in the config and their workers."""
    return sum(
        process_cpu_seconds(pid) for master in CONFIG['server_pids'] for pid in [master, *children(master)]
    )


def cache_cpu_seconds():
    """CPU seconds of the cache server(s) given in the config (memcached)."""
    return sum(process_cpu_seconds(pid) for pid in CONFIG.get('cache_pids', []))


def passerelle_requests():
    """Requests haproxy has sent to the Passerelle servers for the cell (None without ``stats_url``)."""
    import urllib.request

    if not CONFIG.get('stats_url'):
        return None
    with urllib.request.urlopen(CONFIG['stats_url'], timeout=5) as answer:
        lines = answer.read().decode().splitlines()
    header = lines[0].lstrip('# ').split(',')
    for line in lines[1:]:
        row = dict(zip(header, line.split(','), strict=False))
        if row.get('pxname') == 'passerelle' and row.get('svname') == 'BACKEND':
            return int(row['stot'])
    return None


def postgres_cpu_seconds():
    """CPU seconds of the PostgreSQL backends serving the bench database (their title names it)."""
    import os

    database = CONFIG.get('database_name')
    total = 0.0
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                with open('/proc/%s/cmdline' % entry, 'rb') as file:
                    title = file.read().replace(b'\0', b' ').decode('utf-8', 'replace')
            except OSError:
                continue
            if title.startswith('postgres:') and database and (' %s ' % database) in title:
                total += process_cpu_seconds(int(entry))
    return total


def machine_busy_seconds():
    """CPU seconds all processes of the machine spent since boot (user, nice, system, irq, softirq)."""
    with open('/proc/stat') as file:
        fields = [int(value) for value in file.readline().split()[1:]]
    return (fields[0] + fields[1] + fields[2] + fields[5] + fields[6]) / CLOCK_TICKS


def own_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Recorder:
    """Keeps the response times (ms) of the requests named in ``names`` while a window is open."""

    def __init__(self):
        self.open = False
        self.times = {}
        self.errors = {}
        self.error_samples = []

    def start(self):
        self.times = {}
        self.errors = {}
        self.error_samples = []
        self.open = True

    def stop(self):
        self.open = False

    def on_request(self, name, response_time, exception=None, **kwargs):
        if not self.open:
            return
        if exception is not None:
            self.errors[name] = self.errors.get(name, 0) + 1
            if len(self.error_samples) < 5:
                self.error_samples.append('%s: %s' % (name, str(exception)[:200]))
        else:
            self.times.setdefault(name, []).append(response_time)


RECORDER = Recorder()
events.request.add_listener(RECORDER.on_request)


def check_json(response):
    """Mark the locust response failed unless it is a JSON answer with ``err`` 0."""
    try:
        payload = response.json()
    except Exception:
        response.failure('HTTP %s, not JSON' % response.status_code)
        return None
    if response.status_code != 200 or payload.get('err') != 0:
        response.failure('HTTP %s, err %s' % (response.status_code, payload.get('err_desc')))
        return None
    return payload


def agent_sessions():
    """The agents' sessions, handed out in turn: a step that adds users again reuses the first sessions.

    As many as the largest step needs: an agent stopped by a smaller step and
    started again is the same agent, not a new session.
    """
    agents = CONFIG.get('agents', [])
    if CONFIG.get('steps'):
        agents = agents[: max(CONFIG['steps'])]
    return itertools.cycle(agents) if agents else iter(())


AGENTS = agent_sessions()
ACTIVE_EXTENSIONS = []


class Agent(FastHttpUser):
    """An agent's browser tab: polls its cell every ``poll_interval`` seconds after the previous answer."""

    host = CONFIG.get('combo_url')
    wait_time = constant(CONFIG.get('poll_interval', 2))

    def on_start(self):
        session_key, extension = next(AGENTS)
        self.cookie = 'sessionid=%s' % session_key
        ACTIVE_EXTENSIONS.append(extension)
        # Agents open their portal at different moments: spread the phases.
        gevent.sleep(random.uniform(0, 2))

    @task
    def poll(self):
        with self.client.get(
            '/api/phone-call-cell/%d/poll/' % CONFIG['cell_pk'],
            headers={'Cookie': self.cookie, 'Accept': 'application/json'},
            name='poll',
            catch_response=True,
        ) as response:
            check_json(response)


class Poller(Agent):
    """An agent polling back to back: what a poll costs the servers."""

    wait_time = constant(0)

    def on_start(self):
        session_key, _extension = next(AGENTS)
        self.cookie = 'sessionid=%s' % session_key


class Ipbx(FastHttpUser):
    """The phone system: starts and stops calls on the agents' extensions, a few per second."""

    host = CONFIG.get('passerelle_url')
    fixed_count = 1
    wait_time = constant(1.0 / max(CONFIG.get('call_events_per_second', 2), 0.1))
    open_calls = []
    numbers = itertools.count(10000000)

    @task
    def event(self):
        if len(self.open_calls) >= 10 or (self.open_calls and not ACTIVE_EXTENSIONS):
            caller, callee = self.open_calls.pop(0)
            name = 'call-stop'
        elif ACTIVE_EXTENSIONS:
            caller, callee = '06%08d' % next(self.numbers), random.choice(ACTIVE_EXTENSIONS)
            self.open_calls.append((caller, callee))
            name = 'call-start'
        else:
            return
        with self.client.get(
            '/phonecalls/ipbx/%s?caller=%s&callee=%s&apikey=%s' % (name, caller, callee, CONFIG['api_key']),
            name=name,
            catch_response=True,
        ) as response:
            check_json(response)


class Webhooks(FastHttpUser):
    """An IPBX client sending call-start then call-stop for a new caller, back to back."""

    host = CONFIG.get('passerelle_url')
    wait_time = constant(0)
    numbers = itertools.count(10000000)

    @task
    def pair(self):
        caller = '07%08d' % next(self.numbers)
        callee = str(random.randint(7000, 7199))
        for name in ('call-start', 'call-stop'):
            with self.client.get(
                '/phonecalls/ipbx/%s?caller=%s&callee=%s&apikey=%s'
                % (name, caller, callee, CONFIG['api_key']),
                name=name,
                catch_response=True,
            ) as response:
                check_json(response)


class Bare(FastHttpUser):
    """The same rhythm as ``Webhooks`` against the bare JSON view: the stack's own cost."""

    host = CONFIG.get('bare_url') or CONFIG.get('passerelle_url')
    wait_time = constant(0)

    @task
    def pair(self):
        for name in ('bare-1', 'bare-2'):
            with self.client.get('/bench/bare', name=name, catch_response=True) as response:
                check_json(response)


def measure(seconds, polls_name=None):
    """Open the recorder for ``seconds``; return the window's counts, latencies and CPU."""
    cpu = (server_cpu_seconds(), postgres_cpu_seconds(), own_cpu_seconds(), machine_busy_seconds())
    cache_cpu, sent = cache_cpu_seconds(), passerelle_requests()
    started = time.monotonic()
    RECORDER.start()
    gevent.sleep(seconds)
    RECORDER.stop()
    elapsed = time.monotonic() - started
    server, postgres, own = (
        server_cpu_seconds() - cpu[0],
        postgres_cpu_seconds() - cpu[1],
        own_cpu_seconds() - cpu[2],
    )
    machine = machine_busy_seconds() - cpu[3]
    cache_cpu = cache_cpu_seconds() - cache_cpu
    sent = passerelle_requests() - sent if sent is not None else None
    times = RECORDER.times
    measured = times.get(polls_name, []) if polls_name else [t for values in times.values() for t in values]
    requests = sum(len(values) for values in times.values())
    return {
        'seconds': elapsed,
        'requests': requests,
        'measured': len(measured),
        'per_second': len(measured) / elapsed,
        'requests_per_second': requests / elapsed,
        'median_ms': percentile(measured, 0.5),
        'p95_ms': percentile(measured, 0.95),
        'p99_ms': percentile(measured, 0.99),
        'max_ms': max(measured) if measured else None,
        'errors': sum(RECORDER.errors.values()),
        'error_samples': RECORDER.error_samples,
        'by_name': {name: len(values) for name, values in times.items()},
        'server_cpu_s': server,
        'postgres_cpu_s': postgres,
        'loadgen_cpu_s': own,
        'cache_cpu_s': cache_cpu,
        'passerelle_requests_per_second': sent / elapsed if sent is not None else None,
        # Cores busy with anything else (another test run...): the figures are
        # worth less the higher this is.
        'foreign_cores': max(0.0, machine - server - postgres - own - cache_cpu) / elapsed,
    }


def run_agents(environment):
    runner = environment.create_local_runner()
    steps = []
    for count in CONFIG['steps']:
        runner.start(count + 1, spawn_rate=max(count, 100))
        while runner.user_count < count + 1:
            gevent.sleep(0.1)
        gevent.sleep(CONFIG['warmup_seconds'])
        step = measure(CONFIG['step_seconds'], polls_name='poll')
        step['agents'] = count
        step['call_events'] = step['by_name'].get('call-start', 0) + step['by_name'].get('call-stop', 0)
        step['held'] = (
            bool(step['measured']) and step['p99_ms'] < CONFIG['p99_limit_ms'] and not step['errors']
        )
        steps.append(step)
        print(
            'agents %4d: %5.1f polls/s, p99 %s ms, %d errors'
            % (count, step['per_second'], step['p99_ms'], step['errors']),
            file=sys.stderr,
            flush=True,
        )
        if not step['held'] and not CONFIG.get('whole_ramp'):
            break
    runner.quit()
    return {'steps': steps}


def run_closed_loop(environment):
    runner = environment.create_local_runner()
    runner.start(CONFIG['clients'], spawn_rate=CONFIG['clients'])
    gevent.sleep(CONFIG['warmup_seconds'])
    result = measure(CONFIG['seconds'])
    runner.quit()
    return result


def main():
    mode = CONFIG['mode']
    if mode == 'agents':
        environment = Environment(user_classes=[Agent, Ipbx], events=events)
        result = run_agents(environment)
    else:
        user_class = {'webhooks': Webhooks, 'polls': Poller}.get(mode, Bare)
        environment = Environment(user_classes=[user_class], events=events)
        result = run_closed_loop(environment)
    json.dump(result, sys.stdout)


if __name__ == '__main__':
    main()
