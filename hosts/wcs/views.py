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

Stand-in rule: the way back (``ReturnURL``) is followed only to the portal,
a Combo of ``KNOWN_SERVICES['combo']`` (as Hobo declares the site's
services) or this very site (the demo serves w.c.s. and Combo together);
any other address is dropped, so that a link cannot send the agent away.
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


def address(url):
    """``(host, port)`` of an absolute http(s) URL without user info, ``None`` for anything else."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ('http', 'https') or not parts.hostname or parts.username is not None:
        return None
    try:
        return parts.hostname, parts.port or {'http': 80, 'https': 443}[parts.scheme]
    except ValueError:  # a port that is not a number
        return None


def portal_return_url(request, url):
    """``url`` when it leads to the portal (see the module's docstring), else ``''``."""
    combos = (getattr(settings, 'KNOWN_SERVICES', None) or {}).get('combo') or {}
    portal = {address(service.get('url', '')) for service in combos.values()}
    portal.add(address(request.build_absolute_uri('/')))
    target = address(url)
    return url if target is not None and target in portal else ''


@login_required
def submission(request, slug):
    """What the back office received: the form, the channel, the caller, and the way back, as text."""
    formdef = next((formdef for formdef in settings.WCS_FORMDEFS if formdef['slug'] == slug), None)
    if formdef is None:
        raise Http404()
    if not may_submit(request.user, formdef):
        raise PermissionDenied()
    channel = request.GET.get('channel', '')
    context = {
        'formdef': formdef,
        'channel': _('Phone') if channel == 'phone' else channel,
        'caller': request.GET.get('caller', '') if channel == 'phone' else '',
        # Neither a javascript: URL nor another site becomes the way back.
        'return_url': portal_return_url(request, request.GET.get('ReturnURL', '')),
    }
    return render(request, 'wcs/submission.html', context)
