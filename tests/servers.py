"""Servers on 127.0.0.1 for the tests, the benchmarks and the SIP lab: free ports, PostgreSQL, gunicorn,
memcached and haproxy.

Standard library only (psycopg2 is imported when a database is created), so
that the SIP lab and the bench can use it as well as the tests. Every server
is started in its own session and stopped by its process id, by the same code
path (a context manager), even when a test or a benchmark fails half-way; each
start waits for the server to answer, never for a fixed time.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
HOST = '127.0.0.1'
DEFAULT_POSTGRES_URL = 'postgresql://postgres@127.0.0.1:5432/'


def free_port(kind=socket.SOCK_STREAM):
    """A port free on 127.0.0.1 right now (TCP by default, ``socket.SOCK_DGRAM`` for UDP).

    Nothing listens on it once returned: it also serves as the address of a server that is down.
    """
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


# PostgreSQL.


def postgres_url(variable):
    """The PostgreSQL server URL in the environment variable ``variable``, or the local default."""
    return os.environ.get(variable) or DEFAULT_POSTGRES_URL


def postgres_answers(url):
    """Whether something accepts connections at the PostgreSQL ``url``'s host and port."""
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname or HOST, parts.port or 5432), timeout=2).close()
    except OSError:
        return False
    return True


@contextlib.contextmanager
def postgres_database(name, url):
    """Create database ``name`` on the server at ``url`` (dropped first if a previous run left it) and
    drop it at the end; yields its URL."""
    import psycopg2

    parts = urlsplit(url)
    connection = psycopg2.connect(
        host=parts.hostname or HOST,
        port=parts.port or 5432,
        user=parts.username or 'postgres',
        password=parts.password or None,
        dbname='postgres',
    )
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute('DROP DATABASE IF EXISTS %s WITH (FORCE)' % name)
            cursor.execute('CREATE DATABASE %s' % name)
        yield url.rstrip('/') + '/' + name
    finally:
        with connection.cursor() as cursor:
            cursor.execute('DROP DATABASE IF EXISTS %s WITH (FORCE)' % name)
        connection.close()


# Processes.


def stop(process, grace=15):
    """Stop ``process``, started in a session of its own, and its process group: SIGTERM, SIGKILL after
    ``grace`` seconds; then SIGKILL to whatever the group left behind (a gunicorn master's or Kamailio's
    workers end with it, but never leave one running)."""
    if process.poll() is None:
        signal_group(process.pid, signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            signal_group(process.pid, signal.SIGKILL)
            process.wait()
    signal_group(process.pid, signal.SIGKILL)


def signal_group(pid, signum):
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signum)


def wait_for_port(port, process, timeout=10):
    """Wait until something listens on 127.0.0.1:``port``; raise if ``process`` exits first."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            error = process.stderr.read().decode()[-500:] if process.stderr else ''
            raise RuntimeError('%s exited: %s' % (process.args[0], error))
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError('nothing listens on port %d after %d s' % (port, timeout)) from None
            time.sleep(0.05)


def http_answers(url):
    """Whether an HTTP server answers ``url`` (any status will do)."""
    try:
        urllib.request.urlopen(url, timeout=5).close()
    except urllib.error.HTTPError:
        return True
    except OSError:
        # Refused before the server listens, or held while a worker still boots.
        return False
    return True


class Gunicorn:
    """gunicorn serving the WSGI ``application`` on a free port of 127.0.0.1; ``url`` is its address.

    ``env``: the environment of the master and its workers (the Django
    settings). Used as a context manager, it is ready inside the block (a
    worker answered ``ready_path``) and stopped after. With ``log_path``, the
    error log and the workers' own output (Django's and the apps' log lines)
    go there, for the tests to read (``log()``); there is no access log: it
    would hold the API keys of the query strings (docs/security.rst).
    ``port``: a port chosen beforehand (a free one by default); ``extra_args``: more gunicorn options.
    """

    def __init__(
        self, application, env, ready_path, workers=2, threads=1, port=None, log_path=None, extra_args=()
    ):
        self.port = port or free_port()
        self.url = 'http://%s:%d' % (HOST, self.port)
        self.ready_path = ready_path
        self.log_path = log_path
        command = [sys.executable, '-m', 'gunicorn', application, '--bind', '%s:%d' % (HOST, self.port)]
        # More than one thread makes gunicorn use its gthread workers.
        command += ['--workers', str(workers), '--threads', str(threads), '--chdir', str(ROOT), *extra_args]
        if log_path is not None:
            command += ['--error-logfile', str(log_path), '--capture-output']
        if gunicorn_knows('--no-control-socket'):
            # Recent gunicorns open a control socket in the home directory, shared by parallel runs.
            command.append('--no-control-socket')
        output = subprocess.DEVNULL if log_path is not None else None
        self.process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=output, stderr=output, start_new_session=True
        )

    def __enter__(self):
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def wait_ready(self, timeout=30):
        """Wait until a worker answers ``ready_path``."""
        deadline = time.monotonic() + timeout
        while not http_answers(self.url + self.ready_path):
            if self.process.poll() is not None:
                raise RuntimeError(
                    'gunicorn exited with code %s:\n%s' % (self.process.returncode, self.log())
                )
            if time.monotonic() > deadline:
                raise RuntimeError('gunicorn did not answer within %s s:\n%s' % (timeout, self.log()))
            time.sleep(0.1)

    def worker_pids(self):
        """The process ids of the master's children (the workers); none once it is gone."""
        try:
            children = Path('/proc/%d/task/%d/children' % (self.process.pid, self.process.pid)).read_text()
        except OSError:
            return set()
        return {int(pid) for pid in children.split()}

    def log(self):
        try:
            return Path(self.log_path).read_text()
        except (OSError, TypeError):
            return ''

    def stop(self):
        stop(self.process)


def gunicorn_knows(option):
    """Whether the installed gunicorn has the command line ``option``."""
    from gunicorn.config import KNOWN_SETTINGS

    return any(option in setting.cli for setting in KNOWN_SETTINGS if setting.cli)


class Memcached:
    """Debian's memcached on 127.0.0.1:``port`` (64 MB, TCP only), which can be restarted empty."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.child = None

    def start(self):
        user = ['-u', 'memcache'] if os.geteuid() == 0 else []
        self.child = subprocess.Popen(
            ['memcached', '-l', HOST, '-p', str(self.port), '-U', '0', '-m', '64', *user],
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        wait_for_port(self.port, self.child)
        return self

    def stop(self):
        if self.child is not None:
            stop(self.child)

    def restart(self):
        """Stop it and start a new one on the same port: everything it kept is lost."""
        self.stop()
        self.start()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


@contextlib.contextmanager
def haproxy(config, ports):
    """haproxy running ``config`` (the text of its configuration) until the block ends, ready when it
    listens on every one of ``ports``; yields its ``Popen``."""
    with tempfile.NamedTemporaryFile('w', suffix='.cfg', prefix='haproxy-') as path:
        path.write(config)
        path.flush()
        process = subprocess.Popen(
            ['haproxy', '-f', path.name, '-db'],
            cwd=ROOT,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            for port in ports:
                wait_for_port(port, process)
            yield process
        finally:
            stop(process)
