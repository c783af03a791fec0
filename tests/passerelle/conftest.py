"""Fixtures of the connector tests: a connector instance ``ipbx``, its API user, calls."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from passerelle.base.models import AccessRight, ApiUser

from passerelle_phonecalls.models import Call, PhoneCalls
from passerelle_phonecalls.numbers import normalise_number

API_KEY = 'abcdef'


def pytest_collection_modifyitems(config, items):
    # Concurrency tests need real row locks and a server: SQLite serialises
    # every writer, so the race they check cannot happen there.
    if connection.vendor == 'postgresql':
        return
    skip = pytest.mark.skip(
        reason=f'needs PostgreSQL (set TEST_DATABASE_URL), the database is {connection.vendor}'
    )
    for item in items:
        if 'postgresql' in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def app(django_app):
    """WebTest app on the Passerelle project."""
    return django_app


@pytest.fixture
def connector_factory(db):
    def factory(**overrides):
        fields = {'title': 'IPBX', 'slug': 'ipbx', 'description': 'Phone system of the town hall'}
        fields.update(overrides)
        return PhoneCalls.objects.create(**fields)

    return factory


@pytest.fixture
def connector(connector_factory):
    return connector_factory()


@pytest.fixture
def api_user_factory(db):
    """An API user granted ``can_access`` on a connector (``ipbx`` unless told otherwise)."""

    def factory(resource, **overrides):
        fields = {'username': 'ipbx', 'fullname': 'Phone system', 'keytype': 'API', 'key': API_KEY}
        fields.update(overrides)
        api_user = ApiUser.objects.create(**fields)
        AccessRight.objects.create(
            codename='can_access',
            apiuser=api_user,
            resource_type=ContentType.objects.get_for_model(resource),
            resource_pk=resource.pk,
        )
        return api_user

    return factory


@pytest.fixture
def api_user(api_user_factory, connector):
    return api_user_factory(connector)


@pytest.fixture
def call_factory(connector):
    """A call on the ``ipbx`` connector, open unless ``end`` is given.

    ``caller_e164`` is derived from ``caller`` as the connector stores it.
    """

    def factory(**overrides):
        fields = {'resource': connector, 'caller': '0143250135', 'callee': '42'}
        fields.update(overrides)
        if 'caller_e164' not in fields:
            fields['caller_e164'] = (
                normalise_number(fields['caller'], fields['resource'].default_region).e164 or ''
            )
        return Call.objects.create(**fields)

    return factory
