"""The phone call cell and the extension an agent sets for themselves."""

import datetime
import logging

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import host, store
from .extensions import EXTENSION_MAX_LENGTH, ExtensionForm, clean_extension, extension_allowed
from .forms import settings_form_class

logger = logging.getLogger(__name__)

MAX_POLL_INTERVAL = 60
MAX_RECENT_CALLS = 20
MAX_FORMS_OFFER_MINUTES = 60

SEARCH_VALUE_FORMAT_CHOICES = [
    ('national', _('National digits (0143250135)')),
    ('e164', _('International E.164 (+33143250135)')),
    ('raw', _('As received from the phone system')),
]
FORMS_OFFER_CHOICES = [
    ('none', _('None')),
    ('all', _('The forms the agent may submit in back office')),
    ('chosen', _('Chosen forms')),
]


@host.register_cell_class
class PhoneCallCell(host.CellBase):
    """Types the caller of the logged-in agent's current call into the page's user search cell.

    The cell's script polls the cell's poll view, which resolves the agent's
    extension server-side and asks the phonecalls connector of Passerelle.
    """

    connector_url = models.CharField(
        _('Connector URL'),
        max_length=500,
        help_text=_(
            'Base URL of the phonecalls connector in Passerelle, '
            'for example https://passerelle.example.net/phonecalls/ipbx/.'
        ),
    )
    api_key = models.CharField(
        _('API key'),
        max_length=256,
        blank=True,
        help_text=_(
            'Only used when the connector URL is not on a known Passerelle service '
            '(known services are reached with a signed request).'
        ),
    )
    poll_interval = models.PositiveSmallIntegerField(
        _('Poll interval'),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_POLL_INTERVAL)],
        help_text=_('Seconds between two checks for a new call (1 to 60).'),
    )
    search_value_format = models.CharField(
        _('Number typed into the search'),
        max_length=16,
        choices=SEARCH_VALUE_FORMAT_CHOICES,
        default='national',
        help_text=_('Choose the format used by the phone numbers of the user profiles.'),
    )
    search_cell = models.IntegerField(
        _('Search cell'),
        null=True,
        blank=True,
        help_text=_('Search cell of this page that receives the caller number.'),
    )
    extension_attribute = models.CharField(
        _('Extension user attribute'),
        max_length=128,
        blank=True,
        help_text=_(
            "Name of the user profile attribute holding the agent's extension, "
            'for example phone_extension. Leave empty to not use profiles.'
        ),
    )
    self_service = models.BooleanField(
        _('Agents can set their extension'),
        default=True,
        help_text=_('Lets agents type their extension in the cell when their profile does not give one.'),
    )
    self_service_extensions = models.CharField(
        _('Extensions agents may set'),
        max_length=500,
        blank=True,
        help_text=_(
            'Extensions and ranges, separated by commas, for example 42, 43, 100-199. Leave empty to allow any '
            'extension. Keep out the extensions that profiles give, which self-service cannot hold.'
        ),
    )
    self_service_groups = models.ManyToManyField(
        'auth.Group',
        verbose_name=_('Roles that may set their extension'),
        blank=True,
        related_name='+',
        help_text=_('Leave empty to let every agent who sees the cell set their extension.'),
    )
    recent_calls = models.PositiveSmallIntegerField(
        _('Recent calls'),
        default=5,
        validators=[MaxValueValidator(MAX_RECENT_CALLS)],
        help_text=_('Number of recent calls listed in the cell (0 to 20, 0 hides the list).'),
    )

    forms_offer = models.CharField(
        _('Forms offered during a call'),
        max_length=16,
        choices=FORMS_OFFER_CHOICES,
        default='none',
        help_text=_(
            'Links to start a back-office request on the phone channel, with the caller number, '
            'shown during a call and for a while after it. The forms come from the w.c.s. known '
            'to this Combo; an agent is only offered the forms they may submit in back office.'
        ),
    )
    chosen_forms = models.JSONField(_('Chosen forms'), default=list, blank=True)
    forms_offer_minutes = models.PositiveSmallIntegerField(
        _('Offer after hang-up'),
        default=5,
        validators=[MaxValueValidator(MAX_FORMS_OFFER_MINUTES)],
        help_text=_(
            'Minutes the forms stay offered after the call ends, as agents often record the request '
            'after hanging up (0 to 60; 0 hides them at hang-up).'
        ),
    )

    # What the connection check found when the settings were last saved
    # through the settings form: {"at", "state", "steps", "extension"} (check.py).
    last_check = models.JSONField(_('Check at the last save'), default=dict, blank=True, editable=False)

    default_template_name = 'combo_phone_cell/phone_call_cell.html'
    manager_form_template = 'combo_phone_cell/manager_form.html'

    class Meta:
        verbose_name = _('Phone call')

    def __str__(self):
        # The verbose name only: the slug is an identifier (no accents), not a name.
        return str(self._meta.verbose_name)

    @property
    def saved_check(self):
        """``last_check`` with its time read as a datetime, for the settings form; None before any save."""
        if not self.last_check.get('steps'):
            return None
        try:
            at = datetime.datetime.fromisoformat(self.last_check.get('at', ''))
        except (TypeError, ValueError):
            at = None
        return {**self.last_check, 'at': at}

    def get_default_form_class(self):
        return settings_form_class(type(self))

    def agent_extension(self, request):
        """The extension the logged-in agent of ``request`` answers on, for this cell; None when unknown.

        The profile attribute named by the cell wins when it holds a valid
        value; otherwise, when the cell allows self-service, the extension
        the agent stored. Never a request parameter: an agent only ever
        reads the calls of their own extension.
        """
        user = getattr(request, 'user', None)
        if not getattr(user, 'is_authenticated', False):
            return None
        if self.extension_attribute:
            extension = clean_extension(host.user_attribute(request, self.extension_attribute))
            if extension is not None:
                return extension
        if self.self_service:
            extension = clean_extension(AgentExtension.of(user))
            if extension is not None and extension_allowed(extension, self.self_service_extensions):
                return extension
        return None

    def self_service_refusal(self, user, extension):
        """Why ``user`` may not set ``extension`` in this cell (a translated sentence), or None when they may.

        The cell must allow self-service, list the extension (when it lists
        any) and, when it names roles for self-service, the user must have
        one of them.
        """
        if not self.self_service:
            return _('This cell does not let agents set their extension.')
        if not extension_allowed(extension, self.self_service_extensions):
            return _(
                'Extension %(extension)s cannot be set here: the allowed extensions are %(allowed)s.'
            ) % {
                'extension': extension,
                'allowed': self.self_service_extensions,
            }
        roles = self.self_service_groups.all()
        if roles.exists() and not user.groups.filter(pk__in=roles).exists():
            return _('Your roles do not let you set your extension in this cell: ask an administrator.')
        return None

    def search_cell_index(self, request):
        """Position, among the page's search cells the user sees (in page order), of the target; 0 by default.

        The widget types into the ``div.searchcell`` at that position in the
        page; 0, the first one, also when the configured cell is gone or
        when Combo has no search app.
        """
        if self.search_cell is None:
            return 0
        visible = [
            cell for cell in host.page_search_cells(self.page_id) if host.cell_is_visible(cell, request)
        ]
        for index, search_cell in enumerate(visible):
            if search_cell.pk == self.search_cell:
                return index
        return 0

    def get_poll_url(self):
        return reverse('phone-call-cell-poll', kwargs={'cell_pk': self.pk})

    def get_extension_form_url(self):
        return reverse('phone-call-cell-extension', kwargs={'cell_pk': self.pk})

    def get_cell_extra_context(self, context):
        """The widget's configuration (the template's context): see the README, "Publik configuration"."""
        extra = super().get_cell_extra_context(context)
        request = context.get('request')
        user = getattr(request, 'user', None)
        offers_forms = self.forms_offer != 'none'
        extra.update(
            {
                'poll_url': self.get_poll_url(),
                'poll_interval': int(self.poll_interval),
                'recent_limit': int(self.recent_calls),
                'extension': self.agent_extension(request),
                'self_service': bool(self.self_service),
                'extension_form_url': self.get_extension_form_url(),
                'extension_form': ExtensionForm(
                    cell=self, initial={'extension': AgentExtension.of(user) or ''}
                ),
                'extension_notice': AgentExtension.release_notice(user),
                'pause_storage_key': f'phone-call-cell-{self.pk}-paused',
                'search_cell_index': self.search_cell_index(request),
                'settings_url': host.cell_settings_url(self) if host.user_manages_cells(user) else None,
                'forms_url': reverse('phone-call-cell-forms', kwargs={'cell_pk': self.pk})
                if offers_forms
                else None,
                'forms_offer_seconds': int(self.forms_offer_minutes) * 60 if offers_forms else 0,
            }
        )
        return extra


class ExtensionHeld(Exception):
    """The extension an agent asked for is held by another agent."""


class AgentExtension(models.Model):
    """The extension an agent typed in a phone call cell (self-service), one per user.

    An extension is held by one agent at a time, which the database
    enforces: an agent cannot read another's calls by typing their
    extension. An administrator releases a holding (``release``); the agent
    is then told in their cell (``released``, ``released_at``) until they
    set an extension again.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name='phone_call_extension',
        verbose_name=_('User'),
    )
    # '' once an administrator released it.
    extension = models.CharField(_('Extension'), max_length=EXTENSION_MAX_LENGTH, blank=True)
    updated = models.DateTimeField(_('Last update'), auto_now=True)
    released = models.CharField(
        _('Extension released by an administrator'), max_length=EXTENSION_MAX_LENGTH, blank=True, default=''
    )
    released_at = models.DateTimeField(_('Released on'), null=True, blank=True)

    class Meta:
        verbose_name = _('Agent extension')
        verbose_name_plural = _('Agent extensions')
        constraints = [
            models.UniqueConstraint(
                fields=['extension'],
                condition=~Q(extension=''),
                name='combo_phone_cell_one_holder_per_extension',
            ),
        ]

    def __str__(self):
        return f'{self.user}: {self.extension}'

    @classmethod
    def of(cls, user):
        """The extension ``user`` set themselves (self-service), or None."""
        if not getattr(user, 'is_authenticated', False):
            return None
        return cls.objects.filter(user=user).values_list('extension', flat=True).first() or None

    @classmethod
    def store(cls, user, extension):
        """Record ``extension`` as the agent's own and return it cleaned; an empty or invalid one forgets it.

        Raises ``ExtensionHeld`` when another agent holds it: only an
        administrator can release it.
        """
        extension = clean_extension(extension)
        if extension is None:
            if cls.objects.filter(user=user).delete()[0]:
                logger.info('phone call extension: user %s forgot their extension', user.get_username())
            return None
        held_by_another = cls.objects.filter(extension=extension).exclude(user=user).exists()
        if not held_by_another:
            try:
                # A savepoint: the constraint decides between two agents
                # taking the same extension at once, and the request goes on.
                with transaction.atomic():
                    cls.objects.update_or_create(
                        user=user, defaults={'extension': extension, 'released': '', 'released_at': None}
                    )
            except IntegrityError:
                held_by_another = True
        if held_by_another:
            logger.info(
                'phone call extension: user %s refused extension %s, held by another agent',
                user.get_username(),
                extension,
            )
            raise ExtensionHeld(extension)
        logger.info('phone call extension: user %s holds extension %s', user.get_username(), extension)
        return extension

    def release(self, extension, administrator):
        """Release this holding if it still holds ``extension``; return whether it did.

        ``extension`` is the one the administrator saw: a holding changed
        meanwhile is left alone. The agent keeps a notice of it
        (``release_notice``) until they set an extension again.
        """
        released = (
            type(self)
            .objects.filter(pk=self.pk, extension=extension)
            .exclude(extension='')
            .update(extension='', released=extension, released_at=timezone.now())
        )
        if released:
            # An update sends no signal: renew the decisions the polls keep
            # (agents.py), so that the agent stops reading this extension now.
            store.renew_site_stamp()
            logger.info(
                'phone call extension: administrator %s released extension %s of user %s',
                administrator.get_username(),
                extension,
                self.user.get_username(),
            )
        return bool(released)

    @classmethod
    def release_notice(cls, user):
        """``{"extension", "at"}`` when an administrator released ``user``'s extension since they last set one."""
        if not getattr(user, 'is_authenticated', False):
            return None
        holding = cls.objects.filter(user=user, extension='').exclude(released='').first()
        if holding is None:
            return None
        return {'extension': holding.released, 'at': holding.released_at}
