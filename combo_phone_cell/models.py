"""The phone call cell and the extension an agent sets for themselves."""

from combo.apps.search.models import SearchCell
from combo.data.library import register_cell_class
from combo.data.models import CellBase
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .extensions import EXTENSION_MAX_LENGTH, resolve_extension, stored_extension

MAX_POLL_INTERVAL = 60
MAX_RECENT_CALLS = 20

SEARCH_VALUE_FORMAT_CHOICES = [
    ('national', _('National digits (0143250135)')),
    ('e164', _('International E.164 (+33143250135)')),
    ('raw', _('As received from the phone system')),
]


@register_cell_class
class PhoneCallCell(CellBase):
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
        default=2,
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
    recent_calls = models.PositiveSmallIntegerField(
        _('Recent calls'),
        default=5,
        validators=[MaxValueValidator(MAX_RECENT_CALLS)],
        help_text=_('Number of recent calls listed in the cell (0 to 20, 0 hides the list).'),
    )

    default_template_name = 'combo_phone_cell/phone_call_cell.html'

    class Meta:
        verbose_name = _('Phone call')

    def get_default_form_class(self):
        from .forms import PhoneCallCellForm

        return PhoneCallCellForm

    def page_search_cells(self):
        """The search cells of this cell's page, in page order."""
        return list(SearchCell.objects.filter(page_id=self.page_id).order_by('order', 'pk'))

    def target_search_cell(self):
        """The configured search cell of the page, else its first one, else None."""
        search_cells = self.page_search_cells()
        for search_cell in search_cells:
            if search_cell.pk == self.search_cell:
                return search_cell
        return search_cells[0] if search_cells else None

    def get_poll_url(self):
        return reverse('phone-call-cell-poll', kwargs={'cell_pk': self.pk})

    def get_extension_form_url(self):
        return reverse('phone-call-cell-extension', kwargs={'cell_pk': self.pk})

    def get_cell_extra_context(self, context):
        from .forms import ExtensionForm

        extra = super().get_cell_extra_context(context)
        request = context.get('request')
        user = getattr(request, 'user', None)
        target = self.target_search_cell()
        extra.update(
            {
                'poll_url': self.get_poll_url(),
                'poll_interval': int(self.poll_interval),
                'target_input_selector': f'#combo-search-input-{target.pk}' if target else '',
                'recent_limit': int(self.recent_calls),
                'extension': resolve_extension(self, request) if request is not None else None,
                'self_service': bool(self.self_service),
                'extension_form_url': self.get_extension_form_url(),
                'extension_form': ExtensionForm(
                    cell=self, initial={'extension': stored_extension(user) or ''}
                ),
                'pause_storage_key': f'phone-call-cell-{self.pk}-paused',
            }
        )
        return extra


class AgentExtension(models.Model):
    """The extension an agent typed in a phone call cell (self-service), one per user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name='phone_call_extension',
        verbose_name=_('User'),
    )
    extension = models.CharField(_('Extension'), max_length=EXTENSION_MAX_LENGTH)
    updated = models.DateTimeField(_('Last update'), auto_now=True)

    class Meta:
        verbose_name = _('Agent extension')
        verbose_name_plural = _('Agent extensions')

    def __str__(self):
        return f'{self.user}: {self.extension}'
