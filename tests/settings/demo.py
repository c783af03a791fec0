"""End-to-end and project tests run on the demo project, on the test database."""

from demo.settings import *  # noqa: F403
from tests.settings import databases

DATABASES = databases('demo')
# Every test seeds the demo's three accounts and logs one in: with Django's
# real hasher that was seconds of hashing per test, and no test is about it.
PASSWORD_HASHERS = ['django.contrib.auth.hashers.MD5PasswordHasher']
