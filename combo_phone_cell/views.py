"""The cell's poll view (JSON, for the widget) and the agent's set-extension view."""

from django.contrib import messages
from django.http import HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from .connector import ConnectorError, fetch_calls, widget_call
from .extensions import resolve_extension, store_extension
from .forms import ExtensionForm
from .models import PhoneCallCell


def json_error(message, status, state=None, reason=None):
    """The poll view's error answer: ``{"err": 1, "state": state, "err_desc": message, "reason": reason}``."""
    payload = {'err': 1, 'err_desc': str(message)}
    if state:
        payload['state'] = state
    if reason:
        payload['reason'] = reason
    return JsonResponse(payload, status=status)


def page_is_visible(page, user):
    """Whether ``user`` may see ``page`` and every page above it."""
    while page is not None:
        if not page.is_visible(user):
            return False
        page = page.parent
    return True


def cell_access_error(cell, request):
    """The 403 message when the user of ``request`` may not use ``cell``, else None."""
    if not request.user.is_authenticated:
        return _('You must be logged in.')
    if not cell.is_visible(request) or not page_is_visible(cell.page, request.user):
        return _('You cannot see this cell.')
    return None


def no_store(response):
    # never_cache already says no-store; repeated here because no browser or
    # proxy may ever keep an agent's calls.
    patch_cache_control(response, no_store=True, private=True)
    return response


# Read-only and GET-only: exempt so that any other method gets the JSON 405
# below rather than the CSRF middleware's HTML page.
@csrf_exempt
@never_cache
def poll(request, cell_pk):
    """Current and recent calls of the logged-in agent's extension, for the cell's widget.

    Only GET. Answers ``{"err": 0, "data": {"extension", "current", "recent"}}``,
    or ``{"err": 1, "err_desc"}`` with 403 (anonymous user, cell or page not
    visible to the user), 404 (no such cell), 405 (other method), 502 (the
    connector failed or answered badly) or 504 (the connector was too slow).
    The extension comes from the user, never from the request: query
    parameters are ignored.
    """
    if request.method != 'GET':
        response = json_error(_('Method not allowed.'), 405)
        response['Allow'] = 'GET'
        return no_store(response)
    cell = PhoneCallCell.objects.select_related('page').filter(pk=cell_pk).first()
    if cell is None:
        return no_store(json_error(_('This cell does not exist.'), 404, 'config_error'))
    message = cell_access_error(cell, request)
    if message:
        state = 'signed_out' if not request.user.is_authenticated else 'config_error'
        return no_store(json_error(message, 403, state))

    extension = resolve_extension(cell, request)
    data = {'extension': extension, 'current': [], 'recent': []}
    if extension is None:
        return no_store(JsonResponse({'err': 0, 'state': 'no_extension', 'data': data}))
    try:
        current, past = fetch_calls(cell, extension, limit=cell.recent_calls or 1)
    except ConnectorError as error:
        return no_store(json_error(error.message, error.http_status, error.state, error.reason or None))
    value_format = cell.search_value_format
    data['current'] = [widget_call(call, value_format) for call in current]
    data['recent'] = [widget_call(call, value_format, ended=True) for call in past[: cell.recent_calls]]
    return no_store(JsonResponse({'err': 0, 'state': 'ok', 'data': data}))


def redirect_back(request):
    """Redirect to the page the form was posted from when it is on this site, else to ``/``."""
    referer = request.META.get('HTTP_REFERER', '')
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(referer)
    return HttpResponseRedirect('/')


@csrf_protect
def set_extension(request, cell_pk):
    """Store (or, when empty, forget) the extension the agent typed in the cell, then go back.

    Only POST, only for a logged-in user who sees the cell, and only when the
    cell allows self-service; otherwise 403 (404 for an unknown cell).
    """
    if request.method != 'POST':
        return HttpResponseNotAllowed(['POST'])
    cell = PhoneCallCell.objects.select_related('page').filter(pk=cell_pk).first()
    if cell is None:
        return json_error(_('This cell does not exist.'), 404)
    message = cell_access_error(cell, request)
    if message:
        return json_error(message, 403)
    if not cell.self_service:
        return json_error(_('This cell does not let agents set their extension.'), 403)

    form = ExtensionForm(request.POST, cell=cell)
    if not form.is_valid():
        # One message is enough: the first one states the whole rule.
        messages.error(request, form.errors['extension'][0])
        return redirect_back(request)
    extension = store_extension(request.user, form.cleaned_data['extension'])
    if extension is None:
        messages.info(request, _('Your extension has been removed.'))
    else:
        messages.success(request, _('Your extension is now %s.') % extension)
    return redirect_back(request)
