"""Stand-in for ``passerelle.base.signature``: Publik's query signature (PUBLIK-CONTRACTS.md, "Publik request signature").

Signing appends ``algo``, ``timestamp`` (UTC, ``%Y-%m-%dT%H:%M:%SZ``) and
``nonce`` to the query, then the standard base64 of the HMAC of that whole
query, URL-quoted, as the last parameter ``signature``.
"""

import base64
import datetime
import hashlib
import hmac
import secrets
import urllib.parse

from django.db import IntegrityError, transaction
from django.utils import timezone

TIMESTAMP_FORMAT = '%Y-%m-%dT%H:%M:%SZ'
MAX_CLOCK_DIFFERENCE = datetime.timedelta(seconds=30)
CHECKED_PARAMS = ('algo', 'timestamp', 'nonce')


def sign_url(url, key, algo='sha256', timestamp=None, nonce=None):
    """``url`` with its query signed by ``key``."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(query=sign_query(parts.query, key, algo, timestamp, nonce)))


def sign_query(query, key, algo='sha256', timestamp=None, nonce=None):
    """``query`` followed by ``algo``, ``timestamp`` (naive means UTC; now by default), ``nonce`` and ``signature``."""
    timestamp = timestamp or datetime.datetime.now(datetime.UTC)
    if timestamp.tzinfo is not None:
        timestamp = timestamp.astimezone(datetime.UTC)
    signed = urllib.parse.urlencode(
        {
            'algo': algo,
            'timestamp': timestamp.strftime(TIMESTAMP_FORMAT),
            'nonce': nonce or secrets.token_hex(16),
        }
    )
    signed = f'{query}&{signed}' if query else signed
    return signed + '&signature=' + urllib.parse.quote(base64.b64encode(sign_string(signed, key, algo)))


def sign_string(s, key, algo='sha256'):
    return hmac.new(key.encode(), s.encode(), getattr(hashlib, algo)).digest()


def check_query(query, key):
    """Whether the raw ``query`` is signed by ``key``, fresh, and its nonce never seen.

    Refused: a signature that is not the last parameter, a missing or
    repeated ``algo``/``timestamp``/``nonce``, an algorithm outside
    ``hashlib.algorithms_guaranteed``, a timestamp more than 30 s away from
    now, a nonce already accepted within the window (by any process: see
    ``remember_nonce``). A nonce is remembered only once its signature
    checked out, so forged requests cannot burn it.
    """
    unsigned, sep, quoted_signature = query.rpartition('&signature=')
    params = urllib.parse.parse_qs(unsigned)
    if not sep or '&' in quoted_signature or any(len(params.get(name, ())) != 1 for name in CHECKED_PARAMS):
        return False
    (algo,), (timestamp,), (nonce,) = (params[name] for name in CHECKED_PARAMS)
    if algo not in hashlib.algorithms_guaranteed:
        return False
    try:
        signature = base64.b64decode(urllib.parse.unquote(quoted_signature), validate=True)
        sent = datetime.datetime.strptime(timestamp, TIMESTAMP_FORMAT).replace(tzinfo=datetime.UTC)
        # shake_* are guaranteed but have no fixed length: HMAC refuses them.
        expected = sign_string(unsigned, key, algo)
    except (TypeError, ValueError):
        return False
    if abs(datetime.datetime.now(datetime.UTC) - sent) > MAX_CLOCK_DIFFERENCE:
        return False
    if not hmac.compare_digest(expected, signature):
        return False
    return remember_nonce(nonce)


def remember_nonce(nonce):
    """Remember ``nonce`` beyond the clock window; ``False`` when it was already remembered.

    One insert into a unique column, in its own savepoint: of two processes
    checking the same nonce at the same instant, the database lets one win.
    Nonces past their window are deleted first (a signature that old is
    refused on its timestamp anyway).
    """
    from .models import SeenNonce

    now = timezone.now()
    SeenNonce.objects.filter(expires__lt=now).delete()
    try:
        with transaction.atomic():
            SeenNonce.objects.create(
                nonce=hashlib.sha256(nonce.encode()).hexdigest(),
                expires=now + 2 * MAX_CLOCK_DIFFERENCE + datetime.timedelta(seconds=1),
            )
    except IntegrityError:
        return False
    return True
