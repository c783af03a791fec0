"""Stand-in for w.c.s.'s forms API and back-office submission: "The w.c.s. stand-in" of ``docs/hosts.rst``.

Seen in w.c.s.'s source (``wcs/api.py`` ``ApiFormdefsDirectory``,
``wcs/api_utils.py``, ``tests/api/test_formdef.py``):

- an unsigned call, an unknown ``orig`` or a refused signature is a 403
  ``{"err": 1, "err_class": "Access denied", "err_code": "access-denied",
  "err_desc": ...}``;
- the agent is named by ``email`` (unknown: 403) or ``NameID`` (unknown: no
  agent; the stand-in reads it as the username);
- with ``backoffice-submission=on`` and no agent the list is empty; with an
  agent it holds the forms whose back-office submission roles include one of
  the agent's (being an administrator gives no more); without it, every form
  (the stand-in's forms have no front-office roles); sorted by title, each
  in the shape built by :func:`formdef_json`;
- ``backoffice/submission/<slug>/?channel=phone&caller=...`` keeps the caller
  only on the ``phone`` channel.
"""

import urllib.parse

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from passerelle.base.signature import check_query


def access_denied(message):
    data = {'err': 1, 'err_class': 'Access denied', 'err_code': 'access-denied', 'err_desc': message}
    return JsonResponse(data, status=403)


def may_submit(user, formdef):
    return user.groups.filter(name__in=formdef.get('backoffice_submission_roles', [])).exists()


def formdef_json(formdef, base_url, backoffice):
    data = {
        'title': formdef['title'],
        'slug': formdef['slug'],
        'url': f'{base_url}{formdef["slug"]}/',
        'description': formdef.get('description', ''),
        'keywords': [],
        'authentication_required': False,
        'always_advertise': False,
        'redirection': False,
        'functions': {},
    }
    if backoffice:
        data['backoffice_submission_url'] = f'{base_url}backoffice/submission/{formdef["slug"]}/'
    if formdef.get('category'):
        data.update(category=formdef['category'], category_slug=slugify(formdef['category']))
    return data


def formdefs(request):
    """``GET /api/formdefs/[?backoffice-submission=on]``, signed, optionally naming the agent."""
    secret = settings.WCS_API_SECRETS.get(request.GET.get('orig', ''))
    if 'signature' not in request.GET:
        return access_denied(_('User not authenticated.'))
    if not secret:
        return access_denied(_('Invalid orig.'))
    if not check_query(request.META['QUERY_STRING'], secret):
        return access_denied(_('Invalid signature.'))
    users = get_user_model().objects
    agent = None
    if request.GET.get('email'):
        agent = users.filter(email=request.GET['email']).first()
        if agent is None:
            return access_denied(_('Unknown email.'))
    elif request.GET.get('NameID'):
        agent = users.filter(username=request.GET['NameID']).first()
    backoffice = request.GET.get('backoffice-submission') in ('on', 'true', 'True', '1')
    forms = sorted(settings.WCS_FORMDEFS, key=lambda formdef: formdef['title'])
    if backoffice:
        forms = [formdef for formdef in forms if agent and may_submit(agent, formdef)]
    data = [formdef_json(formdef, request.build_absolute_uri('/'), backoffice) for formdef in forms]
    return JsonResponse({'err': 0, 'data': data})


@login_required
def submission(request, slug):
    """What the back office received: the form, the channel, the caller, and the way back, as text."""
    formdef = next((formdef for formdef in settings.WCS_FORMDEFS if formdef['slug'] == slug), None)
    if formdef is None:
        raise Http404()
    if not may_submit(request.user, formdef):
        raise PermissionDenied()
    channel = request.GET.get('channel', '')
    return_url = request.GET.get('ReturnURL', '')
    context = {
        'formdef': formdef,
        'channel': _('Phone') if channel == 'phone' else channel,
        'caller': request.GET.get('caller', '') if channel == 'phone' else '',
        # A javascript: URL must not become a link.
        'return_url': return_url if urllib.parse.urlsplit(return_url).scheme in ('http', 'https') else '',
    }
    return render(request, 'wcs/submission.html', context)
