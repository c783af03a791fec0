"""Run every test suite on every available database; exit non-zero on any failure.

Each suite runs in its own pytest process because each is a different Django
project: the connector in Passerelle, the cell in Combo, the end-to-end tests
on the demo project that holds both. The suites run on SQLite, then again on
PostgreSQL when one answers at ``TEST_DATABASE_URL``. With ``CI=true`` a
missing PostgreSQL or Chromium is a failure, not a skip.

Extra arguments are passed to every pytest run (``make test ARGS='-k stop'``).
"""

import os
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

SUITES = [
    ('passerelle', 'tests/passerelle', 'tests.settings.passerelle'),
    ('combo', 'tests/combo', 'tests.settings.combo'),
    ('e2e', 'tests/e2e', 'tests.settings.demo'),
]
DEFAULT_POSTGRES = 'postgresql://postgres@127.0.0.1:5432/'
CHROMIUM = '/usr/bin/chromium'


def postgres_answers(url):
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname or '127.0.0.1', parts.port or 5432), timeout=2).close()
    except OSError:
        return False
    return True


def main(args):
    ci = os.environ.get('CI', '').lower() in ('1', 'true', 'yes')
    postgres = os.environ.get('TEST_DATABASE_URL') or DEFAULT_POSTGRES
    backends = [('sqlite', '')]
    problems = []
    if postgres_answers(postgres):
        backends.append(('postgresql', postgres))
    else:
        message = 'PostgreSQL does not answer at %s: PostgreSQL runs skipped' % postgres
        print('*** ' + message, flush=True)
        if ci:
            problems.append(message)
    if not os.path.exists(CHROMIUM):
        message = '%s is missing: browser tests skipped (apt-get install chromium)' % CHROMIUM
        print('*** ' + message, flush=True)
        if ci:
            problems.append(message)

    os.makedirs('test-artifacts', exist_ok=True)
    totals = {'passed': 0, 'failed': 0, 'skipped': 0}
    for backend, url in backends:
        for suite, path, settings in SUITES:
            print('\n=== %s tests on %s ===' % (suite, backend), flush=True)
            junit = 'test-artifacts/%s-%s.xml' % (suite, backend)
            env = dict(os.environ, TEST_DATABASE_URL=url, DJANGO_SETTINGS_MODULE=settings)
            command = [sys.executable, '-m', 'pytest', path, '--ds', settings, '--junitxml', junit, *args]
            code = subprocess.call(command, env=env)
            counts = junit_counts(junit)
            for key in totals:
                totals[key] += counts[key]
            if code != 0:
                problems.append('%s on %s: pytest exit code %s' % (suite, backend, code))

    print()
    for problem in problems:
        print('*** FAILED: ' + problem)
    print('total: %(passed)d passed, %(failed)d failed, %(skipped)d skipped' % totals)
    return 1 if problems else 0


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


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
