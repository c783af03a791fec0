"""Connector tests run in a Passerelle project with only our connector added."""

from hosts import standins

standins.use('passerelle')

from passerelle.settings import *  # noqa: E402,F403

from tests.settings import databases  # noqa: E402

INSTALLED_APPS += ('passerelle_phonecalls',)  # noqa: F405
DATABASES = databases('passerelle')
