"""Stand-in for ``combo.manager.apps``."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ManagerConfig(AppConfig):
    """Back-office views and their templates."""

    name = 'combo.manager'
    label = 'manager'
    verbose_name = _('Manager')
