"""Fixtures shared by the stand-ins' tests (run with ``--ds tests.hosts.settings``)."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.cache import cache


@pytest.fixture(scope='session')
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    # On SQLite, a file rather than memory: a second process (a second worker of the host) shares it.
    database = settings.DATABASES['default']
    if database['ENGINE'] == 'django.db.backends.sqlite3':
        database.setdefault('TEST', {})['NAME'] = str(tmp_path_factory.mktemp('database') / 'hosts.sqlite3')


@pytest.fixture(autouse=True)
def clear_cache():
    # The hosts' caches outlive the test database.
    cache.clear()


@pytest.fixture
def app(django_app):
    return django_app


@pytest.fixture
def user_factory(db):
    def make(username='agent', groups=(), **fields):
        user = User.objects.create_user(username=username, email=f'{username}@mairie.example', **fields)
        user.groups.set(Group.objects.get_or_create(name=name)[0] for name in groups)
        return user

    return make
