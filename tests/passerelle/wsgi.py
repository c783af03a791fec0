"""WSGI entry point of the Passerelle test project, for the tests that need a real server.

The soak, storm and database outage tests run gunicorn on this module while
pytest-django holds the test database. ``PHONECALLS_WSGI_DATABASE`` (JSON)
overrides keys of ``DATABASES['default']``, e.g. ``{"NAME": "test_...",
"PORT": 54321, "CONN_MAX_AGE": 60}``, so that the workers use the test
database, or reach it through a proxy.

``PHONECALLS_WSGI_REFUSAL_PAUSE`` (seconds, 0 by default) widens the races
of the call lifecycle: after the database refuses a new call (a concurrent
event has just stored it), the worker waits that long before reading what
won, as a loaded server may. A storm of a few seconds then meets the
interleavings a long day of concurrent erasures would: the call that won
deleted before it is read, in round after round.
"""

import json
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'tests.settings.passerelle')

settings.DATABASES['default'].update(json.loads(os.environ.get('PHONECALLS_WSGI_DATABASE', '{}')))

application = get_wsgi_application()

REFUSAL_PAUSE = float(os.environ.get('PHONECALLS_WSGI_REFUSAL_PAUSE') or 0)
if REFUSAL_PAUSE:
    import time

    from passerelle_phonecalls.models import PhoneCalls

    insert_call = PhoneCalls.new_call

    def new_call_then_pause_if_refused(self, *args, **kwargs):
        call = insert_call(self, *args, **kwargs)
        if call is None:
            time.sleep(REFUSAL_PAUSE)
        return call

    PhoneCalls.new_call = new_call_then_pause_if_refused
