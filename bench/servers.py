"""The bench project's servers, all on loopback: a throw-away SQLite file, the Django environment, and
the cluster of gunicorn servers behind haproxy (``tests.servers`` starts each server and stops it by
its own process id, even when a benchmark fails half-way).
"""

import contextlib
import os
import sys
import tempfile
import urllib.request

from tests.servers import Gunicorn, Memcached, free_port, haproxy, postgres_url

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
POSTGRES_URL = postgres_url('BENCH_POSTGRES_URL')


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


def gunicorn(env, workers=2, threads=1, port=None):
    """The bench project under gunicorn, ready once its light view answers."""
    return Gunicorn(
        'bench.wsgi:application',
        env,
        '/bench/bare',
        workers=workers,
        threads=threads,
        port=port,
        extra_args=['--log-level', 'warning', '--backlog', '2048'],
    )


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
        config = HAPROXY_CONFIG.format(
            combo_servers=haproxy_servers([server.port for server in result.combos]),
            passerelle_servers=haproxy_servers([server.port for server in result.passerelles]),
            **ports,
        )
        stack.enter_context(haproxy(config, ports.values()))
        yield result
