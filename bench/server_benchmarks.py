"""Server benchmarks on PostgreSQL: poll cost vs history, webhook ingest, agents per machine.

``python -m bench.server_benchmarks [--quick] [--only history,webhooks,agents] --output FILE``
(``bench/run.py`` runs it). One throw-away database ``bench_phonecalls`` on
``BENCH_POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432/``),
dropped at the end. Four gunicorn servers run the bench project, two playing
Combo and two playing Passerelle, behind haproxy and sharing the database
and one memcached, as a site that outgrew one machine runs: the cell's poll
view asks the connector over HTTP (through haproxy) with a Publik signature,
as in production. Each has ``cores + 1`` sync workers (the four together a
little more than gunicorn's ``2 × cores + 1`` for one server); sync workers
close each connection after the answer, like nginx in front of them does by
default.

The benchmarks run in this order on the same database: the history one grows
the call table to 10^6 rows, then the webhooks and agents ones run on that
realistic table.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import types

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# First: the editable install appends the repository after gadjo's own top-level ``tests`` package.
sys.path.insert(0, ROOT)

from bench import profiling, servers, stats, world  # noqa: E402
from tests.servers import postgres_database  # noqa: E402

LOADGEN = os.path.join(ROOT, 'bench', 'loadgen.py')
WORKERS = (os.cpu_count() or 1) + 1
API_KEY = 'abcdef'
POLL_P99_LIMIT_MS = 250


def run_loadgen(config):
    """Run bench/loadgen.py with ``config``; return its JSON result."""
    completed = subprocess.run(
        [sys.executable, LOADGEN],
        input=json.dumps(config),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=ROOT),
        timeout=900,
    )
    sys.stderr.write(completed.stderr[-3000:] if completed.returncode else '')
    if completed.returncode:
        raise RuntimeError('loadgen failed with code %s' % completed.returncode)
    return json.loads(completed.stdout)


def timed_gets(session, urls, headers=None):
    """Milliseconds of each GET of ``urls`` in turn; every answer must be JSON with err 0."""
    times = []
    for url in urls:
        started = time.perf_counter()
        response = session.get(url, headers=headers and headers(url), timeout=10)
        elapsed = (time.perf_counter() - started) * 1000
        payload = response.json()
        if response.status_code != 200 or payload.get('err') != 0:
            raise RuntimeError('%s answered %s: %s' % (url.split('?')[0], response.status_code, payload))
        times.append(elapsed)
    return times


def history_benchmark(context, sizes, requests_per_size):
    """Latency of the connector's ``calls`` and of the cell's poll view at each history size."""
    import requests

    from passerelle_phonecalls.models import PhoneCalls

    connector = PhoneCalls.objects.get(slug='ipbx')
    agents = world.create_agents(world.MEASURED_EXTENSIONS, prefix='history-agent')
    session = requests.Session()
    rows = []
    for size in sizes:
        started = time.monotonic()
        stored = world.load_history(connector, size)
        load_seconds = time.monotonic() - started
        connector_urls = [
            '%s/phonecalls/ipbx/calls?callee=%s&apikey=%s' % (context['passerelle'].url, extension, API_KEY)
            for _key, extension in agents
        ]
        poll_url = '%s/api/phone-call-cell/%d/poll/' % (context['combo'].url, context['cell_pk'])
        cookies = {}
        poll_urls = []
        for index, (key, _extension) in enumerate(agents):
            url = '%s?agent=%d' % (poll_url, index)
            cookies[url] = {'Cookie': 'sessionid=' + key}
            poll_urls.append(url)
        rounds = max(1, requests_per_size // len(agents))
        # Warm-up: connections to PostgreSQL, caches, first imports in every worker.
        timed_gets(session, connector_urls * 2)
        timed_gets(session, poll_urls * 2, headers=cookies.get)
        connector_times = timed_gets(session, connector_urls * rounds)
        poll_times = timed_gets(session, poll_urls * rounds, headers=cookies.get)
        rows.append(
            {
                'calls_stored': stored,
                'load_seconds': load_seconds,
                'connector_calls_ms': stats.summary(connector_times),
                'cell_poll_ms': stats.summary(poll_times),
            }
        )
        print(
            'history %8d calls: connector median %.2f ms, poll median %.2f ms'
            % (stored, rows[-1]['connector_calls_ms']['median'], rows[-1]['cell_poll_ms']['median']),
            file=sys.stderr,
            flush=True,
        )
    base = rows[0]
    for row in rows:
        for key in ('connector_calls_ms', 'cell_poll_ms'):
            row[key]['ratio_to_smallest'] = row[key]['median'] / base[key]['median']
    return {'sizes': rows, 'requests_per_size': rounds * len(agents)}


def webhooks_benchmark(context, clients, seconds):
    """Throughput and p99 of call-start/call-stop pairs, and of the bare JSON view (the floor)."""
    common = {
        'database_name': context['database_name'],
        'passerelle_url': context['passerelle'].url,
        'server_pids': context['server_pids'],
        'clients': clients,
        'seconds': seconds,
        'warmup_seconds': 2,
        'api_key': API_KEY,
    }
    floor = run_loadgen(dict(common, mode='bare'))
    webhooks = run_loadgen(dict(common, mode='webhooks'))
    return {
        'clients': clients,
        'floor': floor,
        'webhooks': webhooks,
        'ratio_to_floor': webhooks['requests_per_second'] / floor['requests_per_second'],
        'config': dict(common, mode='webhooks'),
    }


def agents_benchmark(context, agents, steps, step_seconds, interval, whole_ramp=False):
    """The largest number of agents polling every ``interval`` s with p99 under 250 ms and no error."""
    config = {
        'mode': 'agents',
        'database_name': context['database_name'],
        'combo_url': context['combo'].url,
        'passerelle_url': context['ipbx_url'],
        'server_pids': context['server_pids'],
        'cache_pids': context['cache_pids'],
        'stats_url': context['stats_url'],
        'agents': agents,
        'cell_pk': context['cell_pk'],
        'steps': steps,
        'step_seconds': step_seconds,
        'warmup_seconds': 4,
        'p99_limit_ms': POLL_P99_LIMIT_MS,
        'call_events_per_second': 2,
        'api_key': API_KEY,
        'poll_interval': interval,
        'whole_ramp': whole_ramp,
    }
    result = run_loadgen(config)
    result['config'] = config
    result['interval_s'] = interval
    for step in result['steps']:
        polls = step['measured'] or 1
        step['server_cpu_ms_per_poll'] = 1000 * step['server_cpu_s'] / polls
        step['postgres_cpu_ms_per_poll'] = 1000 * step['postgres_cpu_s'] / polls
        step['cache_cpu_ms_per_poll'] = 1000 * step['cache_cpu_s'] / polls
        step['loadgen_cpu_ms_per_poll'] = 1000 * step['loadgen_cpu_s'] / polls
    held = [step['agents'] for step in result['steps'] if step['held']]
    result['max_agents_held'] = max(held) if held else 0
    return result


def poll_cost_benchmark(context, agents, clients, seconds):
    """CPU per request of the poll view and of the bare JSON view (the floor), on the same servers."""
    common = {
        'database_name': context['database_name'],
        'combo_url': context['combo'].url,
        'bare_url': context['combo'].url,
        'server_pids': context['server_pids'],
        'cache_pids': context['cache_pids'],
        'cell_pk': context['cell_pk'],
        'agents': agents[:clients],
        'clients': clients,
        'seconds': seconds,
        'warmup_seconds': 2,
    }
    result = {}
    for mode in ('bare', 'polls'):
        load = run_loadgen(dict(common, mode=mode))
        requests = load['requests'] or 1
        load['server_cpu_ms_per_request'] = 1000 * load['server_cpu_s'] / requests
        load['postgres_cpu_ms_per_request'] = 1000 * load['postgres_cpu_s'] / requests
        load['cache_cpu_ms_per_request'] = 1000 * load['cache_cpu_s'] / requests
        result[mode] = load
    result['clients'] = clients
    result['ratio_to_floor'] = (
        result['polls']['server_cpu_ms_per_request'] / result['bare']['server_cpu_ms_per_request']
    )
    return result


def passerelle_load_benchmark(context, agents, counts, step_seconds):
    """Requests per second the cells send to Passerelle at the smallest and the largest agent count (1 s).

    A first, unmeasured step at the largest count lets every agent read its
    recent calls once (what a new session does, then every 5 minutes): the
    steps compared are the steady state that follows.
    """
    smallest, largest = min(counts), max(counts)
    steps = [largest, smallest, largest]
    result = agents_benchmark(context, agents, steps, step_seconds, interval=1, whole_ramp=True)
    result.pop('config')
    result['steps'] = result['steps'][1:]
    rates = [step['passerelle_requests_per_second'] for step in result['steps']]
    result['ratio_largest_to_smallest'] = rates[-1] / rates[0] if len(rates) == 2 and rates[0] else None
    return result


def profile_run(context, name, config, masters):
    """Run the load ``config`` once more under py-spy on ``masters``; return the summaries per server.

    The folded stacks are kept in bench/results/profile-<stamp>-<name>-<server>.txt.
    """
    stamp = time.strftime('%Y-%m-%dT%H%M%S', time.gmtime())
    folder = os.path.join(ROOT, 'bench', 'results')
    os.makedirs(folder, exist_ok=True)
    seconds = config.get('warmup_seconds', 0) + config.get('step_seconds', config.get('seconds', 10)) + 2
    spies = {}
    for server_name, server in masters.items():
        path = os.path.join(folder, 'profile-%s-%s-%s.txt' % (stamp, name, server_name))
        spies[server_name] = (path, profiling.record(server.process.pid, seconds, path))
    load = run_loadgen(config)
    summaries = {}
    for server_name, (path, spy) in spies.items():
        spy.wait(timeout=seconds + 30)
        summaries[server_name] = profiling.summarise(path) if os.path.exists(path) else None
        summaries[server_name]['file'] = os.path.relpath(path, ROOT)
    return {'load': load, 'servers': summaries}


PLANS = {
    'full': {
        'history_sizes': [10**3, 10**5, 10**6],
        'history_requests': 400,
        'webhook_clients': 16,
        'webhook_seconds': 10,
        'agent_steps': {
            2: [100, 250, 500, 750, 1000, 1500],
            1: [100, 250, 400, 500, 750, 1000],
        },
        'agent_step_seconds': 15,
        'passerelle_counts': [100, 400],
        'cost_clients': 8,
        'cost_seconds': 10,
        'profile': True,
    },
    'quick': {
        'history_sizes': [10**3, 10**5],
        'history_requests': 200,
        'webhook_clients': 16,
        'webhook_seconds': 5,
        'agent_steps': {2: [100, 500], 1: [100, 250]},
        'agent_step_seconds': 8,
        'passerelle_counts': [100, 400],
        'cost_clients': 8,
        'cost_seconds': 5,
        'profile': False,
    },
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true')
    parser.add_argument('--only', default='history,webhooks,agents')
    parser.add_argument('--output', required=True)
    args = parser.parse_args(argv)
    plan = PLANS['quick' if args.quick else 'full']
    only = set(args.only.split(','))
    results = {}
    with postgres_database('bench_phonecalls', servers.POSTGRES_URL) as database_url:
        ports = servers.cluster_ports()
        passerelle_url = 'http://127.0.0.1:%d/' % ports['passerelle']
        servers.setup_django(database_url, passerelle_url)
        cell = world.seed_demo(passerelle_url)
        with servers.cluster(database_url, ports, WORKERS) as cluster:
            context = {
                # The addresses behind haproxy, as agents and the phone system see them.
                'passerelle': types.SimpleNamespace(url=cluster.ipbx_url),
                'combo': types.SimpleNamespace(url=cluster.combo_url),
                'ipbx_url': cluster.ipbx_url,
                'stats_url': cluster.stats_url,
                'server_pids': cluster.master_pids(),
                'cache_pids': [cluster.memcached_pid],
                'cell_pk': cell.pk,
                'database_name': database_url.rsplit('/', 1)[1],
            }
            if 'history' in only:
                results['history'] = history_benchmark(
                    context, plan['history_sizes'], plan['history_requests']
                )
            if 'webhooks' in only:
                context['server_pids'] = [server.process.pid for server in cluster.passerelles]
                webhooks = results['webhooks'] = webhooks_benchmark(
                    context, plan['webhook_clients'], plan['webhook_seconds']
                )
                context['server_pids'] = cluster.master_pids()
                config = webhooks.pop('config')
                if plan['profile'] and webhooks['ratio_to_floor'] < 0.5:
                    masters = {'passerelle': cluster.passerelles[0]}
                    webhooks['profile'] = profile_run(context, 'webhooks', config, masters)
            if 'agents' in only:
                steps = plan['agent_steps']
                agents = world.create_agents(
                    world.agent_extensions(max(max(each) for each in steps.values()))
                )
                results['poll_cost'] = poll_cost_benchmark(
                    context, agents, plan['cost_clients'], plan['cost_seconds']
                )
                results['agents_by_interval'] = {}
                for interval in sorted(steps, reverse=True):
                    ramp = results['agents_by_interval'][str(interval)] = agents_benchmark(
                        context, agents, steps[interval], plan['agent_step_seconds'], interval
                    )
                    config = ramp.pop('config')
                    target = 500 if interval == 2 else 250
                    if plan['profile'] and ramp['max_agents_held'] < target:
                        load = max(ramp['max_agents_held'], min(steps[interval]))
                        config = dict(config, steps=[load], step_seconds=10)
                        masters = {'combo': cluster.combos[0], 'passerelle': cluster.passerelles[0]}
                        ramp['profile'] = profile_run(context, 'agents-%ds' % interval, config, masters)
                        ramp['profile']['agents'] = load
                results['passerelle_load'] = passerelle_load_benchmark(
                    context, agents, plan['passerelle_counts'], plan['agent_step_seconds']
                )
        from django.db import connections

        connections.close_all()
    for result in results.values():
        result['workers_per_server'] = WORKERS
    with open(args.output, 'w') as file:
        json.dump(results, file, indent=2)


if __name__ == '__main__':
    main()
