"""Stand-in for ``combo.manager.views``: the back-office form of one cell.

``/manage/pages/<page_pk>/cell/<cell_reference>/`` shows the cell type's
``get_default_form_class()`` form and saves it; staff only.
"""

from combo.data.library import get_cell_class
from combo.data.models import Page
from django.contrib import messages
from django.contrib.auth.decorators import user_passes_test
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _


def get_cell_from_reference(page, cell_reference):
    """Cell of ``page`` named by ``<app>_<model>-<pk>``, or 404."""
    cell_type, _sep, pk = cell_reference.rpartition('-')
    klass = get_cell_class(cell_type)
    if klass is None or not pk.isdigit():
        raise Http404(f'unknown cell {cell_reference}')
    return get_object_or_404(klass, pk=pk, page=page)


@user_passes_test(lambda user: user.is_staff)
def page_edit_cell(request, page_pk, cell_reference):
    """Edit the options of one cell of a page."""
    page = get_object_or_404(Page, pk=page_pk)
    cell = get_cell_from_reference(page, cell_reference)
    form_class = cell.get_default_form_class()
    form = None
    if form_class is not None:
        form = form_class(request.POST if request.method == 'POST' else None, instance=cell)
    if request.method == 'POST':
        if form is None or form.is_valid():
            if form is not None:
                form.save()
            messages.success(request, _('The cell has been saved.'))
            return HttpResponseRedirect(request.path)
    context = {'page': page, 'cell': cell, 'form': form}
    return render(request, 'combo/cell_form.html', context)
