"""A call centre's larger day replayed through Kamailio: counts of pops, wrong citizens, missed pops, open calls.

``python -m bench.day_replay [--calls 1000] [--agents 20] [--quick] [--output FILE]``

The same replay as ``tests/ipbx/test_day.py`` (``tests/ipbx/day.py``), at a
bench's size: the demo server, the Publik proxy, Kamailio with the contrib
configuration and one SIPp phone per agent, all on 127.0.0.1, stopped at the
end. Each agent's poll answer is read all along (no browser here: the test
follows two agents in Chromium). Prints the counts; with ``--output``, also
writes them as JSON (``{"day": {...}}``, the shape ``bench/run.py`` reads
from its benchmark groups). Needs Debian's kamailio, kamailio-utils-modules
and sip-tester.
"""

import argparse
import json
import os
import pathlib
import socket
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# First: the editable install appends the repository after gadjo's own top-level ``tests`` package.
sys.path.insert(0, ROOT)

from tests.ipbx import day as day_replay  # noqa: E402
from tests.ipbx import lab  # noqa: E402
from tests.ipbx.publik import Publik  # noqa: E402
from tests.servers import free_port  # noqa: E402

# The demo's own agents; the others are created for the day.
DEMO_AGENTS = {'42': 'agent', '43': 'agent2'}


def manage(workdir, demo, code):
    import subprocess

    result = subprocess.run(
        [sys.executable, str(lab.ROOT / 'demo' / 'manage.py'), 'shell', '-c', code],
        env=lab.demo_env(workdir / 'demo.sqlite3', demo.port),
        timeout=120,
        cwd=lab.ROOT,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise lab.LabError(result.stderr)


def open_calls(demo, extensions):
    """The calls still open at the connector for ``extensions``."""
    import requests

    found = []
    for ext in extensions:
        answer = requests.get(
            demo.url + '/phonecalls/ipbx/calls',
            params={'callee': ext, 'apikey': lab.DEMO_API_KEY, 'limit': 1},
            timeout=10,
        )
        found += answer.json()['data']['current']
    return found


def replay_day(calls, agent_count, seed, poll_interval, workdir):
    """Bring the lab up, replay the day, bring it down; return ``(report, seconds)``."""
    extensions = [str(ext) for ext in range(42, 42 + agent_count)]
    processes, publik = [], None
    try:
        demo = lab.DemoServer(workdir, free_port(), workdir / 'demo.sqlite3')
        processes.append(demo)
        demo.wait_ready()
        extra = [ext for ext in extensions if ext not in DEMO_AGENTS]
        manage(workdir, demo, day_replay.add_agents_code([('agent' + ext, ext) for ext in extra]))
        publik = Publik(demo.url).start()
        sip_port = free_port(socket.SOCK_DGRAM)
        kamailio = lab.Kamailio(
            workdir, sip_port, publik.url + '/phonecalls/ipbx', lab.DEMO_API_USER, lab.DEMO_API_KEY
        )
        processes.append(kamailio)
        kamailio.wait_ready()
        phones = {}
        for ext in extensions:
            phones[ext] = lab.Phone(workdir, ext, sip_port, timeout=3600)
            processes.append(phones[ext])
        agents = {
            ext: day_replay.Agent(
                demo.url, DEMO_AGENTS.get(ext, 'agent' + ext), DEMO_AGENTS.get(ext, 'agent' + ext)
            )
            for ext in extensions
        }
        day = day_replay.generate_day(calls, extensions, seed=seed)
        replay = day_replay.Replay(
            day, workdir, sip_port, phones, agents, publik, poll_interval=poll_interval
        )
        seconds = replay.run(timeout=max(600, int(max(call.delay for call in day) * 3)))
        deadline = time.monotonic() + 30
        while open_calls(demo, extensions) and time.monotonic() < deadline:
            time.sleep(0.5)
        legs = day_replay.day_legs(replay)
        report = day_replay.check(replay, legs, open_calls(demo, extensions))
        report.seconds = seconds
        return report
    finally:
        for process in reversed(processes):
            process.stop()
        if publik is not None:
            publik.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--calls', type=int, default=1000)
    parser.add_argument('--agents', type=int, default=20)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--poll-interval', type=float, default=0.5, help="seconds between an agent's polls")
    parser.add_argument('--quick', action='store_true', help='a smoke run: 120 calls')
    parser.add_argument(
        '--only', default='day', help='accepted for bench/run.py; the only benchmark is "day"'
    )
    parser.add_argument('--output', help='write the counts there as JSON')
    args = parser.parse_args(argv)
    problem = lab.missing_tools()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    # Ctrl-C and SIGTERM stop the lab's processes too.
    lab.interrupt_on_signals()
    calls = 120 if args.quick else args.calls
    workdir = pathlib.Path(tempfile.mkdtemp(prefix='day-replay-'))
    report = replay_day(calls, args.agents, args.seed, args.poll_interval, workdir)
    print('day replayed: %s' % report.summary())
    for problem in report.problems[:20]:
        print('  %s' % problem)
    print('logs: %s' % workdir)
    if args.output:
        counts = {
            name: getattr(report, name)
            for name in (
                'calls',
                'patterns',
                'agents',
                'legs',
                'max_concurrent_legs',
                'polls',
                'poll_errors',
                'pops',
                'wrong_citizen',
                'missed_pop',
                'earlier_citizen_shown',
                'open_calls',
                'webhooks',
                'seconds',
            )
        }
        counts['seconds'] = round(counts['seconds'], 1)
        pathlib.Path(args.output).write_text(json.dumps({'day': counts}, indent=2))
    faults = report.wrong_citizen + report.missed_pop + report.earlier_citizen_shown + report.open_calls
    return 1 if faults or report.poll_errors else 0


if __name__ == '__main__':
    sys.exit(main())
