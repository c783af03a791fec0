"""A text cell, the simplest cell type a plugin registers; its manager form comes from its own template."""

from combo.data.library import register_cell_class
from combo.data.models import CellBase
from django.db import models


@register_cell_class
class TextCell(CellBase):
    text = models.TextField(blank=True)

    default_template_name = 'sample_cells/text-cell.html'
    manager_form_template = 'sample_cells/text-cell-form.html'

    class Meta:
        verbose_name = 'Text'

    def get_cell_extra_context(self, context):
        return {
            **super().get_cell_extra_context(context),
            'greeting': f'Hello {context["user"].get_username()}',
        }
