"""Cell tests run in a Combo project with only our cell added.

The sample cells are a test-only plugin that exercises the host's page,
library and URL machinery independently of the product (tests/combo/host/).
"""

from hosts import standins

standins.use('combo')

from combo.settings import *  # noqa: E402,F403

from tests.settings import databases  # noqa: E402

INSTALLED_APPS += ('combo_phone_cell', 'tests.combo.host.sample_cells')  # noqa: F405
DATABASES = databases('combo')
