"""The w.c.s. forms the cell offers during a call: listed through w.c.s.'s signed API, cached briefly.

Seen in w.c.s.'s source (``wcs/api.py``, ``wcs/api_utils.py``,
``tests/api/test_formdef.py``): ``api/formdefs/?backoffice-submission=on``
answers ``{"err": 0, "data": [{"title", "slug", "category", ...}]}`` and
lists only the forms the user named in the signed query (``NameID``, else
``email``) may submit in back office, those whose back-office submission
roles meet the user's roles. Without a user it lists none; an unknown
``email`` is refused (403), an unknown ``NameID`` lists none; unsigned is
403. Signed and without ``backoffice-submission``, it lists every form
(used to choose forms in the cell's settings). A form is submitted at
``<w.c.s.>/backoffice/submission/<slug>/`` (``wcs/backoffice/submission.py``).

The poll never comes here: the widget asks the forms view once per page. A
w.c.s. that fails is logged and offers nothing; the rest of the cell works.
"""

import hashlib
import json
import logging
import re
import urllib.parse

from django.core.cache import cache

from . import client, host

logger = logging.getLogger(__name__)

# Seconds a w.c.s. listing is kept: the forms and the agents' roles change
# rarely, and a page load should not wait for w.c.s. each time.
CACHE_SECONDS = 60
MAX_TEXT_LENGTH = 200
SLUG = re.compile(r'^[\w-]+$', re.ASCII)


def services():
    """The w.c.s. services Combo knows, in a stable order."""
    return [service for _slug, service in sorted(host.known_services('wcs').items())]


def base_url(service):
    url = service.url
    return url if url.endswith('/') else url + '/'


def submission_url(service, slug):
    """Where an agent starts a back-office request of the form ``slug`` on ``service``."""
    return f'{base_url(service)}backoffice/submission/{urllib.parse.quote(slug)}/'


def _text(value):
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()[:MAX_TEXT_LENGTH]


def _read_forms(service, payload):
    """The forms of a formdefs answer's JSON ``payload`` as ``{"title", "url", "category"}``; None when it is not such an answer."""
    if not isinstance(payload, dict) or payload.get('err') or not isinstance(payload.get('data'), list):
        return None
    forms = []
    for item in payload['data']:
        if not isinstance(item, dict):
            return None
        title, slug = _text(item.get('title')), item.get('slug')
        if title is None or not isinstance(slug, str) or not SLUG.match(slug):
            return None
        forms.append(
            {'title': title, 'url': submission_url(service, slug), 'category': _text(item.get('category'))}
        )
    return forms


def list_forms(service, params, cell_pk):
    """The forms ``service`` lists for the query ``params`` (cached), or None after logging a failure."""
    key = 'phone-call-cell-wcs-' + hashlib.sha256(json.dumps([service.url, params]).encode()).hexdigest()
    forms = cache.get(key)
    if forms is not None:
        return forms
    url = f'{base_url(service)}api/formdefs/?{urllib.parse.urlencode(params)}'
    try:
        answer = client.get(client.signed_url(url, service))
    except client.TransportError as error:
        reason = error.reason
    except ValueError:
        reason = 'invalid w.c.s. URL'
    else:
        if answer.status != 200:
            reason = f'HTTP status {answer.status}' + (
                ' (signature refused?)' if answer.status == 403 else ''
            )
        else:
            forms = _read_forms(service, answer.json())
            reason = 'not a formdefs answer'
    if forms is None:
        logger.warning('phone call cell %s: w.c.s. %s: %s', cell_pk, client.loggable_url(url), reason)
        return None
    cache.set(key, forms, CACHE_SECONDS)
    return forms


def agent_forms(cell, user):
    """The forms ``user`` may submit in back office, from every known w.c.s. (one that fails gives none)."""
    params = [('backoffice-submission', 'on'), *host.agent_identity(user).items()]
    forms = []
    for service in services():
        forms.extend(list_forms(service, params, cell.pk) or [])
    return forms


def offered_forms(cell, user):
    """The forms the cell offers ``user`` during a call, per its setting ``forms_offer``.

    ``none``: none; ``all``: the forms the agent may submit in back office;
    ``chosen``: those among them that the administrator chose.
    """
    if cell.forms_offer == 'none':
        return []
    forms = agent_forms(cell, user)
    if cell.forms_offer == 'chosen':
        chosen = set(cell.chosen_forms or [])
        forms = [form for form in forms if form['url'] in chosen]
    return forms


def form_choices(cell_pk=None):
    """Every form of every known w.c.s., for the settings form: ``(choices, failed)``.

    ``choices`` are ``(url, label)`` pairs; ``failed`` the titles of the
    w.c.s. that could not list their forms.
    """
    choices = []
    failed = []
    known = services()
    for service in known:
        forms = list_forms(service, [], cell_pk)
        if forms is None:
            failed.append(service.title or service.url)
            continue
        for form in forms:
            label = form['title']
            if form['category']:
                label = f'{form["category"]} / {label}'
            if len(known) > 1:
                label = f'{label} ({service.title or service.url})'
            choices.append((form['url'], label))
    return choices, failed
