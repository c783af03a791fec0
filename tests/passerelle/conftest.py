"""Fixtures of the connector tests: a connector instance ``ipbx``, its API user, calls.

On SQLite the test database is a file rather than memory, so that a real
server in another process (``support.Gunicorn``) can share it.
"""

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from passerelle.base.models import AccessRight, ApiUser

from passerelle_phonecalls.models import Call, PhoneCalls

API_KEY = 'abcdef'


@pytest.fixture(scope='session')
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    database = settings.DATABASES['default']
    if database['ENGINE'] == 'django.db.backends.sqlite3':
        database.setdefault('TEST', {})['NAME'] = str(
            tmp_path_factory.mktemp('database') / 'passerelle.sqlite3'
        )


def pytest_collection_modifyitems(config, items):
    # Query plans, and the soak and outage harnesses (a TCP proxy in front of
    # the database server), are PostgreSQL's.
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

    The caller's reading (kind, key, E.164, national digits, display form) is
    the connector's, as the webhooks store it.
    """

    def factory(**overrides):
        fields = {'resource': connector, 'caller': '0143250135', 'callee': '42'}
        fields.update(overrides)
        reading = fields['resource'].read_caller(fields['caller'])
        reading_fields = {
            'kind': reading.kind,
            'caller_key': reading.key,
            'caller_e164': reading.e164 or '',
            'caller_national': reading.national or '',
            'caller_display': reading.display or '',
        }
        return Call.objects.create(**{**reading_fields, **fields})

    return factory
