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


@contextlib.contextmanager
def process(command, env=None):
    """Run ``command`` (a server in the foreground) until the block ends; yields its ``Popen``."""
    started = subprocess.Popen(
        command, env=env, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        yield started
    finally:
        stop(started)


def wait_for_port(port, child, timeout=10):
    """Wait until something listens on 127.0.0.1:``port``; raise if ``child`` exits first."""
    deadline = time.monotonic() + timeout
    while True:
        if child.poll() is not None:
            raise RuntimeError('%s exited: %s' % (child.args[0], child.stderr.read().decode()[-500:]))
        try:
            socket.create_connection(('127.0.0.1', port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError('nothing listens on port %d after %d s' % (port, timeout)) from None
            time.sleep(0.05)


class Memcached:
    """Debian's memcached on 127.0.0.1:``port`` (64 MB, TCP only), which can be restarted empty."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.child = None

    def start(self):
        user = ['-u', 'memcache'] if os.geteuid() == 0 else []
        self.child = subprocess.Popen(
            ['memcached', '-l', '127.0.0.1', '-p', str(self.port), '-U', '0', '-m', '64', *user],
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
def memcached(port=None):
    """A ``Memcached`` for the block's duration; yields its port."""
    with Memcached(port) as server:
        yield server.port


HAPROXY_CONFIG = """global
    maxconn 8192
defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    option http-server-close
frontend stats
    bind 127.0.0.1:{stats}
    stats enable
    stats uri /stats
frontend combo
    bind 127.0.0.1:{combo}
    default_backend combo
frontend passerelle
    bind 127.0.0.1:{passerelle}
    default_backend passerelle
frontend ipbx
    bind 127.0.0.1:{ipbx}
    default_backend ipbx
backend combo
    balance roundrobin
{combo_servers}
backend passerelle
    balance roundrobin
{passerelle_servers}
backend ipbx
    balance roundrobin
{passerelle_servers}
"""


def haproxy_servers(ports):
    return '\n'.join('    server s%d 127.0.0.1:%d' % (index, port) for index, port in enumerate(ports))


class Cluster:
    """Two Combo and two Passerelle servers behind haproxy, sharing one PostgreSQL database and one memcached.

    ``combo_url``: the agents' address (both Combo servers in turn);
    ``passerelle_url``: the address the cell asks (both Passerelle servers in
    turn); ``ipbx_url``: the same servers, for the phone system's webhooks,
    counted apart; ``combos``/``passerelles``: the ``Server`` of each.
    """

    def __init__(self, ports):
        self.ports = ports
        self.combo_url = 'http://127.0.0.1:%d' % ports['combo']
        self.passerelle_url = 'http://127.0.0.1:%d/' % ports['passerelle']
        self.ipbx_url = 'http://127.0.0.1:%d' % ports['ipbx']
        self.stats_url = 'http://127.0.0.1:%d/stats;csv' % ports['stats']
        self.combos = []
        self.passerelles = []
        self.memcached_port = None
        self.memcached_pid = None

    def backend_requests(self, backend):
        """Requests haproxy has sent to ``backend`` so far (its ``stot`` count)."""
        with urllib.request.urlopen(self.stats_url, timeout=5) as answer:
            lines = answer.read().decode().splitlines()
        header = lines[0].lstrip('# ').split(',')
        for line in lines[1:]:
            row = dict(zip(header, line.split(','), strict=False))
            if row.get('pxname') == backend and row.get('svname') == 'BACKEND':
                return int(row['stot'])
        raise KeyError(backend)

    def master_pids(self):
        return [server.process.pid for server in self.combos + self.passerelles]


def cluster_ports():
    """Free ports for the haproxy frontends of a cluster."""
    return {name: free_port() for name in ('combo', 'passerelle', 'ipbx', 'stats')}


@contextlib.contextmanager
def cluster(database_url, ports, workers, memcached_port=None):
    """Run a ``Cluster`` on ``database_url`` with ``ports`` (``cluster_ports()``), ``workers`` per server.

    Every server's cache is the same memcached (started here unless
    ``memcached_port`` is given), and its sessions are read from it first.
    """
    result = Cluster(ports)
    with contextlib.ExitStack() as stack:
        if memcached_port is None:
            server = stack.enter_context(Memcached())
            memcached_port, result.memcached_pid = server.port, server.child.pid
        result.memcached_port = memcached_port
        env = django_environment(database_url, result.passerelle_url)
        env['BENCH_MEMCACHED'] = '127.0.0.1:%d' % result.memcached_port
        for servers in (result.combos, result.passerelles):
            for _index in range(2):
                servers.append(stack.enter_context(gunicorn(env, workers=workers)))
        path = stack.enter_context(tempfile.NamedTemporaryFile('w', suffix='.cfg', prefix='bench-haproxy-'))
        path.write(
            HAPROXY_CONFIG.format(
                combo_servers=haproxy_servers([server.port for server in result.combos]),
                passerelle_servers=haproxy_servers([server.port for server in result.passerelles]),
                **ports,
            )
        )
        path.flush()
        proxy = stack.enter_context(process(['haproxy', '-f', path.name, '-db']))
        for port in ports.values():
            wait_for_port(port, proxy)
        yield result
