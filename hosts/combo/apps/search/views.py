"""Stand-in for ``combo.apps.search.views``: the JSON endpoint behind the search cell.

``GET /api/search/<cell_pk>/?q=...`` answers
``{"err": 0, "data": [{"name", "phone", "email", "requests": [{"title", "status", "url"}]}]}``.
Only logged-in users who can see the cell may search: the results are personal data.
"""

from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .engines import search_users, serialize_user
from .models import SearchCell


@require_GET
def search_api(request, cell_pk):
    """Users matching ``q`` for the search cell ``cell_pk``."""
    if not request.user.is_authenticated:
        return JsonResponse({'err': 1, 'err_desc': _('Authentication required.')}, status=403)
    cell = get_object_or_404(SearchCell, pk=cell_pk)
    if not cell.is_visible(request) or not cell.page.is_visible(request.user):
        return JsonResponse({'err': 1, 'err_desc': _('Access denied.')}, status=403)
    users = search_users(request.GET.get('q', ''))
    response = JsonResponse({'err': 0, 'data': [serialize_user(user) for user in users]})
    response['Cache-Control'] = 'no-store'
    return response
