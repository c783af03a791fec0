"""Everything the cell assumes of Combo, one function (or name) per assumption.

This is the only module of the app that imports ``combo`` or reads Combo's
settings. Each function says in its docstring whether what it relies on was
**seen** (in public plugins, exports, themes or the sources of sibling
Entr'ouvert apps) or is **recalled** (believed, not verified), and what
happens when the assumption is wrong; wherever it can, a wrong assumption
costs a feature, not Combo's start-up. ``docs/hosts.rst`` lists them as a
table with a checklist for a maintainer who has a real Combo.
"""

import functools
import inspect
from typing import NamedTuple

# Recalled: the base class of every cell and the decorator that registers a
# cell type. Wrong: Combo stops at start-up with an ImportError naming this
# module; nothing softer is possible, a cell cannot exist without them.
from combo.data.library import register_cell_class
from combo.data.models import CellBase
from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldError
from django.urls import NoReverseMatch, reverse

__all__ = [
    'CellBase',
    'register_cell_class',
    'search_cell_model',
    'page_search_cells',
    'search_cell_name',
    'cell_is_visible',
    'page_is_visible',
    'user_attribute',
    'agent_identity',
    'user_manages_cells',
    'cell_settings_url',
    'Service',
    'known_services',
]


def search_cell_model():
    """Combo's search cell model, or None when this Combo has no search app.

    Recalled: the model ``SearchCell`` of the app labelled ``search``
    (``combo.apps.search``). Wrong or absent: None, and the cell types into
    the first search cell of the page (found in the browser by its seen
    wrapper ``div.searchcell``); its settings form then offers only that.
    """
    try:
        return apps.get_model('search', 'SearchCell')
    except LookupError:
        return None


def page_search_cells(page_id):
    """The search cells of the page ``page_id``, in page order (``order``, then ``pk``).

    Seen: cells have ``page`` and ``order`` fields. Without a search app, or
    when those fields are missing, the list is empty (see
    :func:`search_cell_model`).
    """
    model = search_cell_model()
    if model is None:
        return []
    try:
        return list(model.objects.filter(page_id=page_id).order_by('order', 'pk'))
    except FieldError:
        return []


def search_cell_name(search_cell):
    """A name for ``search_cell`` in the cell's settings form: its title, else its slug, else ''.

    Recalled: search cells have a ``title``; seen: every cell has a ``slug``.
    Wrong: the choice is labelled by its position only.
    """
    return str(getattr(search_cell, 'title', '') or getattr(search_cell, 'slug', '') or '')


# Per class: a signature does not change, and every poll asks.
@functools.cache
def _takes_a_user(cell_class):
    parameters = [name for name in inspect.signature(cell_class.is_visible).parameters if name != 'self']
    return bool(parameters) and parameters[0] == 'user'


def cell_is_visible(cell, request):
    """Whether the user of ``request`` sees ``cell`` (its roles, logged-in or not).

    Recalled: ``cell.is_visible(request)``; older Combo releases take the
    user, ``cell.is_visible(user)``: the parameter's name tells which one
    is called. Wrong in another way: the exception reaches the view (a
    500), which is better than showing calls to the wrong people.
    """
    if _takes_a_user(type(cell)):
        return bool(cell.is_visible(user=getattr(request, 'user', None)))
    return bool(cell.is_visible(request))


def page_is_visible(page, user):
    """Whether ``user`` may see ``page`` and every page above it.

    Recalled: ``page.is_visible(user)`` and ``page.parent`` (seen as a page
    field in exports). A page without ``parent`` is taken as a root page.
    """
    while page is not None:
        if not page.is_visible(user):
            return False
        page = getattr(page, 'parent', None)
    return True


def user_attribute(request, name):
    """The first non-empty value of the user's profile attribute ``name``, or None.

    Recalled: Publik passes the user's profile attributes to Combo at login
    through SAML (django-mellon), kept in the session under
    ``mellon_session`` as a dict of attribute name to a list of values.
    Wrong: None, so the extension comes from self-service only (the cell
    says no extension is known when self-service is off).
    """
    session = getattr(request, 'session', None)
    if session is None:
        return None
    attributes = session.get('mellon_session') or {}
    if not isinstance(attributes, dict):
        return None
    values = attributes.get(name)
    if not isinstance(values, (list, tuple)):
        values = [values]
    for value in values:
        if value is not None and str(value).strip():
            return str(value)
    return None


def agent_identity(user):
    """Query parameters naming ``user`` to another Publik service: ``NameID``, else ``email``, else none.

    Seen in the request wrapper of lingo (an Entr'ouvert app built like
    Combo): the user's SAML NameID when there is one, else their email.
    Seen in django-mellon: a user's NameIDs are ``user.saml_identifiers``,
    each with a ``name_id``. Recalled: Combo's users also have
    ``get_name_id()``. Wrong: the email is sent, or nothing; w.c.s. then
    lists no form to submit in back office, and the cell offers none.
    """
    if not getattr(user, 'is_authenticated', False):
        return {}
    name_id = None
    if callable(getattr(user, 'get_name_id', None)):
        name_id = user.get_name_id()
    elif hasattr(user, 'saml_identifiers'):
        identifier = user.saml_identifiers.first()
        name_id = getattr(identifier, 'name_id', None)
    if name_id:
        return {'NameID': str(name_id)}
    if getattr(user, 'email', ''):
        return {'email': user.email}
    return {}


def user_manages_cells(user):
    """Whether ``user`` may edit cells in Combo's manager (and so test the cell's connection).

    Recalled: Combo's manager is open to staff users. Wrong: an
    administrator without ``is_staff`` sees no settings link and cannot run
    the connection test; no one else gains anything.
    """
    return bool(getattr(user, 'is_authenticated', False) and getattr(user, 'is_staff', False))


def cell_settings_url(cell):
    """URL of ``cell``'s settings form in Combo's manager, or None when it cannot be built.

    Recalled: the URL named ``combo-manager-page-edit-cell`` with
    ``page_pk`` and ``cell_reference`` (seen: ``get_reference()``, written
    ``<app>_<model>-<pk>``). Wrong: None, and the cell shows no settings
    link.
    """
    try:
        return reverse(
            'combo-manager-page-edit-cell',
            kwargs={'page_pk': cell.page_id, 'cell_reference': cell.get_reference()},
        )
    except NoReverseMatch:
        return None


class Service(NamedTuple):
    """A Publik service Combo knows: base ``url``, ``orig`` and ``secret`` to sign with, ``title`` (or '')."""

    url: str
    orig: str
    secret: str
    title: str


def known_services(kind):
    """The Publik services of ``kind`` (``'passerelle'``, ``'wcs'``) Combo knows: ``{slug: Service}``.

    Seen: ``settings.KNOWN_SERVICES`` maps kinds to dicts of services, each
    with ``url``, ``orig`` and ``secret`` (and often ``title``). Entries
    without a URL are left out; other keys of an entry are not read. Wrong
    or absent: no known service, so the connector is reached with the cell's
    API key and no form is offered.
    """
    services = (getattr(settings, 'KNOWN_SERVICES', None) or {}).get(kind) or {}
    if not isinstance(services, dict):
        return {}
    return {
        slug: Service(*(str(service.get(name) or '') for name in Service._fields))
        for slug, service in services.items()
        if isinstance(service, dict) and isinstance(service.get('url'), str) and service['url']
    }
