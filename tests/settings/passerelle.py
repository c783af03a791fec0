"""Connector tests run in a Passerelle project with only our connector added.

The echo connector is a test-only app that exercises the host's endpoint
machinery independently of the product (tests/passerelle/host/).
"""

from hosts import standins

standins.use('passerelle')

from passerelle.settings import *  # noqa: E402,F403

from tests.settings import databases  # noqa: E402

INSTALLED_APPS += ('passerelle_phonecalls', 'tests.passerelle.host.echo_connector')  # noqa: F405
DATABASES = databases('passerelle')
