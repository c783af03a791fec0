"""Stand-in for ``passerelle.base.signature``: Publik's query-string signature.

Signing appends ``algo``, ``timestamp`` (UTC, ``%Y-%m-%dT%H:%M:%SZ``) and
``nonce`` to the query, computes an HMAC of that whole query with the shared
key, and appends its standard base64, URL-quoted, as the last parameter
``signature``. Checking recomputes the HMAC over the raw query before
``&signature=``; it refuses a signature that is not last, an algorithm outside
``hashlib.algorithms_guaranteed``, a timestamp more than ``timedelta`` seconds
away from now (past or future) and a nonce already seen.
"""

import base64
import datetime
import hashlib
import hmac
import secrets
import urllib.parse

from django.core.cache import cache

TIMESTAMP_FORMAT = '%Y-%m-%dT%H:%M:%SZ'
NONCE_CACHE_PREFIX = 'passerelle-signature-nonce-'


def sign_url(url, key, algo='sha256', timestamp=None, nonce=None):
    """Return ``url`` with its query signed by ``key`` (see ``sign_query``)."""
    parts = urllib.parse.urlsplit(url)
    query = sign_query(parts.query, key, algo=algo, timestamp=timestamp, nonce=nonce)
    return urllib.parse.urlunsplit(parts._replace(query=query))


def sign_query(query, key, algo='sha256', timestamp=None, nonce=None):
    """Return ``query`` followed by ``algo``, ``timestamp``, ``nonce`` and ``signature``.

    ``timestamp`` is a datetime (naive means UTC), now by default; ``nonce``
    is 128 random bits in hex by default.
    """
    if timestamp is None:
        timestamp = datetime.datetime.now(datetime.UTC)
    elif timestamp.tzinfo is not None:
        timestamp = timestamp.astimezone(datetime.UTC)
    if nonce is None:
        nonce = secrets.token_hex(16)
    signed = urllib.parse.urlencode(
        (('algo', algo), ('timestamp', timestamp.strftime(TIMESTAMP_FORMAT)), ('nonce', nonce))
    )
    if query:
        signed = query + '&' + signed
    signature = base64.b64encode(sign_string(signed, key, algo=algo))
    return signed + '&signature=' + urllib.parse.quote(signature)


def sign_string(s, key, algo='sha256'):
    """Return the raw HMAC digest of ``s`` with ``key``."""
    return hmac.new(_bytes(key), _bytes(s), getattr(hashlib, algo)).digest()


def check_url(url, key, known_nonce=None, timedelta=30):
    """Tell whether the query of ``url`` carries a valid signature by ``key``."""
    return check_query(urllib.parse.urlsplit(url).query, key, known_nonce=known_nonce, timedelta=timedelta)


def check_query(query, key, known_nonce=None, timedelta=30):
    """Tell whether the raw ``query`` carries a valid, fresh, first-seen signature by ``key``.

    ``known_nonce(nonce)`` must return True for a nonce already seen and
    remember the others; by default nonces are remembered in Django's cache
    for as long as their timestamp could still be accepted. The nonce is only
    remembered once the signature itself is valid, so forged requests cannot
    burn the nonces of genuine ones.
    """
    if '&signature=' not in query:
        return False
    unsigned_query, quoted_signature = query.rsplit('&signature=', 1)
    if '&' in quoted_signature:
        return False
    params = urllib.parse.parse_qs(unsigned_query)
    try:
        (algo,) = params['algo']
        (timestamp,) = params['timestamp']
        (nonce,) = params['nonce']
    except (KeyError, ValueError):
        return False
    if algo not in hashlib.algorithms_guaranteed:
        return False
    try:
        signature = base64.b64decode(urllib.parse.unquote(quoted_signature), validate=True)
        timestamp = datetime.datetime.strptime(timestamp, TIMESTAMP_FORMAT)
    except ValueError:
        return False
    now = datetime.datetime.now(datetime.UTC)
    if abs(now - timestamp.replace(tzinfo=datetime.UTC)) > datetime.timedelta(seconds=timedelta):
        return False
    try:
        expected = sign_string(unsigned_query, key, algo=algo)
    except (TypeError, ValueError):
        # shake_128/shake_256 are guaranteed but have no fixed length: HMAC refuses them.
        return False
    if not hmac.compare_digest(expected, signature):
        return False
    if known_nonce is None:
        known_nonce = _make_cache_known_nonce(timedelta)
    return not known_nonce(nonce)


def _make_cache_known_nonce(timedelta):
    def known_nonce(nonce):
        # A nonce must outlive the window in which its timestamp is accepted,
        # at most twice the allowed clock difference from now.
        cache_key = NONCE_CACHE_PREFIX + hashlib.sha256(_bytes(nonce)).hexdigest()
        return not cache.add(cache_key, True, timeout=2 * timedelta + 1)

    return known_nonce


def _bytes(value):
    return value if isinstance(value, bytes) else str(value).encode('utf-8')
