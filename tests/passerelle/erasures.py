"""A process erasing callers' calls over and over, and running the stale-call and purge jobs, until told to stop.

Run by the storm tests next to gunicorn, on the same test database
(``PHONECALLS_WSGI_DATABASE``, as ``wsgi.py`` reads it), as an administrator
serving erasure requests and Passerelle's cron would::

    python -m tests.passerelle.erasures erase 0143250100 0143250101
    python -m tests.passerelle.erasures jobs

It runs until its standard input is closed, then prints its figures as JSON.
The jobs run on a copy of the connector ``ipbx`` for which every open call
is stale and every finished call past its retention, so that they change
the storm's rows.
"""

import collections
import json
import sys
import threading

from django.utils import timezone

import tests.passerelle.wsgi  # noqa: F401 (Django set up on the test database)
from passerelle_phonecalls.models import PhoneCalls
from passerelle_phonecalls.privacy import erase_calls_of_number


def main(task, callers):
    stopping = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stopping.set()), daemon=True).start()
    figures = collections.Counter()
    connector = PhoneCalls.objects.get(slug='ipbx')
    connector.stale_cutoff = timezone.now
    connector.data_retention_period = 0
    print('ready', flush=True)
    while not stopping.is_set():
        if task == 'erase':
            for caller in callers:
                figures['erasures'] += 1
                figures['erased_calls'] += erase_calls_of_number(caller, 'ipbx')['calls']
        else:
            figures['stale_calls_closed'] += connector.close_stale_calls()
            figures['calls_purged'] += connector.purge_old_calls()
    print(json.dumps(figures), flush=True)


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2:])
