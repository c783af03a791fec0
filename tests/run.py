"""Run the test suites; exit non-zero on any failure, or when a suite runs no test.

Each suite is its own pytest process because each is a different Django
project: the connector in Passerelle, the cell in Combo (with and without
Combo's search app), the stand-ins' own tests, and the end-to-end tests on the
demo project that holds both hosts. Each test runs where it proves something:

- the connector and cell suites on SQLite and again on PostgreSQL (when one
  answers at ``TEST_DATABASE_URL``), on whichever Django series is installed;
- the stand-ins' tests and the search-app-less cell on SQLite only: they test
  configurations, not databases;
- the end-to-end and SIP suites, and every test marked ``browser``, once: with
  the newest Django series, on PostgreSQL (SQLite when PostgreSQL does not
  answer); the connector's real-server storms (marked ``server``) with the
  newest series, on each database; with ``CI=true``, the thorough Hypothesis
  profile where the suite's browser tests run (newest series, PostgreSQL for
  the connector and the cell, as in production), the quick one elsewhere.

Suites run three at a time (``TEST_JOBS`` to change it: most of their time is
spent waiting for servers and browsers, not computing), each printing its
output when it ends. With ``CI=true`` a missing PostgreSQL or Chromium is a failure,
not a skip. Extra arguments go to every pytest run (``make test ARGS='-k stop'``);
``TEST_SUITES=combo,e2e`` runs only those suites, ``TEST_DATABASES=sqlite`` only
on SQLite (as CI's run on Debian 12's libraries, ``make test DEBIAN=bookworm``).
The header names the versions of the libraries the apps run on.
"""

import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import django
import phonenumbers
import requests
import urllib3

# Run as a script: the repository's ``tests`` package, not another distribution's.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tests.servers import postgres_answers, postgres_url  # noqa: E402

EVERY_DATABASE = 'every database'
SQLITE = 'SQLite only'
ONCE = 'once, newest Django, PostgreSQL'
NEWEST_SERIES = (5, 2)
# name, pytest arguments, settings module, where it runs; the longest suites first.
SUITES = [
    ('passerelle', ['tests/passerelle'], 'tests.settings.passerelle', EVERY_DATABASE),
    # Its tests mostly wait for polls and pages: three at a time, in three
    # processes (pytest-xdist), each with its own live server and database.
    ('e2e', ['tests/e2e', '-n', '3'], 'tests.settings.demo', ONCE),
    ('combo', ['tests/combo'], 'tests.settings.combo', EVERY_DATABASE),
    ('ipbx', ['tests/ipbx'], 'tests.settings.demo', ONCE),
    ('combo-nosearch', ['tests/combo_nosearch'], 'tests.settings.combo_nosearch', SQLITE),
    ('hosts', ['tests/hosts'], 'tests.hosts.settings', SQLITE),
]
# Tests marked so run only where the suite's browser tests run (newest series,
# last database of the suite): Chromium, and the connector's real-server storms.
ONCE_MARKS = 'not browser and not server'
CHROMIUM = '/usr/bin/chromium'


def truthy(value):
    return (value or '').lower() in ('1', 'true', 'yes')


def plan(postgres, newest, selected, databases=()):
    """The ``(suite, arguments, settings, backend, url, marks, thorough)`` runs of this invocation, and notes
    about the rest; ``thorough`` runs are those where a suite's browser tests run. ``databases``, when
    given, keeps only those backends."""
    runs, notes = [], []
    backends = [('sqlite', '')] + ([('postgresql', postgres)] if postgres else [])
    if databases:
        backends = [backend for backend in backends if backend[0] in databases]
    for name, arguments, settings, where in SUITES:
        if selected and name not in selected:
            continue
        if where == EVERY_DATABASE:
            chosen = backends
        elif where == SQLITE:
            chosen = backends[:1]
        elif newest:
            chosen = backends[-1:]
        else:
            notes.append('%s: runs with Django %d.%d only' % (name, *NEWEST_SERIES))
            continue
        for backend, url in chosen:
            thorough = newest and backend == chosen[-1][0]
            if thorough:
                marks = []
            elif newest:
                # The real-server storms prove something on each database, Chromium on one.
                marks = ['-m', 'not browser']
            else:
                marks = ['-m', ONCE_MARKS]
            runs.append((name, arguments, settings, backend, url, marks, thorough))
    return runs, notes


def run_suite(name, arguments, settings, backend, url, marks, thorough, args):
    """Run one suite; return ``(label, exit code, counts, seconds, output)``."""
    label = '%s on %s' % (name, backend)
    junit = 'test-artifacts/%s-%s.xml' % (name, backend)
    env = dict(os.environ)
    if not thorough and truthy(os.environ.get('CI')):
        # Properties explore inputs, not Django series or databases: thoroughly in
        # one run of the suite, quickly in the others.
        env.setdefault('HYPOTHESIS_PROFILE', 'dev')
    env.update(
        TEST_DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE=settings,
        # Suites running side by side on PostgreSQL each get their own test database.
        TEST_DB_SUFFIX='%s_%s' % (os.environ.get('TEST_DB_SUFFIX', ''), name.replace('-', '_')),
    )
    command = [
        sys.executable,
        '-m',
        'pytest',
        *arguments,
        '--ds',
        settings,
        '--junitxml',
        junit,
        '-p',
        'no:cacheprovider',
    ]
    if os.path.exists(junit):
        os.remove(junit)
    started = time.monotonic()
    with tempfile.TemporaryFile(mode='w+') as output:
        code = subprocess.call([*command, *marks, *args], env=env, stdout=output, stderr=subprocess.STDOUT)
        output.seek(0)
        text = output.read()
    return label, code, junit_counts(junit), time.monotonic() - started, text


def junit_counts(path):
    counts = {'passed': 0, 'failed': 0, 'skipped': 0}
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return counts
    for suite in root.iter('testsuite'):
        tests = int(suite.get('tests', 0))
        failed = int(suite.get('failures', 0)) + int(suite.get('errors', 0))
        skipped = int(suite.get('skipped', 0))
        counts['failed'] += failed
        counts['skipped'] += skipped
        counts['passed'] += tests - failed - skipped
    return counts


def main(args):
    ci = truthy(os.environ.get('CI'))
    problems = []
    databases = {name for name in os.environ.get('TEST_DATABASES', '').split(',') if name}
    postgres = postgres_url('TEST_DATABASE_URL')
    if databases and 'postgresql' not in databases:
        postgres = None
    elif not postgres_answers(postgres):
        problems.append('PostgreSQL does not answer at %s: PostgreSQL runs skipped' % postgres)
        postgres = None
    newest = django.VERSION[:2] == NEWEST_SERIES
    selected = {name for name in os.environ.get('TEST_SUITES', '').split(',') if name}
    runs, notes = plan(postgres, newest, selected, databases)
    if not runs:
        problems.append('no suite to run (TEST_SUITES=%s)' % ','.join(sorted(selected)))
    # Only the runs where the browser tests run need Chromium (CI installs it meanwhile).
    if any(run[-1] for run in runs) and not os.path.exists(CHROMIUM):
        problems.append('%s is missing: browser tests skipped (apt-get install chromium)' % CHROMIUM)
    for problem in problems:
        print('*** ' + problem, flush=True)
    if not ci:
        problems = [problem for problem in problems if problem.startswith('no suite')]

    print(
        'Django %s, requests %s, urllib3 %s, phonenumbers %s: %d suite runs'
        % (
            django.get_version(),
            requests.__version__,
            urllib3.__version__,
            phonenumbers.__version__,
            len(runs),
        ),
        flush=True,
    )
    for note in notes:
        print('  ' + note, flush=True)

    os.makedirs('test-artifacts', exist_ok=True)
    totals = {'passed': 0, 'failed': 0, 'skipped': 0}
    timings = []
    jobs = max(1, int(os.environ.get('TEST_JOBS', '3')))
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(run_suite, *run, args) for run in runs]
        for future in futures:
            label, code, counts, seconds, text = future.result()
            print('\n=== %s (%.0f s) ===\n%s' % (label, seconds, text), end='', flush=True)
            timings.append((label, seconds, counts))
            for key in totals:
                totals[key] += counts[key]
            if code == 5:
                problems.append('%s: no test ran' % label)
            elif code != 0:
                problems.append('%s: pytest exit code %s' % (label, code))

    print('\n=== summary ===')
    for label, seconds, counts in timings:
        print(
            '%-32s %4.0f s  %4d passed, %d failed, %d skipped'
            % (label, seconds, counts['passed'], counts['failed'], counts['skipped'])
        )
    for problem in problems:
        print('*** FAILED: ' + problem)
    print('total: %(passed)d passed, %(failed)d failed, %(skipped)d skipped' % totals)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
