"""Stand-in for Combo's views (PUBLIK-CONTRACTS.md, "Combo"): portal pages, the manager, the user search.

The manager's pages (``/manage/``, the cell form) use gadjo, as Combo's do.
The user search answers JSON (stand-in only: the real search cell is
believed to render HTML per search engine); the product only types into it.
"""

from combo.data.library import get_cell_class
from combo.data.models import CellBase, Page
from django.contrib import messages
from django.contrib.auth.decorators import user_passes_test
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

staff_required = user_passes_test(lambda user: user.is_staff)


def page(request, url=''):
    """The page at ``url`` with its visible cells in order; anonymous visitors of a private page log in first."""
    current = None
    for slug in url.split('/') if url else ['index']:
        current = Page.objects.filter(parent=current, slug=slug).first()
        if current is None:
            raise Http404()
    if not current.is_visible(request.user):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied()
    context = {'request': request, 'user': request.user, 'page': current}
    cells = [
        cell for cell in CellBase.get_cells(page=current, placeholder='content') if cell.is_visible(request)
    ]
    return render(
        request, 'combo/page_template.html', {**context, 'cells': [(c, c.render(context)) for c in cells]}
    )


@staff_required
def manager_home(request):
    pages = [(page, CellBase.get_cells(page=page)) for page in Page.objects.all()]
    return render(request, 'combo/manager_home.html', {'pages': pages})


@staff_required
def page_edit_cell(request, page_pk, cell_reference):
    """The cell's ``get_default_form_class()`` form, or its ``manager_form_template`` around it."""
    cell_type, _sep, pk = cell_reference.rpartition('-')
    klass = get_cell_class(cell_type)
    if klass is None or not pk.isdigit():
        raise Http404()
    cell = get_object_or_404(klass, pk=pk, page_id=page_pk)
    form_class = cell.get_default_form_class()
    form = form_class(request.POST or None, instance=cell) if form_class else None
    if form is not None and form.is_bound and form.is_valid():
        form.save()
        messages.success(request, _('The cell has been saved.'))
        return redirect(request.path)
    return render(request, 'combo/cell_form.html', {'page': cell.page, 'cell': cell, 'form': form})


@require_GET
def search_api(request, cell_pk):
    """``{"err": 0, "data": [{"name", "details"}]}``: personal data, for users who see the cell only."""
    # Imported here: a Combo may run without its search app (the URLs still load).
    from combo.apps.search.models import SearchCell, search_users

    cell, user = get_object_or_404(SearchCell, pk=cell_pk), request.user
    if not (user.is_authenticated and cell.is_visible(request) and cell.page.is_visible(user)):
        return JsonResponse({'err': 1, 'err_desc': _('Access denied.')}, status=403)
    data = []
    for found in search_users(request.GET.get('q', '')):
        details = [_('%(label)s: %(value)s') % vars(a) for a in found.profile_attributes.all()]
        data.append({'name': found.get_full_name(), 'details': [found.email, *details]})
    return JsonResponse({'err': 0, 'data': data}, headers={'Cache-Control': 'no-store'})
