"""Stand-in for ``combo.apps.search.models``: the search cell and what it searches.

In Publik the search cell queries Authentic (user accounts) and w.c.s. (open
requests); here ``DirectoryUser`` and ``OpenRequest`` hold that data locally.
"""

from combo.data.library import register_cell_class
from combo.data.models import CellBase
from django.db import models
from django.utils.translation import gettext_lazy as _


@register_cell_class
class SearchCell(CellBase):
    """Search box whose script shows matching users and their open requests as one types."""

    title = models.CharField(_('Title'), max_length=150, blank=True)
    input_placeholder = models.CharField(_('Placeholder'), max_length=200, blank=True)

    default_template_name = 'combo/search-cell.html'

    class Meta:
        verbose_name = _('Search')


class DirectoryUser(models.Model):
    """A user account as the search sees it; ``phone`` is kept as typed in the profile."""

    first_name = models.CharField(_('First name'), max_length=150, blank=True)
    last_name = models.CharField(_('Last name'), max_length=150, blank=True)
    email = models.EmailField(_('Email'), blank=True)
    phone = models.CharField(_('Phone'), max_length=50, blank=True)

    class Meta:
        ordering = ['last_name', 'first_name', 'pk']
        verbose_name = _('Directory user')
        verbose_name_plural = _('Directory users')

    def __str__(self):
        return self.get_full_name() or self.email

    def get_full_name(self):
        return f'{self.first_name} {self.last_name}'.strip()


class OpenRequest(models.Model):
    """A request of a user still being processed (a w.c.s. form in Publik)."""

    user = models.ForeignKey(DirectoryUser, on_delete=models.CASCADE, related_name='requests')
    title = models.CharField(_('Title'), max_length=200)
    status = models.CharField(_('Status'), max_length=100)
    url = models.URLField(_('URL'), blank=True)

    class Meta:
        ordering = ['pk']
        verbose_name = _('Open request')
        verbose_name_plural = _('Open requests')

    def __str__(self):
        return self.title
