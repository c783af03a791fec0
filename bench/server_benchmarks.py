"""Server benchmarks on PostgreSQL: poll cost vs history, webhook ingest, agents per machine.

``python -m bench.server_benchmarks [--quick] [--only history,webhooks,agents] --output FILE``
(``bench/run.py`` runs it). One throw-away database ``bench_phonecalls`` on
``BENCH_POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432/``),
dropped at the end. Two gunicorn servers run the bench project, one playing
Combo and one playing Passerelle, as on two hosts: the cell's poll view asks
the connector over HTTP with a Publik signature, as in production. Each has
``2 × cores + 1`` sync workers, gunicorn's own advice; sync workers close
each connection after the answer, like nginx in front of them does by default.

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

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from bench import profiling, servers, stats, world  # noqa: E402

LOADGEN = os.path.join(ROOT, 'bench', 'loadgen.py')
WORKERS = 2 * (os.cpu_count() or 1) + 1
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
        'server_pids': [context['passerelle'].process.pid],
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


def agents_benchmark(context, steps, step_seconds):
    """The largest number of agents polling every 2 s with p99 under 250 ms and no error."""
    agents = world.create_agents(world.agent_extensions(max(steps)))
    config = {
        'mode': 'agents',
        'database_name': context['database_name'],
        'combo_url': context['combo'].url,
        'passerelle_url': context['passerelle'].url,
        'server_pids': [context['combo'].process.pid, context['passerelle'].process.pid],
        'agents': agents,
        'cell_pk': context['cell_pk'],
        'steps': steps,
        'step_seconds': step_seconds,
        'warmup_seconds': 4,
        'p99_limit_ms': POLL_P99_LIMIT_MS,
        'call_events_per_second': 2,
        'api_key': API_KEY,
    }
    result = run_loadgen(config)
    result['config'] = config
    for step in result['steps']:
        polls = step['measured'] or 1
        step['server_cpu_ms_per_poll'] = 1000 * step['server_cpu_s'] / polls
        step['postgres_cpu_ms_per_poll'] = 1000 * step['postgres_cpu_s'] / polls
        step['loadgen_cpu_ms_per_poll'] = 1000 * step['loadgen_cpu_s'] / polls
    held = [step['agents'] for step in result['steps'] if step['held']]
    result['max_agents_held'] = max(held) if held else 0
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
        'agent_steps': [100, 150, 200, 250, 300, 400, 500, 750, 1000],
        'agent_step_seconds': 15,
        'profile': True,
    },
    'quick': {
        'history_sizes': [10**3, 10**5],
        'history_requests': 200,
        'webhook_clients': 16,
        'webhook_seconds': 5,
        'agent_steps': [100, 500],
        'agent_step_seconds': 8,
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
    with servers.postgres_database() as database_url:
        passerelle_port = servers.free_port()
        passerelle_url = 'http://127.0.0.1:%d/' % passerelle_port
        servers.setup_django(database_url, passerelle_url)
        cell = world.seed_demo(passerelle_url)
        env = servers.django_environment(database_url, passerelle_url)
        with (
            servers.gunicorn(env, workers=WORKERS, port=passerelle_port) as passerelle,
            servers.gunicorn(env, workers=WORKERS) as combo,
        ):
            context = {
                'passerelle': passerelle,
                'combo': combo,
                'cell_pk': cell.pk,
                'database_name': database_url.rsplit('/', 1)[1],
            }
            if 'history' in only:
                results['history'] = history_benchmark(
                    context, plan['history_sizes'], plan['history_requests']
                )
            if 'webhooks' in only:
                webhooks = results['webhooks'] = webhooks_benchmark(
                    context, plan['webhook_clients'], plan['webhook_seconds']
                )
                config = webhooks.pop('config')
                if plan['profile'] and webhooks['ratio_to_floor'] < 0.5:
                    webhooks['profile'] = profile_run(context, 'webhooks', config, {'passerelle': passerelle})
            if 'agents' in only:
                agents = results['agents'] = agents_benchmark(
                    context, plan['agent_steps'], plan['agent_step_seconds']
                )
                config = agents.pop('config')
                if plan['profile'] and agents['max_agents_held'] < 500:
                    # At the largest count held: where the time goes before it saturates.
                    load = max(agents['max_agents_held'], min(plan['agent_steps']))
                    config = dict(config, steps=[load], step_seconds=10)
                    agents['profile'] = profile_run(
                        context, 'agents', config, {'combo': combo, 'passerelle': passerelle}
                    )
                    agents['profile']['agents'] = load
        from django.db import connections

        connections.close_all()
    for result in results.values():
        result['workers_per_server'] = WORKERS
    with open(args.output, 'w') as file:
        json.dump(results, file, indent=2)


if __name__ == '__main__':
    main()
