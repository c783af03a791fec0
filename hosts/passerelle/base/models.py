"""Stand-in for ``passerelle.base.models``: API users, access rights and ``BaseResource``.

The real module also has logging, availability and job machinery; only what
connectors and their access checks rely on is mirrored here.
"""

import base64
import binascii
import logging

from django.apps import apps
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _

from .signature import check_query

KEYTYPE_CHOICES = (
    ('', _('None (open access)')),
    ('API', _('API Key')),
    ('SIGN', _('HMAC Signature')),
)


class ApiUser(models.Model):
    """A client of the connectors: open (no key), API key or Publik signature."""

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
    resource = GenericForeignKey('resource_type', 'resource_pk')
    apiuser = models.ForeignKey(ApiUser, on_delete=models.CASCADE, verbose_name=_('API user'))

    class Meta:
        verbose_name = _('access right')
        unique_together = (('codename', 'resource_type', 'resource_pk', 'apiuser'),)

    def __str__(self):
        return f'{self.codename} on {self.resource_type_id}:{self.resource_pk} for {self.apiuser}'


class BaseResource(models.Model):
    """Base of every connector: one row per configured instance.

    A concrete subclass in an installed app is a connector, mounted at
    ``/<get_connector_slug()>/<slug>/``; its ``@endpoint`` methods are its web
    API. Passerelle's cron calls ``hourly()`` and ``daily()`` on every
    instance; overrides must call ``super()``.
    """

    title = models.CharField(_('Title'), max_length=50)
    slug = models.SlugField(_('Identifier'), unique=True)
    description = models.TextField(_('Description'), blank=True)

    category = ''
    api_description = ''

    class Meta:
        abstract = True

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        # The real page at this address is the connector's HTML documentation,
        # which the stand-in does not serve.
        return f'/{self.get_connector_slug()}/{self.slug}/'

    @classmethod
    def get_connector_slug(cls):
        """First URL segment of the connector: the app label with ``_`` turned into ``-``."""
        return cls._meta.app_label.replace('_', '-')

    @property
    def logger(self):
        """Logger named ``passerelle.resource.<connector-slug>.<instance-slug>``."""
        return logging.getLogger(f'passerelle.resource.{self.get_connector_slug()}.{self.slug}')

    def hourly(self):
        """Run by ``manage.py cron hourly``; nothing to do at this level."""

    def daily(self):
        """Run by ``manage.py cron daily``; nothing to do at this level."""

    def check_status(self):
        """Raise when the remote side is down; nothing to check at this level."""

    def is_accessible_by(self, request, perm='can_access'):
        """Tell whether ``request`` may call this instance's endpoints guarded by ``perm``."""
        return is_authorized(self, request, perm)


def get_connector_classes():
    """Every connector: concrete ``BaseResource`` subclasses of installed apps, in app order."""
    return [model for model in apps.get_models() if issubclass(model, BaseResource)]


def is_authorized(resource, request, perm):
    """Tell whether ``request`` comes from an API user granted ``perm`` on ``resource``.

    ``perm=None`` means open. An API user matches when its ``ipsource`` (if
    set) is the client address and: its keytype is empty (anyone); or it is
    ``API`` and the ``apikey`` query parameter, or the password of HTTP Basic
    ``username:key``, is its key; or it is ``SIGN``, the query's ``orig`` is its
    username and the query is signed with its key.
    """
    if perm is None:
        return True
    rights = AccessRight.objects.filter(
        codename=perm,
        resource_type=ContentType.objects.get_for_model(resource),
        resource_pk=resource.pk,
    ).select_related('apiuser')
    basic = _basic_credentials(request)
    return any(_apiuser_matches(right.apiuser, request, basic) for right in rights)


def _apiuser_matches(apiuser, request, basic):
    if apiuser.ipsource and apiuser.ipsource != request.META.get('REMOTE_ADDR'):
        return False
    if apiuser.keytype == '':
        return True
    if not apiuser.key:
        return False
    if apiuser.keytype == 'API':
        apikey = request.GET.get('apikey')
        if apikey is not None and constant_time_compare(apikey, apiuser.key):
            return True
        return bool(
            basic
            and constant_time_compare(basic[0], apiuser.username)
            and constant_time_compare(basic[1], apiuser.key)
        )
    if apiuser.keytype == 'SIGN':
        return (
            request.GET.get('orig') == apiuser.username
            and 'signature' in request.GET
            and check_query(request.META.get('QUERY_STRING', ''), apiuser.key)
        )
    return False


def _basic_credentials(request):
    scheme, _sep, value = request.META.get('HTTP_AUTHORIZATION', '').partition(' ')
    if scheme.lower() != 'basic':
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode('utf-8')
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(':')
    return (username, password) if sep else None
