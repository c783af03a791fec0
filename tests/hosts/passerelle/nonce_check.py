"""Another process checking a signed query with the stand-in, on the test database: prints True or False.

``python -m tests.hosts.passerelle.nonce_check <query> <key>``, with
``HOSTS_TEST_DATABASE`` (JSON) overriding keys of the default database (the
test database's name, or its SQLite file), as a second Passerelle process
serving the same site would.
"""

import json
import os
import sys

import django
from django.conf import settings

os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'tests.hosts.settings')
settings.DATABASES['default'].update(json.loads(os.environ['HOSTS_TEST_DATABASE']))
django.setup()

from passerelle.base.signature import check_query  # noqa: E402

print(check_query(sys.argv[1], sys.argv[2]))
