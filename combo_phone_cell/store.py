"""The cell's use of Django's cache (memcached in Publik): tenant-safe keys, and a cache that may fail.

Publik serves many towns from one Combo and one memcached. Every key the
cell writes is therefore made of what tells one site, or one connector and
credential, from another; and nothing the cell keeps there is a secret
(credentials and session keys only appear as digests).

The cache is an accelerator, never a dependency: when it fails (memcached
restarted, unreachable), these functions answer as an empty cache that
keeps nothing (``None`` for "unusable"), and the poll asks the connector
itself, as it did before the cache existed.
"""

import hashlib
import logging
import secrets

from django.conf import settings
from django.core.cache import caches
from django.db import connection

logger = logging.getLogger(__name__)

PREFIX = 'phone-call-cell'


def digest(*parts):
    """A short, stable digest of ``parts`` (strings), for a cache key."""
    text = '\x1f'.join(str(part) for part in parts)
    return hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()[:32]


def tenant():
    """What tells this site from another one sharing the cache: its database (and, in Publik, its schema).

    Recalled: Publik's multi-tenant Combo puts each site in its own
    PostgreSQL schema and names it in ``connection.schema_name``. Wrong or
    absent: the database alone, which still separates sites that each have
    their own database; the cache keys of Publik, prefixed per tenant
    (recalled), separate them again.
    """
    db = connection.settings_dict
    return digest(
        db.get('ENGINE'),
        db.get('HOST'),
        db.get('PORT'),
        db.get('NAME'),
        getattr(connection, 'schema_name', ''),
    )


def key(*parts):
    """A cache key of the cell, from ``parts`` that already include whatever makes it tenant-safe."""
    return ':'.join((PREFIX, *(str(part) for part in parts)))


def site_key(*parts):
    """A cache key of the cell for this site (``tenant``)."""
    return key(tenant(), *parts)


def _cache():
    return caches[getattr(settings, 'PHONE_CALL_CELL_CACHE', 'default')]


def _failed(operation, error):
    logger.debug(
        'phone call cell: cache %s failed (%s), asking the connector', operation, type(error).__name__
    )


# Any exception: each cache backend (pymemcache, pylibmc, redis...) raises its own.
def get_many(keys):
    """The entries of ``keys`` found, as a dict; None when the cache cannot be used."""
    try:
        return _cache().get_many(keys)
    except Exception as error:  # noqa: BLE001
        _failed('read', error)
        return None


def get(key_):
    """The entry of ``key_``, or None (absent or cache unusable)."""
    return (get_many([key_]) or {}).get(key_)


def set_many(entries, timeout):
    """Store ``entries`` for ``timeout`` seconds; False when the cache cannot be used."""
    try:
        _cache().set_many(entries, timeout)
    except Exception as error:  # noqa: BLE001
        _failed('write', error)
        return False
    return True


def add(key_, value, timeout):
    """Store ``value`` unless ``key_`` holds one: True if stored, False if taken, None when unusable."""
    try:
        return bool(_cache().add(key_, value, timeout))
    except Exception as error:  # noqa: BLE001
        _failed('add', error)
        return None


def delete(key_):
    try:
        _cache().delete(key_)
    except Exception as error:  # noqa: BLE001
        _failed('delete', error)


def new_token():
    return secrets.token_hex(8)


STAMP_TIMEOUT = 24 * 3600


def renew_site_stamp():
    """Renew this site's stamp: every decision a poll keeps in the cache (``agents.py``) is made again."""
    set_many({site_key('stamp'): new_token()}, STAMP_TIMEOUT)
