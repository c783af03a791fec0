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


def _allowed_items(text):
    """The items of an allowed-extensions setting: ``'42, 43 100-199'`` gives ``['42', '43', '100-199']``."""
    return [item for item in str(text or '').replace(',', ' ').replace(';', ' ').split() if item]


def _as_range(item):
    """``(low, high)`` for an item written ``100-199`` (digits only), else None."""
    low, sep, high = item.partition('-')
    if sep and low.isdecimal() and high.isdecimal() and low.isascii() and high.isascii():
        return int(low), int(high)
    return None


def read_allowed_extensions(text):
    """``text`` as an allowed-extensions setting, written tidily (``'42, 43, 100-199'``); '' means any.

    Extensions and ranges of digits (``100-199``, both ends included) are
    separated by commas or spaces. Raises ValidationError naming the first
    item that is neither.
    """
    items = []
    for item in _allowed_items(text):
        bounds = _as_range(item)
        if bounds is not None and bounds[0] > bounds[1]:
            raise ValidationError(
                _('%(item)s: the first extension of a range must not be above the last one.'),
                code='invalid_range',
                params={'item': item},
            )
        if bounds is None and clean_extension(item) is None:
            raise ValidationError(
                _('%(item)s is neither an extension nor a range such as 100-199.'),
                code='invalid_item',
                params={'item': item},
            )
        items.append(item)
    return ', '.join(items)


def extension_allowed(extension, allowed):
    """Whether ``extension`` is among the ``allowed`` extensions (a setting read by the function above).

    An empty setting allows every extension. A range matches extensions made
    of digits only, by value (``0042`` is in ``1-100``).
    """
    items = _allowed_items(allowed)
    if not items:
        return True
    for item in items:
        bounds = _as_range(item)
        if bounds is None:
            if item == extension:
                return True
        elif extension.isdecimal() and extension.isascii() and bounds[0] <= int(extension) <= bounds[1]:
            return True
    return False
