"""Stand-in for ``combo.public.views``: a page rendered with its visible cells in order."""

from combo.data.models import CellBase, Page
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render


def resolve_page(url):
    """Page at ``url`` (``''`` or ``'parent/child'``); the ``index`` page, or the first one, is the root."""
    slugs = [slug for slug in url.split('/') if slug]
    if not slugs:
        roots = Page.objects.filter(parent__isnull=True)
        page = roots.filter(slug='index').first() or roots.order_by('order', 'pk').first()
        if page is None:
            raise Http404('no page')
        return page
    page = None
    for slug in slugs:
        page = Page.objects.filter(parent=page, slug=slug).order_by('order', 'pk').first()
        if page is None:
            raise Http404(f'no page at {url}')
    return page


def page(request, url=''):
    """Render the page at ``url``: anonymous visitors of a private page go to the login page."""
    current_page = resolve_page(url)
    if not current_page.is_visible(request.user):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        raise PermissionDenied()
    context = {'request': request, 'user': request.user, 'page': current_page}
    cells = CellBase.get_cells(page=current_page, placeholder='content')
    # Each cell gets the page context without the other cells' HTML.
    context['cells'] = [(cell, cell.render(context)) for cell in cells if cell.is_visible(request)]
    return render(request, current_page.get_template(), context)
