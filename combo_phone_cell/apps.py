"""Django application of the phone call cell for Combo."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PhoneCallCellConfig(AppConfig):
    """Registers the cell (through its models module) and gives Combo the cell's URLs."""

    name = 'combo_phone_cell'
    verbose_name = _('Phone call cell')
    # Fixed here rather than inherited from the host's settings, so the
    # migrations are the same on every Combo.
    default_auto_field = 'django.db.models.AutoField'

    def ready(self):
        from . import agents

        agents.connect_signals()

    def get_before_urls(self):
        """URL patterns Combo mounts before its own: the views of the cell."""
        from . import urls

        return urls.urlpatterns
