"""The cell's views: the poll and the forms offered (JSON, for the widget), the agent's
set-extension form, and the administrator's connection test and page of held extensions.
"""

import functools

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseForbidden, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from . import agents, check, client, health, host, snapshot, statistics, wcs
from .connector import widget_call
from .extensions import ExtensionForm, clean_extension
from .failures import ConnectorError
from .forms import CHECK_EXTENSION_FIELD, posted_api_key, read_connector_url, saved_key_withheld
from .models import AgentExtension, ExtensionHeld, PhoneCallCell


def json_error(message, status, state=None, reason=None, notified=None):
    """The error answer of every view: ``{"err": 1, "state", "err_desc": message, "reason", "notified"}``.

    ``state``, ``reason`` and ``notified`` only when given (the poll's, contract B).
    """
    payload = {'err': 1, 'err_desc': str(message)}
    if state:
        payload['state'] = state
    if reason:
        payload['reason'] = reason
    if notified is not None:
        payload['notified'] = bool(notified)
    return JsonResponse(payload, status=status)


def allow(*methods):
    """Decorate a view that takes only ``methods``: any other gets the JSON 405 of ``method_not_allowed``."""

    def decorate(view):
        @functools.wraps(view)
        def allowed(request, *args, **kwargs):
            if request.method not in methods:
                return method_not_allowed(*methods)
            return view(request, *args, **kwargs)

        return allowed

    return decorate


def method_not_allowed(*methods):
    """The 405 of every view, with its ``Allow`` header."""
    response = json_error(_('Method not allowed.'), 405)
    response['Allow'] = ', '.join(methods)
    return response


def no_store(response):
    # never_cache already says no-store; repeated here because no browser or
    # proxy may ever keep an agent's calls.
    patch_cache_control(response, no_store=True, private=True)
    return response


def agent_cell(request, cell_pk):
    """``(cell, None)`` when the user of ``request`` may use the cell, else ``(None, (message, status, state))``.

    404 (``config_error``) for a cell that does not exist; 403
    ``signed_out`` for an anonymous user (the session ended); 403
    ``config_error`` for a cell or page the user cannot see.
    """
    cell = PhoneCallCell.objects.select_related('page').filter(pk=cell_pk).first()
    if cell is None:
        return None, (_('This cell does not exist.'), 404, 'config_error')
    if not request.user.is_authenticated:
        return None, (_('You must be logged in.'), 403, 'signed_out')
    if not host.cell_is_visible(cell, request) or not host.page_is_visible(cell.page, request.user):
        return None, (_('You cannot see this cell.'), 403, 'config_error')
    return cell, None


# Read-only and GET-only: exempt so that any other method gets the JSON 405
# rather than the CSRF middleware's HTML page.
@csrf_exempt
@never_cache
@allow('GET')
def poll(request, cell_pk):
    """Current and recent calls of the logged-in agent's extension, for the cell's widget.

    Answers ``{"err": 0, "state": "ok"|"no_extension", "data": {"extension",
    "current", "recent"}}``, or a refusal of ``agent_cell``, or, when the
    connector fails, ``{"err": 1, "state", "err_desc", "reason", "notified"}``
    with the state and status of its cause (``failures.CAUSES``). The
    extension comes from the user, never from the request: query
    parameters are ignored. What does not change from one poll to the next
    is read from the cache (``agents``), and the calls from the snapshot
    shared by every agent (``snapshot``).
    """
    context, refusal = agents.poll_context(request, cell_pk, agent_cell)
    if refusal is not None:
        message, status, state = refusal
        notified = False if state == 'config_error' else None
        return no_store(json_error(message, status, state, notified=notified))
    cell, extension = context.cell, context.extension
    data = {'extension': extension, 'current': [], 'recent': []}
    if extension is None:
        return no_store(JsonResponse({'err': 0, 'state': 'no_extension', 'data': data}))
    try:
        current, past = snapshot.calls_of(cell, extension)
    except ConnectorError as error:
        notified = health.record(cell, context.user_id, error)
        return no_store(
            json_error(error.message, error.http_status, error.state, error.reason, notified=notified)
        )
    health.record(cell, context.user_id)
    value_format = cell.search_value_format
    data['current'] = [widget_call(call, value_format) for call in current]
    data['recent'] = [widget_call(call, value_format) for call in past]
    return no_store(JsonResponse({'err': 0, 'state': 'ok', 'data': data}))


@never_cache
def cell_health(request, cell_pk):
    """The health page of a cell, for its administrators: when agents last got an answer, the last errors,
    and charts of the calls of the last 30 days (from the connector's statistics).

    Only for a user who manages cells (403 otherwise, 404 for an unknown cell).
    """
    if not host.user_manages_cells(request.user):
        return HttpResponseForbidden(_('Only administrators can see the health of the cell.'))
    cell = PhoneCallCell.objects.filter(pk=cell_pk).first()
    if cell is None:
        raise Http404(_('This cell does not exist.'))
    context = {
        'cell': cell,
        'health': health.report(cell),
        'agents_minutes': health.AGENTS_WINDOW // 60,
        'settings_url': host.cell_settings_url(cell),
        'charts': statistics.charts(cell),
    }
    return TemplateResponse(request, 'combo_phone_cell/health.html', context)


@csrf_exempt
@never_cache
@allow('GET')
def offered_forms(request, cell_pk):
    """The w.c.s. forms the cell offers the agent during a call: ``{"err": 0, "data": [{"title", "url", "category"}]}``.

    Same access rules as the poll. ``data`` is empty when the cell offers no
    forms or when w.c.s. failed (logged).
    """
    cell, refusal = agent_cell(request, cell_pk)
    if refusal is not None:
        return no_store(json_error(*refusal))
    return no_store(JsonResponse({'err': 0, 'data': wcs.offered_forms(cell, request.user)}))


def redirect_back(request):
    """Redirect to the page the form was posted from when it is on this site, else to ``/``."""
    referer = request.META.get('HTTP_REFERER', '')
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(referer)
    return HttpResponseRedirect('/')


@csrf_protect
@allow('POST')
def set_extension(request, cell_pk):
    """Store (or, when empty, forget) the extension the agent typed in the cell, then go back.

    Only POST, only for a logged-in user who sees the cell, and only when the
    cell allows self-service; otherwise 403 (404 for an unknown cell). An
    extension outside the cell's self-service rules, or held by another
    agent, is refused with a message and changes nothing.
    """
    cell, refusal = agent_cell(request, cell_pk)
    if refusal is not None:
        message, status, _state = refusal
        return json_error(message, status)
    if not cell.self_service:
        return json_error(_('This cell does not let agents set their extension.'), 403)

    form = ExtensionForm(request.POST, cell=cell)
    if not form.is_valid():
        # One message is enough: the first one states the whole rule.
        messages.error(request, form.errors['extension'][0])
        return redirect_back(request)
    wanted = clean_extension(form.cleaned_data['extension'])
    refusal = wanted and cell.self_service_refusal(request.user, wanted)
    if refusal:
        messages.error(request, refusal)
        return redirect_back(request)
    try:
        extension = AgentExtension.store(request.user, wanted)
    except ExtensionHeld:
        messages.error(
            request,
            _(
                'Extension %s is held by another agent: it cannot be taken. If it is yours, ask an '
                'administrator to release it.'
            )
            % wanted,
        )
        return redirect_back(request)
    if extension is None:
        messages.info(request, _('Your extension has been removed.'))
    else:
        messages.success(request, _('Your extension is now %s.') % extension)
    return redirect_back(request)


@csrf_protect
@never_cache
@allow('POST')
def check_connection(request, cell_pk):
    """Test the connection of the cell's settings as posted by its settings form (saved or not).

    Only POST, only for a user who manages cells (403 otherwise, 404 for an
    unknown cell). Uses the posted ``connector_url`` and ``api_key`` (an
    empty key keeps the saved one, unless ``clear_api_key``; the saved key
    is never sent to another server than the saved URL's), and the
    extension ``phone_call_check_extension``, by default the administrator's
    own. Answers ``{"err": 0, "ok": bool, "state": "ok"|"failed"|"incomplete",
    "steps": [{"step", "title", "status", "text"}]}``.
    """
    if not host.user_manages_cells(request.user):
        return json_error(_('Only administrators can test the connection.'), 403)
    cell = PhoneCallCell.objects.filter(pk=cell_pk).first()
    if cell is None:
        return json_error(_('This cell does not exist.'), 404)
    saved_url, saved_key = cell.connector_url, cell.api_key
    max_length = PhoneCallCell._meta.get_field('connector_url').max_length
    try:
        cell.connector_url = read_connector_url(request.POST.get('connector_url', saved_url), max_length)
    except ValidationError as error:
        return JsonResponse({'err': 0, **check.invalid_url(error.messages[0]).as_json()})
    posted, clear = request.POST.get('api_key'), request.POST.get('clear_api_key')
    withheld_for = None
    if saved_key_withheld(posted, clear, saved_key, saved_url, cell.connector_url):
        cell.api_key, withheld_for = '', client.loggable_url(saved_url)
    else:
        cell.api_key = posted_api_key(posted, clear, saved_key)
    extension = request.POST.get(CHECK_EXTENSION_FIELD, '').strip() or cell.agent_extension(request)
    report = check.check_connection(cell, extension, withheld_for=withheld_for)
    return JsonResponse({'err': 0, **report.as_json()})


@csrf_protect
@never_cache
def extension_holders(request):
    """The administrators' page of the extensions agents hold by self-service; a POST releases one.

    Staff only (anonymous visitors log in first, other users get a 403).
    The POST names the holding (``release``) and the extension it held
    when the page was shown (``extension``), so that a holding changed in
    between is left alone. The agent is told in their cell.
    """
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not host.user_manages_cells(request.user):
        raise PermissionDenied()
    if request.method == 'POST':
        pk = request.POST.get('release', '')
        # Digits only, and short enough for any integer column (a longer one is an error on PostgreSQL).
        is_pk = pk.isascii() and pk.isdecimal() and len(pk) < 10
        holding = AgentExtension.objects.select_related('user').filter(pk=pk).first() if is_pk else None
        extension = request.POST.get('extension', '')
        if holding is not None and holding.release(extension, request.user):
            messages.success(
                request,
                _('Extension %(extension)s of %(agent)s is released: they are told so in their cell.')
                % {'extension': extension, 'agent': agent_name(holding.user)},
            )
        else:
            messages.error(request, _('Nothing was released: this extension is no longer held so.'))
        return HttpResponseRedirect(request.path)
    if request.method != 'GET':
        return method_not_allowed('GET', 'POST')
    holdings = [
        {
            'pk': holding.pk,
            'extension': holding.extension,
            'agent': agent_name(holding.user),
            'updated': holding.updated,
        }
        for holding in AgentExtension.objects.exclude(extension='')
        .select_related('user')
        .order_by('extension')
    ]
    return render(request, 'combo_phone_cell/extension_holders.html', {'holdings': holdings})


def agent_name(user):
    """``Full Name (username)``, or the username alone: how the holders page names an agent."""
    full_name = user.get_full_name().strip()
    return f'{full_name} ({user.get_username()})' if full_name else user.get_username()
