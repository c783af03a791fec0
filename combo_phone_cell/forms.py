"""Forms of the phone call cell: its settings in Combo's manager, and the agent's extension."""

import urllib.parse

from django import forms
from django.conf import settings
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from .extensions import EXTENSION_MAX_LENGTH, validate_extension
from .models import MAX_POLL_INTERVAL, MAX_RECENT_CALLS, PhoneCallCell


def known_passerelle_urls():
    """Base URLs of the Passerelle services this Combo knows, as (url, title) pairs."""
    services = (getattr(settings, 'KNOWN_SERVICES', None) or {}).get('passerelle') or {}
    urls = []
    for slug, service in sorted(services.items()):
        if isinstance(service, dict) and service.get('url'):
            urls.append((service['url'], service.get('title') or slug))
    return urls


class SuggestionsURLInput(forms.URLInput):
    """URL input with a ``<datalist>`` of suggestions: the browser offers them, any URL is allowed."""

    def __init__(self, suggestions=(), attrs=None):
        super().__init__(attrs)
        self.suggestions = list(suggestions)

    def render(self, name, value, attrs=None, renderer=None):
        if not self.suggestions:
            return super().render(name, value, attrs, renderer)
        attrs = dict(attrs or {})
        datalist_id = '{}-suggestions'.format(attrs.get('id') or f'id_{name}')
        attrs['list'] = datalist_id
        html = super().render(name, value, attrs, renderer)
        options = format_html_join('', '<option value="{}">{}</option>', self.suggestions)
        return format_html('{}<datalist id="{}">{}</datalist>', html, datalist_id, options)


class PhoneCallCellForm(forms.ModelForm):
    """Settings of a phone call cell, as edited in Combo's manager."""

    clear_api_key = forms.BooleanField(
        label=_('Remove the API key'),
        required=False,
        help_text=_('Check to forget the stored API key.'),
    )

    class Meta:
        model = PhoneCallCell
        fields = [
            'connector_url',
            'api_key',
            'poll_interval',
            'search_value_format',
            'search_cell',
            'extension_attribute',
            'self_service',
            'recent_calls',
        ]
        widgets = {
            # The key is never sent back to the browser, even to an administrator.
            'api_key': forms.PasswordInput(render_value=False, attrs={'autocomplete': 'new-password'}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        suggestions = known_passerelle_urls()
        connector_help = _(
            'Base URL of the phonecalls connector in Passerelle, '
            'for example https://passerelle.example.net/phonecalls/ipbx/.'
        )
        if suggestions:
            connector_help = format_html(
                '{} {}',
                connector_help,
                _('Suggestions: known Passerelle services (%s), to complete with phonecalls/<identifier>/.')
                % ', '.join(url for url, title in suggestions),
            )
        connector_field = self.fields['connector_url']
        # Keeps the attributes Django derived from the field (maxlength).
        connector_field.widget = SuggestionsURLInput(
            suggestions=suggestions, attrs=connector_field.widget.attrs
        )
        connector_field.help_text = connector_help

        # The model's validators do not reach the HTML attributes the browser checks.
        self.fields['poll_interval'].widget.attrs.update({'min': 1, 'max': MAX_POLL_INTERVAL})
        self.fields['recent_calls'].widget.attrs.update({'min': 0, 'max': MAX_RECENT_CALLS})

        self.fields['api_key'].help_text = _(
            'Only used when the connector URL is not on a known Passerelle service '
            '(known services are reached with a signed request). '
            'The key is never displayed: leave empty to keep the current one.'
        )
        if not self.instance.api_key:
            del self.fields['clear_api_key']
        else:
            # Keep the checkbox next to the key field.
            self.order_fields(['connector_url', 'api_key', 'clear_api_key'])

        choices = [('', _('First search cell of the page'))]
        for position, search_cell in enumerate(self.instance.page_search_cells(), start=1):
            label = _('Search cell %(position)d') % {'position': position}
            name = getattr(search_cell, 'title', '') or search_cell.slug
            if name:
                label = f'{label} ({name})'
            choices.append((search_cell.pk, label))
        self.fields['search_cell'] = forms.TypedChoiceField(
            label=self.fields['search_cell'].label,
            help_text=_(
                'Search cell of this page that receives the caller number; '
                'by default the first one in the page order.'
            ),
            choices=choices,
            coerce=int,
            empty_value=None,
            required=False,
        )

    def clean_connector_url(self):
        url = self.cleaned_data['connector_url'].strip()
        try:
            parts = urllib.parse.urlsplit(url)
            # .port raises ValueError too, for a port that is not a number in range.
            is_http = parts.scheme in ('http', 'https') and bool(parts.hostname) and (parts.port or 0) >= 0
        except ValueError:
            is_http = False
        if not is_http:
            raise forms.ValidationError(_('Enter an http:// or https:// URL.'), code='invalid')
        if parts.query or parts.fragment:
            raise forms.ValidationError(
                _('Enter the base URL of the connector, without parameters.'), code='invalid'
            )
        if not url.endswith('/'):
            url += '/'
        max_length = PhoneCallCell._meta.get_field('connector_url').max_length
        if len(url) > max_length:
            raise forms.ValidationError(
                _('Enter a URL of at most %(max)d characters.'), code='max_length', params={'max': max_length}
            )
        return url

    def clean(self):
        cleaned_data = super().clean()
        if not cleaned_data.get('api_key', '').strip():
            # An empty key field means "unchanged", since the current key is never shown.
            cleaned_data['api_key'] = '' if cleaned_data.get('clear_api_key') else self.instance.api_key
        return cleaned_data


class ExtensionForm(forms.Form):
    """The extension an agent types for themselves in the cell; empty forgets it."""

    extension = forms.CharField(
        label=_('Your extension'),
        max_length=EXTENSION_MAX_LENGTH,
        required=False,
        validators=[validate_extension],
        help_text=_('The number of your phone, as dialled internally (for example 42).'),
    )

    def __init__(self, *args, cell=None, **kwargs):
        if cell is not None:
            # Unique ids when a page holds several phone call cells.
            kwargs.setdefault('auto_id', f'id_phone-call-cell-{cell.pk}-%s')
        super().__init__(*args, **kwargs)
