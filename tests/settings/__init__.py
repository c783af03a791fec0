"""Settings shared by the test suites: the database comes from the environment.

``TEST_DATABASE_URL`` empty or unset means SQLite (in memory); otherwise a
PostgreSQL URL such as ``postgresql://postgres@127.0.0.1:5432/``.
``TEST_DB_SUFFIX`` keeps the PostgreSQL test databases of parallel runs apart.
"""

import os
from urllib.parse import unquote, urlsplit


def databases(suite):
    url = os.environ.get('TEST_DATABASE_URL', '')
    if not url:
        return {
            'default': {
                'ENGINE': 'django.db.backends.sqlite3',
                'NAME': ':memory:',
            }
        }
    parts = urlsplit(url)
    test_name = 'test_phonecalls_%s%s' % (suite, os.environ.get('TEST_DB_SUFFIX', ''))
    return {
        'default': {
            'ENGINE': 'django.db.backends.postgresql',
            'HOST': parts.hostname or '',
            'PORT': parts.port or '',
            'USER': unquote(parts.username or ''),
            'PASSWORD': unquote(parts.password or ''),
            'NAME': parts.path.strip('/') or 'postgres',
            'TEST': {'NAME': test_name},
        }
    }
