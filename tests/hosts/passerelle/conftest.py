"""The echo connector's instances and their API users."""

import pytest
from django.contrib.contenttypes.models import ContentType
from passerelle.base.models import AccessRight, ApiUser

from tests.hosts.passerelle.echo_connector.models import EchoConnector


@pytest.fixture
def echo_factory(db):
    def make(slug='echo', **fields):
        return EchoConnector.objects.create(title='Echo', slug=slug, **fields)

    return make


@pytest.fixture
def echo(echo_factory):
    return echo_factory()


@pytest.fixture
def granted(echo):
    """An API user (``ipbx``, API key ``abcdef`` by default) granted ``can_access`` on ``echo``."""

    def make(codename='can_access', **fields):
        fields = {'username': 'ipbx', 'fullname': 'IPBX', 'keytype': 'API', 'key': 'abcdef', **fields}
        apiuser = ApiUser.objects.create(**fields)
        resource_type = ContentType.objects.get_for_model(echo)
        AccessRight.objects.create(
            codename=codename, apiuser=apiuser, resource_type=resource_type, resource_pk=echo.pk
        )
        return apiuser

    return make
