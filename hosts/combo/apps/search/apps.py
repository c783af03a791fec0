"""Stand-in for ``combo.apps.search.apps``."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    """The search cell app (label ``search``, as in Combo)."""

    name = 'combo.apps.search'
    label = 'search'
    verbose_name = _('Search')
