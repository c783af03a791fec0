"""CPU profiles of the gunicorn workers under load, with py-spy, summarised by what the time is spent on.

``py-spy record --gil`` samples only the threads holding the GIL, so a worker
waiting for PostgreSQL or for the connector's answer is not counted: the
profile is the Python CPU time. Raw folded stacks are kept next to the
results; the summary attributes each sample to the first matching category
below (the order matters: the innermost product function wins).
"""

import collections
import os
import re
import subprocess
import sys

VENV_BIN = os.path.dirname(sys.executable)
LINE_NUMBER_RE = re.compile(r':\d+\)')

# (category, substring of the folded stack), first match wins.
CATEGORIES = [
    ('host: session and user (middleware)', 'get_user (django/contrib/auth'),
    ('cell poll: ask the connector (HTTP client)', 'fetch_calls (combo_phone_cell/connector.py)'),
    ('cell poll: access check (roles of cell and page)', 'agent_cell (combo_phone_cell/views.py)'),
    ('cell poll: extension lookup', 'agent_extension (combo_phone_cell/models.py)'),
    ('cell poll: answer for the widget', 'widget_call (combo_phone_cell/connector.py)'),
    ('cell poll: cell lookup and the rest', 'poll (combo_phone_cell/views.py)'),
    ('connector: current and past calls queries', 'calls_of (passerelle_phonecalls/models.py)'),
    ('connector: call JSON', 'call_json (passerelle_phonecalls/calls.py)'),
    ('connector: call-start', 'call_start (passerelle_phonecalls/models.py)'),
    ('connector: call-stop', 'call_stop (passerelle_phonecalls/models.py)'),
    ('connector: endpoint (parameters...)', 'passerelle_phonecalls/models.py'),
    ('host: Passerelle access check (API user, signature)', 'is_accessible_by'),
    ('host: Passerelle instance and endpoint lookup', 'GenericEndpointView.dispatch'),
    ('bench: bare JSON view', 'bare_json (bench/urls.py)'),
    ('Django request handling', 'WSGIHandler.__call__'),
    ('gunicorn (HTTP parsing, sockets)', 'gunicorn'),
]


def record(pid, seconds, output):
    """Start py-spy on gunicorn master ``pid`` and its workers for ``seconds``; returns the process."""
    return subprocess.Popen(
        [
            os.path.join(VENV_BIN, 'py-spy'),
            'record',
            '--pid',
            str(pid),
            '--subprocesses',
            '--gil',
            '--rate',
            '250',
            '--duration',
            str(seconds),
            '--format',
            'raw',
            '--output',
            output,
            '--nonblocking',
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def summarise(path):
    """Share of the samples of each category in the folded stacks file ``path``."""
    counts = collections.Counter()
    total = 0
    with open(path) as file:
        for line in file:
            stack, _sep, count = line.rstrip().rpartition(' ')
            if not count.isdigit():
                continue
            stack = LINE_NUMBER_RE.sub(')', stack)
            total += int(count)
            for category, marker in CATEGORIES:
                if marker in stack:
                    counts[category] += int(count)
                    break
            else:
                counts['other'] += int(count)
    return {
        'samples': total,
        'shares': {category: round(count / total, 3) for category, count in counts.most_common()}
        if total
        else {},
    }
