"""Fixtures of the Passerelle stand-in tests: an echo connector instance and API users."""

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from passerelle.base.models import AccessRight, ApiUser


@pytest.fixture(autouse=True)
def clear_cache():
    # Signature nonces live in the cache, which outlives the test database.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def app(django_app):
    return django_app


@pytest.fixture
def echo_model():
    """The test-only connector model, mounted at ``/echo-connector/``."""
    return apps.get_model('echo_connector', 'EchoConnector')


@pytest.fixture
def echo_factory(db, echo_model):
    def factory(**overrides):
        fields = {'title': 'Echo', 'slug': 'echo'}
        fields.update(overrides)
        return echo_model.objects.create(**fields)

    return factory


@pytest.fixture
def echo(echo_factory):
    return echo_factory()


@pytest.fixture
def apiuser_factory(db):
    def factory(**overrides):
        fields = {'username': 'ipbx', 'fullname': 'Phone system', 'keytype': 'API', 'key': 'abcdef'}
        fields.update(overrides)
        return ApiUser.objects.create(**fields)

    return factory


@pytest.fixture
def grant(db):
    """Give an API user the ``can_access`` right on a connector instance."""

    def grant(resource, apiuser, codename='can_access'):
        return AccessRight.objects.create(
            codename=codename,
            apiuser=apiuser,
            resource_type=ContentType.objects.get_for_model(resource),
            resource_pk=resource.pk,
        )

    return grant


@pytest.fixture
def open_echo(echo, apiuser_factory, grant):
    """The echo instance opened to anyone, as with an API user of empty key type."""
    grant(echo, apiuser_factory(username='everyone', keytype='', key=''))
    return echo
