"""Stand-in for ``combo.data.apps``."""

from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class DataConfig(AppConfig):
    """Pages and cells; registers the cell template system check."""

    name = 'combo.data'
    label = 'data'
    verbose_name = _('Data')

    def ready(self):
        from .library import check_cell_templates

        checks.register(check_cell_templates, checks.Tags.templates)
