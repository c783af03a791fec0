"""Cell tests on a Combo without its search app (``combo.apps.search``): the cell must still start and work."""

from tests.settings.combo import *  # noqa: F403

INSTALLED_APPS = tuple(app for app in INSTALLED_APPS if app != 'combo.apps.search')  # noqa: F405
DATABASES = databases('combo_nosearch')  # noqa: F405
