"""Settings of the benchmark servers: the demo project on a throw-away database.

The same project serves two roles in the agent benchmarks, each in its own
gunicorn, as Combo and Passerelle run on two hosts in production: the cell
reaches the connector at ``BENCH_PASSERELLE_URL`` with a Publik signature.

Environment:
- ``BENCH_DATABASE_URL``: ``postgresql://user@host:port/name``, or a path to a
  SQLite file.
- ``BENCH_PASSERELLE_URL``: base URL of the server playing Passerelle (signed
  requests go there).
- ``BENCH_MEMCACHED``: ``host:port`` of a memcached shared by every server
  (Django's cache, and sessions read from it first), as Publik advises; the
  process's own memory otherwise.
"""

import os
from urllib.parse import unquote, urlsplit

from demo.settings import *  # noqa: F403

ROOT_URLCONF = 'bench.urls'
ALLOWED_HOSTS = ['127.0.0.1', 'localhost', 'testserver']
DEBUG = False


def database_settings(url):
    """Django DATABASES entry for ``url`` (PostgreSQL URL or SQLite file path)."""
    if url.startswith('postgresql://'):
        parts = urlsplit(url)
        return {
            'ENGINE': 'django.db.backends.postgresql',
            'HOST': parts.hostname or '',
            'PORT': parts.port or '',
            'USER': unquote(parts.username or ''),
            'PASSWORD': unquote(parts.password or ''),
            'NAME': parts.path.strip('/'),
            # Persistent connections, as a production Combo/Passerelle has.
            'CONN_MAX_AGE': 600,
        }
    return {'ENGINE': 'django.db.backends.sqlite3', 'NAME': url}


DATABASES = {'default': database_settings(os.environ.get('BENCH_DATABASE_URL', ':memory:'))}

if os.environ.get('BENCH_MEMCACHED'):
    CACHES = {
        'default': {
            'BACKEND': 'django.core.cache.backends.memcached.PyMemcacheCache',
            'LOCATION': os.environ['BENCH_MEMCACHED'],
            # A memcached restart is a miss, not an error: the servers go on
            # (sessions from the database, polls asking the connector) and
            # use it again within seconds. A busy machine only slows it: a
            # read times out after 2 s, not at the first slow answer.
            'OPTIONS': {
                'ignore_exc': True,
                'connect_timeout': 0.5,
                'timeout': 2,
                'retry_attempts': 2,
                'retry_timeout': 1,
                'dead_timeout': 2,
            },
        }
    }
    SESSION_ENGINE = 'django.contrib.sessions.backends.cached_db'

BENCH_SIGNATURE_ORIG = 'combo.bench'
BENCH_SIGNATURE_SECRET = 'bench-signature-secret'
KNOWN_SERVICES = {
    'passerelle': {
        'bench': {
            'title': 'Passerelle (bench)',
            'url': os.environ.get('BENCH_PASSERELLE_URL', 'http://127.0.0.1:8000/'),
            'orig': BENCH_SIGNATURE_ORIG,
            'secret': BENCH_SIGNATURE_SECRET,
        }
    }
}

# Agents are created by the thousand and never log in with a password.
PASSWORD_HASHERS = ['django.contrib.auth.hashers.MD5PasswordHasher']

# Logging one line per call would measure the terminal, not the product.
LOGGING = {
    'version': 1,
    'disable_existing_loggers': False,
    'handlers': {'null': {'class': 'logging.NullHandler'}},
    'root': {'handlers': ['null'], 'level': 'WARNING'},
}
