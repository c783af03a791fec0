"""What an extension is, and the form where an agent types their own.

The same rule serves the profile attribute, the self-service form and the
connection test. It is close to the connector's rule for a callee, which
also refuses every character drawn as nothing (the Hangul fillers, U+034F...):
such an extension passes here, and the connector answers 400. Which
extension an agent answers on is decided by ``PhoneCallCell.agent_extension``,
always on the server from the authenticated user.
"""

import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

EXTENSION_MAX_LENGTH = 64
# Control, invisible formatting, surrogate, private-use, unassigned, line and
# paragraph separator characters: the connector refuses them in a callee too.
REFUSED_CATEGORIES = ('Cc', 'Cf', 'Cs', 'Co', 'Cn', 'Zl', 'Zp')


def clean_extension(value):
    """Return ``value`` as a valid extension (stripped), or None when it is not one.

    Surrounding spaces are dropped; an extension holds 1 to 64 characters and
    no control, invisible formatting or line separator character (which could
    hide a different number in a log or on screen).
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


class ExtensionForm(forms.Form):
    """The extension an agent types for themselves in the cell; empty forgets it."""

    extension = forms.CharField(
        label=_('Your extension'),
        max_length=EXTENSION_MAX_LENGTH,
        required=False,
        validators=[validate_extension],
        help_text=_('The number of your phone, as dialled internally (for example 42).'),
    )

    def __init__(self, *args, cell=None, **kwargs):
        if cell is not None:
            # Unique ids when a page holds several phone call cells.
            kwargs.setdefault('auto_id', f'id_phone-call-cell-{cell.pk}-%s')
        super().__init__(*args, **kwargs)
