"""Throw-away databases and gunicorn servers for the benchmarks, all on loopback.

Every server started here is stopped by the same code path (context
managers), by its own process id, even when a benchmark fails half-way.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from urllib.parse import urlsplit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_BIN = os.path.dirname(sys.executable)
POSTGRES_URL = os.environ.get('BENCH_POSTGRES_URL', 'postgresql://postgres@127.0.0.1:5432/')
CLOCK_TICKS = os.sysconf('SC_CLK_TCK')


def free_port():
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def postgres_answers(url=POSTGRES_URL):
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname or '127.0.0.1', parts.port or 5432), timeout=2).close()
    except OSError:
        return False
    return True


def _admin_connection(url):
    import psycopg2

    parts = urlsplit(url)
    connection = psycopg2.connect(
        host=parts.hostname or '127.0.0.1',
        port=parts.port or 5432,
        user=parts.username or 'postgres',
        password=parts.password or None,
        dbname='postgres',
    )
    connection.autocommit = True
    return connection


@contextlib.contextmanager
def postgres_database(name='bench_phonecalls', url=POSTGRES_URL):
    """Create database ``name`` (dropped first if a previous run left it) and drop it at the end.

    Yields its URL.
    """
    connection = _admin_connection(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute('DROP DATABASE IF EXISTS %s WITH (FORCE)' % name)
            cursor.execute('CREATE DATABASE %s' % name)
        yield url.rstrip('/') + '/' + name
    finally:
        with connection.cursor() as cursor:
            cursor.execute('DROP DATABASE IF EXISTS %s WITH (FORCE)' % name)
        connection.close()


@contextlib.contextmanager
def sqlite_database():
    """A temporary SQLite file; yields its path."""
    with tempfile.TemporaryDirectory(prefix='bench-phonecalls-') as folder:
        yield os.path.join(folder, 'db.sqlite3')


def django_environment(database_url, passerelle_url='http://127.0.0.1:9/'):
    """Environment of a process running the bench project on ``database_url``."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE='bench.settings',
        BENCH_DATABASE_URL=database_url,
        BENCH_PASSERELLE_URL=passerelle_url,
        PYTHONPATH=ROOT,
    )
    return env


def setup_django(database_url, passerelle_url='http://127.0.0.1:9/'):
    """Configure Django in this process on ``database_url`` and migrate it."""
    os.environ.update(
        {
            key: value
            for key, value in django_environment(database_url, passerelle_url).items()
            if key.startswith(('DJANGO_', 'BENCH_'))
        }
    )
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    import django
    from django.conf import settings

    if not settings.configured or not getattr(django.apps.apps, 'ready', False):
        django.setup()
    from django.core.management import call_command

    call_command('migrate', interactive=False, verbosity=0)


class Server:
    """A gunicorn master serving the bench project on 127.0.0.1:``port``."""

    def __init__(self, port, process):
        self.port = port
        self.process = process
        self.url = 'http://127.0.0.1:%d' % port

    def worker_pids(self):
        """Process ids of the master's workers."""
        try:
            with open('/proc/%d/task/%d/children' % (self.process.pid, self.process.pid)) as file:
                return [int(pid) for pid in file.read().split()]
        except OSError:
            return []

    def cpu_seconds(self):
        """User + system CPU time of the master and its live workers, in seconds."""
        return sum(process_cpu_seconds(pid) for pid in [self.process.pid, *self.worker_pids()])


def process_cpu_seconds(pid):
    """User + system CPU time of process ``pid`` (0 once it is gone)."""
    try:
        with open('/proc/%d/stat' % pid) as file:
            fields = file.read().rpartition(')')[2].split()
    except OSError:
        return 0.0
    # Fields 14 and 15 of stat(5) (utime, stime), counted after the command name.
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


@contextlib.contextmanager
def gunicorn(env, workers=2, threads=1, port=None, extra_args=()):
    """Run the bench project under gunicorn until the block ends; yields a ``Server``."""
    port = port or free_port()
    command = [
        os.path.join(VENV_BIN, 'gunicorn'),
        'bench.wsgi:application',
        '--bind',
        '127.0.0.1:%d' % port,
        '--workers',
        str(workers),
        '--chdir',
        ROOT,
        '--log-level',
        'warning',
        '--backlog',
        '2048',
        *extra_args,
    ]
    if threads > 1:
        command += ['--worker-class', 'gthread', '--threads', str(threads)]
    process = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)
    server = Server(port, process)
    try:
        wait_until_up(server)
        yield server
    finally:
        stop(process)


def wait_until_up(server, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        if server.process.poll() is not None:
            raise RuntimeError('gunicorn exited with code %s' % server.process.returncode)
        try:
            urllib.request.urlopen(server.url + '/bench/bare', timeout=2).read()
            if len(server.worker_pids()) >= 1:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError('gunicorn did not answer within %d s' % timeout)
        time.sleep(0.1)


def stop(process, timeout=10):
    """Stop ``process`` (a gunicorn master stops its workers) and wait for it."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
