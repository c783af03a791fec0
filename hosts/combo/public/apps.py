"""Stand-in for ``combo.public.apps``."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    """Public pages and the login/logout templates."""

    name = 'combo.public'
    label = 'public'
    verbose_name = _('Public pages')
