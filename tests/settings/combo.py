"""Cell tests run in a Combo project with only our cell added."""

from hosts import standins

standins.use('combo')

from combo.settings import *  # noqa: E402,F403

from tests.settings import databases  # noqa: E402

INSTALLED_APPS += ('combo_phone_cell',)  # noqa: F405
DATABASES = databases('combo')
