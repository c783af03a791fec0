"""Which telephone extension the logged-in agent answers on.

Every rule lives here so that the poll view, the cell's template context and
the self-service form agree. The extension is always resolved on the server
from the authenticated user: never from a request parameter, so an agent can
only ever read the calls of their own extension.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

EXTENSION_MAX_LENGTH = 64
# Control, invisible formatting, surrogate, private-use, unassigned, line and
# paragraph separator characters: the connector refuses them in a callee too.
REFUSED_CATEGORIES = ('Cc', 'Cf', 'Cs', 'Co', 'Cn', 'Zl', 'Zp')


def clean_extension(value):
    """Return ``value`` as a valid extension (stripped), or None when it is not one.

    An extension is checked like the connector checks a callee: surrounding
    spaces are dropped, it holds 1 to 64 characters and no control,
    invisible formatting or line separator character (which could hide a
    different number in a log or on screen).
    """
    if value is None:
        return None
    value = str(value).strip()
    if not value or len(value) > EXTENSION_MAX_LENGTH:
        return None
    if any(unicodedata.category(char) in REFUSED_CATEGORIES for char in value):
        return None
    return value


def validate_extension(value):
    """Form validator: raise ValidationError unless ``value`` is a valid extension."""
    if clean_extension(value) is None:
        raise ValidationError(
            _('An extension is 1 to %(max)d characters long, without control characters.'),
            code='invalid_extension',
            params={'max': EXTENSION_MAX_LENGTH},
        )


def user_attribute(request, name):
    """Return the first non-empty value of the user attribute ``name``, or None.

    ASSUMPTION TO CHECK ON A REAL COMBO: Publik passes the user's profile
    attributes to Combo at login through SAML (django-mellon), which is
    recalled to keep them in the session under ``mellon_session`` as a dict
    of attribute name to list of values. This is the only place that
    assumption is made; if a real Combo keeps them elsewhere, only this
    function changes.
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


def stored_extension(user):
    """Return the extension the agent set themselves (self-service), or None."""
    from .models import AgentExtension

    if not getattr(user, 'is_authenticated', False):
        return None
    record = AgentExtension.objects.filter(user=user).first()
    return record.extension if record else None


def store_extension(user, extension):
    """Record ``extension`` as the agent's own; an empty value forgets it."""
    from .models import AgentExtension

    extension = clean_extension(extension)
    if extension is None:
        AgentExtension.objects.filter(user=user).delete()
        return None
    AgentExtension.objects.update_or_create(user=user, defaults={'extension': extension})
    return extension


def resolve_extension(cell, request):
    """Return the logged-in agent's extension for ``cell``, or None.

    The user attribute named by the cell wins when it holds a valid value;
    otherwise, when the cell allows self-service, the extension the agent
    stored. Invalid values are ignored as if absent.
    """
    user = getattr(request, 'user', None)
    if not getattr(user, 'is_authenticated', False):
        return None
    if cell.extension_attribute:
        extension = clean_extension(user_attribute(request, cell.extension_attribute))
        if extension is not None:
            return extension
    if cell.self_service:
        return clean_extension(stored_extension(user))
    return None
