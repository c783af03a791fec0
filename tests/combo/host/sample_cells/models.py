"""A text cell, the simplest cell type a plugin can register."""

from combo.data.library import register_cell_class
from combo.data.models import CellBase
from django.db import models


@register_cell_class
class TextCell(CellBase):
    text = models.TextField(blank=True)

    default_template_name = 'sample_cells/text-cell.html'

    class Meta:
        verbose_name = 'Text'

    def get_cell_extra_context(self, context):
        extra_context = super().get_cell_extra_context(context)
        user = context.get('user')
        if user is not None and user.is_authenticated:
            extra_context['greeting'] = f'Hello {user.get_username()}'
        return extra_context
