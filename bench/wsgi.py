"""WSGI application of the benchmark servers (settings: ``bench.settings``).

Static files are served by Django's handler, as ``make demo`` does with
``runserver --insecure``: the benchmarks load the portal page in Chromium,
and no nginx stands in front. Other requests pass straight through it.
"""

import os

os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'bench.settings')

from django.contrib.staticfiles.handlers import StaticFilesHandler  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

application = StaticFilesHandler(get_wsgi_application())
