"""Stand-in for ``combo.apps.search.engines``: how the search cell finds users.

Real Combo delegates to Authentic's user search, which matches names, email
and the profile's phone attribute; this mirrors that on ``DirectoryUser``.
Phone numbers are compared as French national digits, so a number typed as
``+33 1 43 25 01 35`` in a profile is found by ``0143250135`` and back.
"""

import re

from .models import DirectoryUser

MAX_RESULTS = 20
MIN_PHONE_DIGITS = 4
PHONE_QUERY_RE = re.compile(r'^[0-9+.\-\s()]+$')


def phone_digits(value):
    """Digits of a phone number, with a leading ``+33`` / ``0033`` turned into ``0``.

    ``'+33 1 43 25 01 35'``, ``'01.43.25.01.35'`` and ``'0033143250135'`` all
    give ``'0143250135'``.
    """
    value = (value or '').strip()
    # str.isdigit() would also accept other scripts' digits and superscripts.
    digits = ''.join(char for char in value if char in '0123456789')
    if value.startswith('+33'):
        national = digits[2:]
    elif digits.startswith('0033'):
        national = digits[4:]
    else:
        return digits
    # '+33 (0)1 43...' keeps its own trunk zero.
    return national if national.startswith('0') else '0' + national


def looks_like_phone_number(query):
    """Whether ``query`` is made of phone characters only, with enough digits to search."""
    return bool(PHONE_QUERY_RE.match(query)) and len(phone_digits(query)) >= MIN_PHONE_DIGITS


def user_matches(user, query):
    """Whether ``user`` matches ``query`` by name, email or (for numbers) phone."""
    folded = query.casefold()
    texts = (user.first_name, user.last_name, user.get_full_name(), user.email)
    if any(folded in text.casefold() for text in texts if text):
        return True
    if looks_like_phone_number(query):
        user_digits = phone_digits(user.phone)
        return bool(user_digits) and phone_digits(query) in user_digits
    return False


def search_users(query, limit=MAX_RESULTS):
    """Users matching ``query`` (see :func:`user_matches`), at most ``limit``, with their requests."""
    query = (query or '').strip()
    if not query:
        return []
    found = []
    # The directory stand-in is small: matching in Python keeps the phone rule in one place.
    for user in DirectoryUser.objects.prefetch_related('requests').iterator(chunk_size=500):
        if user_matches(user, query):
            found.append(user)
            if len(found) >= limit:
                break
    return found


def serialize_user(user):
    """JSON shape of one search result."""
    return {
        'name': user.get_full_name(),
        'phone': user.phone,
        'email': user.email,
        'requests': [
            {'title': request.title, 'status': request.status, 'url': request.url}
            for request in user.requests.all()
        ],
    }
