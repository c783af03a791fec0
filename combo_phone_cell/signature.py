"""Publik's inter-service request signature (signing side only).

Mirrors ``sign_url`` of Publik's signature modules: the query (business
parameters and ``orig``) gets ``algo``, ``timestamp`` (UTC) and a random
``nonce`` appended, then an HMAC over that whole query string, base64 encoded
(standard alphabet) and URL-quoted, as the last parameter ``signature``.
"""

import base64
import datetime
import hmac
import secrets
import urllib.parse

TIMESTAMP_FORMAT = '%Y-%m-%dT%H:%M:%SZ'


def sign_url(url, key, algo='sha256', timestamp=None, nonce=None):
    """Return ``url`` with Publik signature parameters appended to its query."""
    parts = urllib.parse.urlsplit(url)
    query = sign_query(parts.query, key, algo=algo, timestamp=timestamp, nonce=nonce)
    return urllib.parse.urlunsplit(parts._replace(query=query))


def sign_query(query, key, algo='sha256', timestamp=None, nonce=None):
    """Return ``query`` with ``algo``, ``timestamp``, ``nonce`` and ``signature`` appended."""
    if timestamp is None:
        timestamp = datetime.datetime.now(datetime.UTC)
    if nonce is None:
        nonce = secrets.token_hex(16)
    extra = urllib.parse.urlencode(
        [('algo', algo), ('timestamp', timestamp.strftime(TIMESTAMP_FORMAT)), ('nonce', nonce)]
    )
    signed = f'{query}&{extra}' if query else extra
    digest = hmac.new(key.encode('utf-8'), signed.encode('utf-8'), algo).digest()
    signature = base64.b64encode(digest).decode('ascii')
    return f'{signed}&signature={urllib.parse.quote(signature)}'
