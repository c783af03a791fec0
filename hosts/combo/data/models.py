"""Stand-in for ``combo.data.models``: ``Page`` and the ``CellBase`` of every cell.

A cell is a row of a concrete ``CellBase`` subclass; it sits on a page, in a
placeholder, at an ``order``. Which users see it is decided by its
``public`` / ``restricted_to_unlogged`` / ``groups`` fields.
"""

import re

from django.contrib.auth.models import Group
from django.db import models
from django.forms import models as model_forms
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from .library import get_cell_classes, get_cell_type_str


def _user_in_groups(user, groups):
    group_ids = {group.pk for group in groups}
    if not group_ids:
        return True
    return user.groups.filter(pk__in=group_ids).exists()


def element_is_visible(element, user):
    """Visibility rule shared by pages and cells.

    ``public`` elements are for everyone; the others need a logged-in user,
    member of one of the element's groups when it has any.
    """
    if element.public:
        return True
    if user is None or not user.is_authenticated:
        return False
    return _user_in_groups(user, element.groups.all())


class Page(models.Model):
    """A portal page; its URL is the path of its ancestors' slugs, ``index`` is ``/``."""

    title = models.CharField(_('Title'), max_length=150)
    slug = models.SlugField(_('Slug'))
    parent = models.ForeignKey('self', on_delete=models.CASCADE, null=True, blank=True)
    template_name = models.CharField(_('Template'), max_length=50)
    public = models.BooleanField(_('Public'), default=True)
    groups = models.ManyToManyField(Group, verbose_name=_('Roles'), blank=True)
    order = models.PositiveIntegerField()

    class Meta:
        ordering = ['order']
        verbose_name = _('Page')
        verbose_name_plural = _('Pages')

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.order is None:
            last = Page.objects.aggregate(last=models.Max('order'))['last']
            self.order = 0 if last is None else last + 1
        super().save(*args, **kwargs)

    def get_online_url(self):
        """Public URL of the page: ``/`` for the root ``index`` page, else ``/a/b/``."""
        if self.slug == 'index' and self.parent_id is None:
            return '/'
        slugs = []
        page = self
        while page is not None:
            slugs.append(page.slug)
            page = page.parent
        return '/' + '/'.join(reversed(slugs)) + '/'

    def is_visible(self, user=None):
        """Whether ``user`` may see this page (see :func:`element_is_visible`)."""
        return element_is_visible(self, user)

    def get_template(self):
        """Template file of the page: the stand-in has only Combo's standard layout."""
        return 'combo/page_template.html'


# Fields every cell has; the manager form of a cell type shows only its own fields.
CELL_BASE_FIELD_NAMES = {
    'id',
    'page',
    'placeholder',
    'order',
    'slug',
    'extra_css_class',
    'public',
    'restricted_to_unlogged',
    'groups',
    'last_update_timestamp',
}


class CellBase(models.Model):
    """Base of every cell type.

    Subclasses set ``default_template_name``, add their own fields, may add
    template variables in :meth:`get_cell_extra_context`, and are registered
    with ``combo.data.library.register_cell_class``.
    """

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
    # Seconds between automatic reloads of the cell by the page; 0: never.
    ajax_refresh = 0
    # Template included in the manager form instead of the plain form fields.
    manager_form_template = None

    class Meta:
        abstract = True

    def __str__(self):
        return f'{self._meta.verbose_name} {self.get_reference()}'

    @classmethod
    def is_enabled(cls):
        """Whether this cell type is offered at all on this site."""
        return True

    @classmethod
    def get_cells(cls, cell_filter=None, **kwargs):
        """Cells of every enabled registered class matching ``kwargs``, sorted by ``order``.

        ``kwargs`` are queryset filters (``page=page``, ``placeholder='content'``);
        ``cell_filter(klass)`` may exclude whole cell classes.
        """
        cells = []
        for klass in get_cell_classes():
            if not klass.is_enabled():
                continue
            if cell_filter is not None and not cell_filter(klass):
                continue
            cells.extend(klass.objects.filter(**kwargs).order_by('order', 'pk'))
        cells.sort(key=lambda cell: cell.order)
        return cells

    def get_reference(self):
        """Identifier of the cell across all cell tables: ``<app>_<model>-<pk>``."""
        return f'{get_cell_type_str(self.__class__)}-{self.pk}'

    @property
    def css_class_names(self):
        """CSS classes naming the cell type, e.g. ``search-cell searchcell``."""
        name = self.__class__.__name__
        hyphenated = re.sub(r'(?<!^)(?=[A-Z])', '-', name).lower()
        return f'{hyphenated} {name.lower()}'

    def is_visible(self, request=None):
        """Whether the user of ``request`` sees this cell.

        ``restricted_to_unlogged`` cells are for anonymous visitors only; other
        cells follow :func:`element_is_visible`.
        """
        user = getattr(request, 'user', None)
        if self.restricted_to_unlogged:
            return user is None or not user.is_authenticated
        return element_is_visible(self, user)

    def get_cell_extra_context(self, context):
        """Template variables added to the page context when rendering this cell."""
        return {'cell': self}

    def render(self, context):
        """HTML of the cell: ``default_template_name`` rendered with ``context`` + extra context."""
        if hasattr(context, 'flatten'):
            context = context.flatten()
        context = dict(context)
        context['cell'] = self
        context.update(self.get_cell_extra_context(context))
        return mark_safe(
            render_to_string(self.default_template_name, context, request=context.get('request'))
        )

    def get_default_form_fields(self):
        """Names of the fields this cell type adds to ``CellBase``."""
        return [
            field.name
            for field in self._meta.get_fields()
            if field.concrete
            and field.editable
            and not field.auto_created
            and field.name not in CELL_BASE_FIELD_NAMES
        ]

    def get_default_form_class(self):
        """ModelForm over :meth:`get_default_form_fields`, None when there is nothing to edit."""
        fields = self.get_default_form_fields()
        if not fields:
            return None
        return model_forms.modelform_factory(self.__class__, fields=fields)
