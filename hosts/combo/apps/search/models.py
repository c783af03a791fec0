"""Stand-in for ``combo.apps.search.models``: the search cell and the user search it runs.

PUBLIK-CONTRACTS.md, "Combo", search cell, and "How the user search matches
a phone number". The search follows Authentic's ``free_text_search`` (seen
in ``authentic2/custom_user/managers.py`` and
``tests/api/test_free_text_search.py``), never finding more than it does:

- a query that reads as a phone number (``phonenumbers``, tried as
  international then with the default region FR) is turned into E.164 and
  compared, exactly, with profile attributes of the *phone number* kind,
  which Authentic stores in E.164; when some match, those users are the
  answer;
- otherwise a profile attribute of any kind matches when it holds every word
  of the query, as written, ignoring case (Authentic: PostgreSQL full-text
  search of the value; splitting on spaces finds no more);
- names match when they hold every word of the query, ignoring case and
  accents (Authentic's trigram similarity also finds near misses); a one-word
  query also matches the start of the username or email, and a query with
  ``@`` any part of the email.

So ``0143250135`` finds ``+33143250135`` stored as a *phone number*, while a
text attribute written ``01.43.25.01.36`` is found only by ``01.43.25.01.36``.
"""

import unicodedata

import phonenumbers
from combo.data.library import register_cell_class
from combo.data.models import CellBase
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.utils.translation import gettext_lazy as _

PHONE_NUMBER = 'phone_number'
KIND_CHOICES = [
    ('string', _('Text')),
    (PHONE_NUMBER, _('Phone number')),
    ('fr_phone_number', _('French phone number')),
]
MAX_RESULTS = 20


@register_cell_class
class SearchCell(CellBase):
    """A search box whose script shows the matching users as the agent types."""

    title = models.CharField(_('Title'), max_length=150, blank=True)

    default_template_name = 'combo/search-cell.html'

    class Meta:
        verbose_name = _('Search')


class ProfileAttribute(models.Model):
    """One attribute of a user's profile, as Authentic keeps it: a label, a kind, a value."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name='profile_attributes'
    )
    label = models.CharField(_('Label'), max_length=63)
    kind = models.CharField(_('Kind'), max_length=16, choices=KIND_CHOICES, default='string')
    value = models.CharField(_('Value'), max_length=256)

    class Meta:
        ordering = ['pk']

    def __str__(self):
        return f'{self.label}: {self.value}'


def phone_number_query(query):
    """``query`` in E.164 when it reads as a phone number, else None."""
    for region in (None, 'FR'):
        try:
            number = phonenumbers.parse(query, region)
        except phonenumbers.NumberParseException:
            continue
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def words(text, ignore_accents=False):
    text = text.casefold()
    if ignore_accents:
        text = ''.join(
            char for char in unicodedata.normalize('NFKD', text) if not unicodedata.combining(char)
        )
    return set(text.split())


def matches_as_written(user, query):
    if words(query, ignore_accents=True) <= words(user.get_full_name(), ignore_accents=True):
        return True
    if any(words(query) <= words(attribute.value) for attribute in user.profile_attributes.all()):
        return True
    folded, email = query.casefold(), user.email.casefold()
    if len(folded.split()) != 1:
        return False
    return (
        user.username.casefold().startswith(folded)
        or email.startswith(folded)
        or ('@' in folded and folded in email)
    )


def search_users(query):
    """The users matching ``query`` (see the module's docstring), by name, at most ``MAX_RESULTS``."""
    query = query.strip()
    if not query:
        return []
    users = (
        get_user_model()
        .objects.prefetch_related('profile_attributes')
        .order_by('last_name', 'first_name', 'pk')
    )
    e164 = phone_number_query(query)
    found = [
        user
        for user in users
        if e164 and any(a.kind == PHONE_NUMBER and a.value == e164 for a in user.profile_attributes.all())
    ]
    return (found or [user for user in users if matches_as_written(user, query)])[:MAX_RESULTS]
