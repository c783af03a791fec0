"""Fixtures shared by the stand-ins' tests (run with ``--ds tests.hosts.settings``)."""

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache


@pytest.fixture(autouse=True)
def clear_cache():
    # Signature nonces live in the cache, which outlives the test database.
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
