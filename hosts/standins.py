"""Make ``passerelle``, ``combo`` and ``wcs`` importable, preferring the real packages.

The folder holding the stand-ins is appended (not prepended) to ``sys.path``
and only for a host that cannot be imported, so an installed host always
wins.
"""

import importlib.util
import os
import sys

HOSTS_DIR = os.path.dirname(os.path.abspath(__file__))


def use(*hosts):
    missing = [name for name in hosts if importlib.util.find_spec(name) is None]
    if missing and HOSTS_DIR not in sys.path:
        sys.path.append(HOSTS_DIR)
    return missing
