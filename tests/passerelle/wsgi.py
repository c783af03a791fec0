"""WSGI entry point of the Passerelle test project, for the tests that need a real server.

The soak, storm and database outage tests run gunicorn on this module while
pytest-django holds the test database. ``PHONECALLS_WSGI_DATABASE`` (JSON)
overrides keys of ``DATABASES['default']``, e.g. ``{"NAME": "test_...",
"PORT": 54321, "CONN_MAX_AGE": 60}``, so that the workers use the test
database, or reach it through a proxy.
"""

import json
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'tests.settings.passerelle')

settings.DATABASES['default'].update(json.loads(os.environ.get('PHONECALLS_WSGI_DATABASE', '{}')))

application = get_wsgi_application()
