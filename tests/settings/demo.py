"""End-to-end and project tests run on the demo project, on the test database."""

from demo.settings import *  # noqa: F403
from tests.settings import databases

DATABASES = databases('demo')
