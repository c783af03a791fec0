"""Stand-in for ``passerelle.base.models`` (PUBLIK-CONTRACTS.md, "Passerelle": ``BaseResource``, access).

The real module also keeps logs, availability checks and jobs in the
database; only what a connector and its access rights rely on is here.
"""

import base64
import binascii
import logging

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _

from .signature import check_query

KEYTYPE_CHOICES = (('', _('None (open access)')), ('API', _('API Key')), ('SIGN', _('HMAC Signature')))


class ApiUser(models.Model):
    """A client of the connectors: anyone (empty key type), an API key, or Publik signatures from ``orig``."""

    username = models.CharField(_('Username'), max_length=128, unique=True)
    fullname = models.CharField(_('Full name'), max_length=50)
    description = models.TextField(_('Description'), blank=True)
    keytype = models.CharField(_('Key type'), max_length=4, choices=KEYTYPE_CHOICES, blank=True)
    key = models.CharField(_('Key'), max_length=256, blank=True)
    ipsource = models.GenericIPAddressField(_('IP address'), blank=True, null=True, unpack_ipv4=True)

    class Meta:
        verbose_name = _('API user')
        ordering = ['username']

    def __str__(self):
        return self.fullname or self.username


class AccessRight(models.Model):
    """Grants ``apiuser`` the permission ``codename`` on one connector instance."""

    codename = models.CharField(_('Codename'), max_length=100)
    resource_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    resource_pk = models.PositiveIntegerField()
    apiuser = models.ForeignKey(ApiUser, on_delete=models.CASCADE, verbose_name=_('API user'))

    class Meta:
        verbose_name = _('access right')
        unique_together = (('codename', 'resource_type', 'resource_pk', 'apiuser'),)

    def __str__(self):
        return f'{self.codename} for {self.apiuser}'


class SeenNonce(models.Model):
    """A signature nonce accepted once, refused until ``expires``: in the database, so every process sees it.

    Real Passerelle remembers nonces in its cache, which a Publik site
    shares between its processes and servers (memcached); the stand-in's
    projects keep a per-process cache, so the database plays that part.
    """

    nonce = models.CharField(max_length=64, unique=True)
    expires = models.DateTimeField(db_index=True)

    def __str__(self):
        return self.nonce


class BaseResource(models.Model):
    """Base of every connector: a concrete subclass is mounted at ``/<get_connector_slug()>/<slug>/``."""

    title = models.CharField(_('Title'), max_length=50)
    slug = models.SlugField(_('Identifier'), unique=True)
    description = models.TextField(_('Description'), blank=True)

    category = ''
    api_description = ''

    class Meta:
        abstract = True

    def __str__(self):
        return self.title

    @classmethod
    def get_connector_slug(cls):
        return cls._meta.app_label.replace('_', '-')

    @property
    def logger(self):
        return logging.getLogger(f'passerelle.resource.{self.get_connector_slug()}.{self.slug}')

    def hourly(self):
        """Run by ``cron hourly`` on every instance; overrides call ``super()``."""

    def daily(self):
        """Run by ``cron daily`` on every instance; overrides call ``super()``."""

    def check_status(self):
        """Raise when the remote side is down."""

    def is_accessible_by(self, request, perm='can_access'):
        """Whether ``request`` comes from an API user granted ``perm`` here (``perm=None``: open)."""
        if perm is None:
            return True
        rights = AccessRight.objects.filter(
            codename=perm, resource_type=ContentType.objects.get_for_model(self), resource_pk=self.pk
        ).select_related('apiuser')
        return any(apiuser_matches(right.apiuser, request) for right in rights)


def get_connector_classes():
    """The concrete ``BaseResource`` subclasses of the installed apps, in app order."""
    return [model for model in apps.get_models() if issubclass(model, BaseResource)]


def apiuser_matches(apiuser, request):
    """Whether ``request`` is from ``apiuser``: its address when it has one, then its key type."""
    if apiuser.ipsource and apiuser.ipsource != request.META.get('REMOTE_ADDR'):
        return False
    if apiuser.keytype == '':
        return True
    if not apiuser.key:
        return False
    if apiuser.keytype == 'SIGN':
        query = request.META.get('QUERY_STRING', '')
        return request.GET.get('orig') == apiuser.username and check_query(query, apiuser.key)
    if apiuser.keytype != 'API':
        return False
    if constant_time_compare(request.GET.get('apikey', ''), apiuser.key):
        return True
    username, password = basic_credentials(request)
    return constant_time_compare(username, apiuser.username) and constant_time_compare(password, apiuser.key)


def basic_credentials(request):
    """``(username, password)`` of an HTTP Basic header, ``('', '')`` without a readable one."""
    scheme, _sep, value = request.META.get('HTTP_AUTHORIZATION', '').partition(' ')
    try:
        username, sep, password = base64.b64decode(value, validate=True).decode().partition(':')
    except (binascii.Error, UnicodeDecodeError):
        return '', ''
    return (username, password) if scheme.lower() == 'basic' and sep else ('', '')
