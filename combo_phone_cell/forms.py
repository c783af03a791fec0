"""The cell's settings form, as an administrator edits it in Combo's manager.

The form names no model: ``PhoneCallCell.get_default_form_class`` binds it to
the cell's model, so that this module sits below ``models`` and the two never
import each other.
"""

import functools
import urllib.parse

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from . import check, host, wcs
from .connector import credential
from .extensions import clean_extension, read_allowed_extensions

# The input of the connection test in the settings form, posted with the
# form when it is saved: the save-time check tests that extension too.
CHECK_EXTENSION_FIELD = 'phone_call_check_extension'


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


def read_connector_url(value, max_length):
    """``value`` as the connector's base URL (with a trailing slash); raises ValidationError otherwise."""
    url = (value or '').strip()
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
    if len(url) > max_length:
        raise forms.ValidationError(
            _('Enter a URL of at most %(max)d characters.'), code='max_length', params={'max': max_length}
        )
    return url


def server_of(url):
    """``(scheme, host, port)`` of ``url``, the default port filled in; None when it cannot be read."""
    try:
        parts = urllib.parse.urlsplit((url or '').strip())
        scheme, hostname = parts.scheme.lower(), (parts.hostname or '').lower()
        port = parts.port or {'http': 80, 'https': 443}.get(scheme)
    except ValueError:
        return None
    return (scheme, hostname, port) if scheme and hostname else None


def posted_api_key(posted, clear, saved):
    """The API key a settings post means: ``posted`` when given, else none if ``clear``, else ``saved``.

    The key is never shown, even to an administrator, so an empty key field
    means "unchanged". The settings form and its connection test both read
    a post this way; ``saved_key_withheld`` says when "unchanged" may not
    carry the saved key to the posted URL.
    """
    posted = (posted or '').strip()
    if posted:
        return posted
    return '' if clear else saved


def saved_key_withheld(posted, clear, saved_key, saved_url, url):
    """Whether an empty key field would carry the saved key to ``url``, on another server than ``saved_url``.

    A key is a secret shared with one server: it goes only where it was
    saved for (same scheme, host and port). Another server needs the key
    typed again, so that nobody who can post this form learns the saved key
    by pointing the URL at their own server.
    """
    if (posted or '').strip() or clear or not saved_key:
        return False
    return server_of(url) != server_of(saved_url)


def passerelle_suggestions():
    """Base URLs of the Passerelle services this Combo knows, as (url, title) pairs."""
    return [
        (service.url, service.title or slug)
        for slug, service in sorted(host.known_services('passerelle').items())
    ]


class PhoneCallCellForm(forms.ModelForm):
    """Settings of a phone call cell (bound to the cell's model by ``settings_form_class``)."""

    clear_api_key = forms.BooleanField(
        label=_('Remove the API key'),
        required=False,
        help_text=_('Check to forget the stored API key.'),
    )
    chosen_forms = forms.MultipleChoiceField(
        label=_('Chosen forms'),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        fields = [
            'connector_url',
            'api_key',
            'poll_interval',
            'search_value_format',
            'search_cell',
            'extension_attribute',
            'self_service',
            'self_service_extensions',
            'self_service_groups',
            'recent_calls',
            'forms_offer',
            'chosen_forms',
            'forms_offer_minutes',
        ]
        widgets = {
            # The key is never sent back to the browser, even to an administrator.
            'api_key': forms.PasswordInput(render_value=False, attrs={'autocomplete': 'new-password'}),
            'self_service_groups': forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Before validation writes the posted values into the instance.
        self.saved_url, self.saved_key = self.instance.connector_url, self.instance.api_key
        suggestions = passerelle_suggestions()
        connector_field = self.fields['connector_url']
        # Keeps the attributes Django derived from the field (maxlength).
        connector_field.widget = SuggestionsURLInput(
            suggestions=suggestions, attrs=connector_field.widget.attrs
        )
        if suggestions:
            connector_field.help_text = format_html(
                '{} {}',
                connector_field.help_text,
                _('Suggestions: known Passerelle services (%s), to complete with phonecalls/<identifier>/.')
                % ', '.join(url for url, _title in suggestions),
            )
        self.mirror_limits()

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
        self.fields['search_cell'] = self.search_cell_field()
        self.set_form_choices()

    def mirror_limits(self):
        """Give the browser the model's bounds of the number fields (the model's validators do not)."""
        for name, field in self.fields.items():
            if not isinstance(field, forms.IntegerField):
                continue
            for validator in self._meta.model._meta.get_field(name).validators:
                if isinstance(validator, MinValueValidator):
                    field.widget.attrs['min'] = validator.limit_value
                elif isinstance(validator, MaxValueValidator):
                    field.widget.attrs['max'] = validator.limit_value

    def search_cell_field(self):
        choices = [('', _('First search cell of the page'))]
        for position, search_cell in enumerate(host.page_search_cells(self.instance.page_id), start=1):
            label = _('Search cell %(position)d') % {'position': position}
            name = host.search_cell_name(search_cell)
            if name:
                label = f'{label} ({name})'
            choices.append((search_cell.pk, label))
        help_text = _(
            'Search cell of this page that receives the caller number; by default the first one in the page order.'
        )
        if len(choices) == 1:
            help_text = _('The caller number is typed into the first search cell of the page.')
        return forms.TypedChoiceField(
            label=self.fields['search_cell'].label,
            help_text=help_text,
            choices=choices,
            coerce=int,
            empty_value=None,
            required=False,
        )

    def set_form_choices(self):
        field = self.fields['chosen_forms']
        chosen = list(self.instance.chosen_forms or [])
        if not wcs.services():
            field.choices = [(url, url) for url in chosen]
            field.help_text = _('No w.c.s. is known to this Combo: there is no form to choose.')
            return
        choices, failed = wcs.form_choices(self.instance.pk)
        listed = {url for url, _label in choices}
        field.choices = choices + [(url, url) for url in chosen if url not in listed]
        field.help_text = _(
            'Used when "Forms offered during a call" is "Chosen forms": the agent is offered those of them '
            'they may submit in back office.'
        )
        if failed:
            field.help_text = format_html(
                '{} {}',
                field.help_text,
                _('Could not list the forms of: %s (see the log).') % ', '.join(failed),
            )

    def clean_connector_url(self):
        max_length = self._meta.model._meta.get_field('connector_url').max_length
        return read_connector_url(self.cleaned_data['connector_url'], max_length)

    def clean_self_service_extensions(self):
        return read_allowed_extensions(self.cleaned_data['self_service_extensions'])

    def clean(self):
        cleaned_data = super().clean()
        posted, clear = cleaned_data.get('api_key'), cleaned_data.get('clear_api_key')
        url = cleaned_data.get('connector_url')
        if url and saved_key_withheld(posted, clear, self.saved_key, self.saved_url, url):
            if credential(url, '')[0] == 'signature':
                # Signed: the key would not be used there; it is not kept for another server either.
                cleaned_data['api_key'] = ''
            else:
                self.add_error(
                    'api_key',
                    _(
                        'The connector URL is on another server than the saved one: type the API key again '
                        '(the saved key is only sent to the server it was saved for), or check "Remove the '
                        'API key".'
                    ),
                )
            return cleaned_data
        cleaned_data['api_key'] = posted_api_key(posted, clear, self.saved_key)
        return cleaned_data

    def save(self, commit=True):
        """Save the settings with what the connection check finds for them (``cell.last_check``).

        The check runs here, within the cell's short timeout, so that the
        manager shows its result with the save: an administrator never
        leaves a setting that does not work believing it saved and working.
        It tests the extension of the form's connection test, posted with
        the form (the administrator's own by default).
        """
        extension = clean_extension(self.data.get(CHECK_EXTENSION_FIELD))
        report = check.check_connection(self.instance, extension)
        self.instance.last_check = {**report.as_saved_check(), 'extension': extension}
        return super().save(commit)

    @property
    def unsigned_warning(self):
        """True when the cell's requests would carry neither signature nor key (saved anyway)."""
        if self.is_bound:
            if not self.is_valid():
                return False
            url, key = self.cleaned_data['connector_url'], self.cleaned_data['api_key']
        else:
            url, key = self.instance.connector_url, self.instance.api_key
        return bool(url) and credential(url, key) == (None, None)


@functools.cache
def settings_form_class(model):
    """The settings form bound to the cell ``model``."""
    return forms.modelform_factory(model, form=PhoneCallCellForm)
