"""Run the benchmarks, print their table and write ``bench/results/<date>.json``.

``python bench/run.py [--quick] [--only pop,browser,history,webhooks,agents]``
(``make bench``). Every benchmark is compared with a floor measured in the
same run, on the same machine: absolute times vary between machines and
between runs, the ratios are what to compare. See bench/README.rst.
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# First: the editable install appends the repository after gadjo's own top-level ``tests`` package.
sys.path.insert(0, ROOT)

from bench import servers  # noqa: E402
from tests.servers import postgres_answers  # noqa: E402

BROWSER_BENCHMARKS = ('pop', 'browser')
SERVER_BENCHMARKS = ('history', 'webhooks', 'agents')


def load_average():
    with open('/proc/loadavg') as file:
        return float(file.read().split()[0])


def cpu_model():
    try:
        with open('/proc/cpuinfo') as file:
            for line in file:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown'


def command_version(command):
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def machine():
    """What the figures were measured on."""
    import django

    with open('/proc/meminfo') as file:
        memory_kb = int(file.readline().split()[1])
    return {
        'cpu': cpu_model(),
        'cores': os.cpu_count(),
        'memory_gb': round(memory_kb / 1024 / 1024),
        'python': platform.python_version(),
        'django': django.get_version(),
        'postgresql': command_version(['psql', '--version']),
        'chromium': command_version(['/usr/bin/chromium', '--version']),
        'load_average_at_start': load_average(),
    }


def wait_for_quiet(seconds):
    """Wait up to ``seconds`` for the machine's 1-minute load average to drop under 0.5."""
    deadline = time.monotonic() + seconds
    while load_average() >= 0.5 and time.monotonic() < deadline:
        time.sleep(5)


def run_group(module, names, quick):
    """Run ``python -m bench.<module>`` for the benchmarks ``names``; return its results."""
    with tempfile.NamedTemporaryFile(suffix='.json') as output:
        command = [
            sys.executable,
            '-m',
            'bench.' + module,
            '--only',
            ','.join(names),
            '--output',
            output.name,
        ]
        if quick:
            command.append('--quick')
        started = time.monotonic()
        completed = subprocess.run(command, cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT))
        if completed.returncode:
            return {'errors': ['%s exited with code %s' % (module, completed.returncode)]}
        with open(output.name) as file:
            results = json.load(file)
        results.setdefault('seconds', {})[module] = round(time.monotonic() - started)
        return results


def fmt(value, digits=0):
    if value is None:
        return '-'
    if isinstance(value, bool):
        return 'yes' if value else 'NO'
    if isinstance(value, float):
        return ('%.' + str(digits) + 'f') % value
    return str(value)


def table_rows(results):
    """Rows of the summary table: (benchmark, measure, median, p95, p99, floor, ratio, target, met)."""
    rows = []
    for pop in results.get('screen_pop', []):
        rows.append(
            (
                'Screen pop, poll every %d s' % pop['interval_s'],
                'ms, %d calls' % pop['count'],
                fmt(pop['median']),
                fmt(pop['p95']),
                fmt(pop['p99']),
                fmt(pop['floor_ms']) + ' (interval/2)',
                fmt(pop['ratio_to_floor'], 2),
                'median <= %d, p95 <= %d' % (pop['target_median_ms'], pop['target_p95_ms']),
                fmt(pop['met']),
            )
        )
    history = results.get('history')
    if history and 'sizes' in history:
        for key, label in (('connector_calls_ms', 'Connector calls'), ('cell_poll_ms', 'Cell poll view')):
            for row in history['sizes']:
                last = row is history['sizes'][-1]
                rows.append(
                    (
                        '%s, %s calls stored' % (label, '{:,}'.format(row['calls_stored'])),
                        'ms',
                        fmt(row[key]['median'], 1),
                        fmt(row[key]['p95'], 1),
                        fmt(row[key]['p99'], 1),
                        fmt(history['sizes'][0][key]['median'], 1) + ' (smallest)',
                        fmt(row[key]['ratio_to_smallest'], 2),
                        '<= 1.3' if last else '',
                        fmt(row[key]['ratio_to_smallest'] <= 1.3) if last else '',
                    )
                )
    cost = results.get('poll_cost')
    if cost and 'polls' in cost:
        polls, bare = cost['polls'], cost['bare']
        rows.append(
            (
                'Poll CPU per request, %d clients back to back' % cost['clients'],
                'ms CPU in the hosts; %.2f ms PostgreSQL, %.2f ms memcached; %.0f polls/s'
                % (
                    polls['postgres_cpu_ms_per_request'],
                    polls['cache_cpu_ms_per_request'],
                    polls['requests_per_second'],
                ),
                fmt(polls['server_cpu_ms_per_request'], 2),
                '',
                '',
                '%s (bare JSON view)' % fmt(bare['server_cpu_ms_per_request'], 2),
                fmt(cost['ratio_to_floor'], 2),
                '<= 3',
                fmt(cost['ratio_to_floor'] <= 3 and not polls['errors']),
            )
        )
    by_interval = results.get('agents_by_interval') or {}
    for interval, agents in sorted(by_interval.items(), reverse=True):
        if not isinstance(agents, dict):
            continue
        target = 500 if interval == '2' else 250
        for step in agents['steps']:
            rows.append(
                (
                    'Agents polling every %s s: %d' % (interval, step['agents']),
                    'ms; %.0f polls/s; CPU/poll %.2f ms servers + %.2f ms PostgreSQL + %.2f ms memcached; '
                    '%.1f other cores busy'
                    % (
                        step['per_second'],
                        step['server_cpu_ms_per_poll'],
                        step['postgres_cpu_ms_per_poll'],
                        step['cache_cpu_ms_per_poll'],
                        step['foreign_cores'],
                    ),
                    fmt(step['median_ms']),
                    fmt(step['p95_ms']),
                    fmt(step['p99_ms']),
                    '',
                    '',
                    'p99 < 250, no error (%d errors)' % step['errors'],
                    fmt(step['held']),
                )
            )
        rows.append(
            (
                'Agents per machine, polling every %s s' % interval,
                'largest count held',
                fmt(agents['max_agents_held']),
                '',
                '',
                '',
                '',
                '>= %d' % target,
                fmt(agents['max_agents_held'] >= target),
            )
        )
    load = results.get('passerelle_load')
    if load and len(load.get('steps', [])) > 1:
        first, last = load['steps'][0], load['steps'][-1]
        ratio = load['ratio_largest_to_smallest']
        rows.append(
            (
                'Passerelle requests from the cells, %d vs %d agents (1 s)'
                % (last['agents'], first['agents']),
                'requests/s',
                fmt(last['passerelle_requests_per_second'], 1),
                '',
                '',
                '%s (%d agents)' % (fmt(first['passerelle_requests_per_second'], 1), first['agents']),
                fmt(ratio, 2),
                '<= 1.2',
                fmt(ratio is not None and ratio <= 1.2),
            )
        )
    webhooks = results.get('webhooks')
    if webhooks and 'webhooks' in webhooks:
        floor = webhooks['floor']
        for label, result in (
            ('Bare JSON view (floor)', floor),
            ('Webhooks call-start + call-stop', webhooks['webhooks']),
        ):
            is_floor = result is floor
            rows.append(
                (
                    '%s, %d clients' % (label, webhooks['clients']),
                    'ms; %.0f requests/s' % result['requests_per_second'],
                    fmt(result['median_ms'], 1),
                    fmt(result['p95_ms'], 1),
                    fmt(result['p99_ms'], 1),
                    '' if is_floor else '%.0f req/s' % floor['requests_per_second'],
                    '' if is_floor else fmt(webhooks['ratio_to_floor'], 2),
                    '' if is_floor else 'throughput >= 0.5 x floor',
                    '' if is_floor else fmt(webhooks['ratio_to_floor'] >= 0.5 and not result['errors']),
                )
            )
    browser = results.get('browser')
    if browser and 'long_session' in browser:
        session = browser['long_session']
        first, last = (
            session['samples'][1] if len(session['samples']) > 1 else session['samples'][0],
            session['samples'][-1],
        )
        rows.append(
            (
                'One tab, %d simulated minutes, %d polls' % (session['simulated_minutes'], session['polls']),
                'DOM nodes / timers / listeners',
                '%d/%d/%d -> %d/%d/%d'
                % (
                    first['nodes'],
                    first['timers'],
                    first['listeners'],
                    last['nodes'],
                    last['timers'],
                    last['listeners'],
                ),
                '',
                '',
                'minute %d' % first['minute'],
                '',
                'flat',
                fmt(session['flat']),
            )
        )
        tabs = browser['tabs']
        rows.append(
            (
                'Three tabs of one agent',
                'polls/s (%d tab(s) polling)' % tabs['three_tabs']['polling_tabs'],
                fmt(tabs['three_tabs']['polls_per_second'], 2),
                '',
                '',
                fmt(tabs['one_tab']['polls_per_second'], 2) + ' (one tab)',
                fmt(tabs['ratio_to_floor'], 2),
                'one poll stream',
                fmt(tabs['one_stream'] and tabs['ratio_to_floor'] < 1.5),
            )
        )
    return rows


def render_table(rows):
    """An reStructuredText grid table of ``rows``, readable in a terminal too."""
    header = ('Benchmark', 'Measure', 'Median', 'p95', 'p99', 'Floor', 'Ratio', 'Target', 'Met')
    rows = [header] + [tuple(str(cell) for cell in row) for row in rows]
    widths = [max(len(row[index]) for row in rows) for index in range(len(header))]

    def line(char):
        return '+' + '+'.join(char * (width + 2) for width in widths) + '+'

    out = [line('-')]
    for index, row in enumerate(rows):
        out.append(
            '| ' + ' | '.join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) + ' |'
        )
        out.append(line('=' if index == 0 else '-'))
    return '\n'.join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true', help='fewer samples and sizes: a smoke run')
    parser.add_argument('--only', default=','.join(BROWSER_BENCHMARKS + SERVER_BENCHMARKS))
    parser.add_argument('--wait-quiet', type=int, default=0, help='wait up to N s for an idle machine')
    args = parser.parse_args(argv)
    only = args.only.split(',')
    unknown = set(only) - set(BROWSER_BENCHMARKS + SERVER_BENCHMARKS)
    if unknown:
        parser.error('unknown benchmark(s): %s' % ', '.join(sorted(unknown)))

    wait_for_quiet(args.wait_quiet)
    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'bench.settings')
    started = datetime.datetime.now(datetime.UTC)
    results = {'date': started.isoformat(timespec='seconds'), 'quick': args.quick, 'machine': machine()}
    browser = [name for name in BROWSER_BENCHMARKS if name in only]
    server = [name for name in SERVER_BENCHMARKS if name in only]
    groups = []
    if browser:
        if os.path.exists('/usr/bin/chromium'):
            groups.append(run_group('browser_benchmarks', browser, args.quick))
        else:
            results['skipped'] = ['browser benchmarks: /usr/bin/chromium is missing']
    if server:
        if postgres_answers(servers.POSTGRES_URL):
            groups.append(run_group('server_benchmarks', server, args.quick))
        else:
            results.setdefault('skipped', []).append(
                'server benchmarks: PostgreSQL does not answer at %s' % servers.POSTGRES_URL
            )
    for group in groups:
        for key in ('errors', 'seconds'):
            if key in group:
                if isinstance(group[key], dict):
                    results.setdefault(key, {}).update(group.pop(key))
                else:
                    results.setdefault(key, []).extend(group.pop(key))
        results.update(group)
    results['machine']['load_average_at_end'] = load_average()

    folder = os.path.join(ROOT, 'bench', 'results')
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(
        folder, started.strftime('%Y-%m-%dT%H%M%S') + ('-quick' if args.quick else '') + '.json'
    )
    with open(path, 'w') as file:
        json.dump(results, file, indent=2)
    info = results['machine']
    print()
    print(
        '%s, %s (%d cores, %d GB), load average %.2f at start'
        % (results['date'], info['cpu'], info['cores'], info['memory_gb'], info['load_average_at_start'])
    )
    print(render_table(table_rows(results)))
    for message in results.get('skipped', []) + results.get('errors', []):
        print('*** %s' % message)
    print('Results written to %s' % os.path.relpath(path, ROOT))
    return 1 if results.get('errors') else 0


if __name__ == '__main__':
    sys.exit(main())
