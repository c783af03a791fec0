"""Stand-in for ``combo.data.models``: ``Page`` and ``CellBase`` (PUBLIK-CONTRACTS.md, "Combo").

A cell is a row of a registered ``CellBase`` subclass, on a page, in a
placeholder, at an ``order``; ``public``, ``restricted_to_unlogged`` and
``groups`` decide who sees it.
"""

import re

from django.contrib.auth.models import Group
from django.db import models
from django.forms import modelform_factory
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from .library import get_cell_classes


def is_visible_to(element, user):
    """A public page or cell is for everyone, another for logged-in users, in one of its groups if it has any."""
    if element.public:
        return True
    if user is None or not user.is_authenticated:
        return False
    groups = element.groups.all()
    return not groups or user.groups.filter(pk__in=groups).exists()


class Page(models.Model):
    """A portal page, served at its ancestors' slugs joined with ``/``; the root ``index`` page is ``/``."""

    title = models.CharField(_('Title'), max_length=150)
    slug = models.SlugField(_('Slug'))
    parent = models.ForeignKey('self', on_delete=models.CASCADE, null=True, blank=True)
    template_name = models.CharField(_('Template'), max_length=50)
    public = models.BooleanField(_('Public'), default=True)
    groups = models.ManyToManyField(Group, verbose_name=_('Roles'), blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ['order']
        verbose_name = _('Page')
        verbose_name_plural = _('Pages')

    def __str__(self):
        return self.title

    def get_online_url(self):
        if self.parent is None:
            return '/' if self.slug == 'index' else f'/{self.slug}/'
        return f'{self.parent.get_online_url()}{self.slug}/'

    def is_visible(self, user=None):
        return is_visible_to(self, user)


class CellBase(models.Model):
    """Base of every cell type: set ``default_template_name``, add fields, register the class."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE)
    placeholder = models.CharField(max_length=20, default='content')
    order = models.PositiveIntegerField()
    slug = models.SlugField(_('Slug'), blank=True)
    extra_css_class = models.CharField(_('Extra classes for CSS styling'), max_length=100, blank=True)
    public = models.BooleanField(_('Public'), default=False)
    restricted_to_unlogged = models.BooleanField(_('Restrict to unlogged users'), default=False)
    groups = models.ManyToManyField(Group, verbose_name=_('Roles'), blank=True, related_name='+')
    last_update_timestamp = models.DateTimeField(auto_now=True)

    default_template_name = None
    # Included by the manager's cell form in place of the plain fields.
    manager_form_template = None

    class Meta:
        abstract = True

    def __str__(self):
        return str(self._meta.verbose_name)

    @classmethod
    def is_enabled(cls):
        return True

    @classmethod
    def get_cells(cls, **kwargs):
        """Cells of every enabled registered class matching the queryset filters ``kwargs``, by ``order``."""
        cells = [
            cell
            for klass in get_cell_classes()
            if klass.is_enabled()
            for cell in klass.objects.filter(**kwargs)
        ]
        return sorted(cells, key=lambda cell: (cell.order, cell.pk))

    def get_reference(self):
        return f'{self._meta.app_label}_{self._meta.model_name}-{self.pk}'

    @property
    def css_class_names(self):
        """``search-cell searchcell`` for ``SearchCell``: the classes of the cell's wrapper."""
        name = self.__class__.__name__
        return re.sub(r'(?<!^)(?=[A-Z])', '-', name).lower() + ' ' + name.lower()

    def is_visible(self, request=None):
        user = getattr(request, 'user', None)
        if self.restricted_to_unlogged:
            return user is None or not user.is_authenticated
        return is_visible_to(self, user)

    def get_cell_extra_context(self, context):
        return {'cell': self}

    def render(self, context):
        context = {**(context.flatten() if hasattr(context, 'flatten') else context), 'cell': self}
        context.update(self.get_cell_extra_context(context))
        return mark_safe(
            render_to_string(self.default_template_name, context, request=context.get('request'))
        )

    def get_default_form_class(self):
        """A model form over the fields the cell type adds to ``CellBase``, None when it adds none."""
        base = {field.name for field in CellBase._meta.local_fields + CellBase._meta.local_many_to_many}
        fields = [field.name for field in self._meta.get_fields() if field.editable and field.concrete]
        fields = [name for name in fields if name not in base | {'id'}]
        return modelform_factory(self.__class__, fields=fields) if fields else None
