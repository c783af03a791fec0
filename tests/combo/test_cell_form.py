"""The cell's settings form, as an administrator edits it in Combo's manager."""

import pytest
from django.contrib.auth.models import Group
from django.utils import translation

from combo_phone_cell.models import PhoneCallCell

pytestmark = pytest.mark.django_db


def edit_url(cell):
    return f'/manage/pages/{cell.page.pk}/cell/{cell.get_reference()}/'


@pytest.fixture
def admin_app(app, admin_user):
    app.set_user(admin_user)
    app.extra_environ['HTTP_ACCEPT_LANGUAGE'] = 'en'
    return app


@pytest.fixture
def open_form(admin_app):
    """The manager page of ``cell`` and its form."""

    def do_open(cell):
        response = admin_app.get(edit_url(cell))
        return response, response.forms[f'combo-cell-form-{cell.get_reference()}']

    return do_open


def test_administrator_configures_the_cell(
    open_form, cell_factory, search_cell_factory, connector, closed_port_url
):
    search_cell_factory(order=0)
    target = search_cell_factory(order=5, title='Recherche dans les demandes')
    cell = cell_factory(connector_url=closed_port_url)
    _response, form = open_form(cell)
    form['connector_url'] = connector.base_url.rstrip('/')
    form['api_key'] = 'abcdef'
    form['poll_interval'] = '3'
    form['search_value_format'] = 'e164'
    form['search_cell'] = str(target.pk)
    form['extension_attribute'] = 'phone_extension'
    form['self_service'] = False
    form['recent_calls'] = '0'

    response = form.submit()

    assert response.status_code == 302
    cell.refresh_from_db()
    assert cell.connector_url == connector.base_url
    assert cell.api_key == 'abcdef'
    assert (cell.poll_interval, cell.search_value_format, cell.search_cell) == (3, 'e164', target.pk)
    assert (cell.extension_attribute, cell.self_service, cell.recent_calls) == ('phone_extension', False, 0)


def test_new_cell_defaults_follow_the_reference_text(page):
    cell = PhoneCallCell(page=page, order=1)

    assert cell.poll_interval == 1
    assert cell.search_value_format == 'national'
    assert cell.search_cell is None
    assert cell.self_service is True
    assert cell.recent_calls == 5


@pytest.mark.parametrize('interval', ['0', '61', '-1', 'deux'])
def test_poll_interval_must_be_between_one_and_sixty_seconds(open_form, cell, interval):
    _response, form = open_form(cell)
    form['poll_interval'] = interval

    response = form.submit()

    assert response.status_code == 200
    assert 'errorlist' in response.text
    cell.refresh_from_db()
    assert cell.poll_interval == 1


def test_recent_calls_are_limited_to_twenty(open_form, cell):
    _response, form = open_form(cell)
    form['recent_calls'] = '21'

    response = form.submit()

    assert response.status_code == 200
    cell.refresh_from_db()
    assert cell.recent_calls == 5


def test_search_value_format_offers_national_e164_and_raw(open_form, cell):
    _response, form = open_form(cell)

    assert [value for value, _selected, _label in form['search_value_format'].options] == [
        'national',
        'e164',
        'raw',
    ]
    assert form['search_value_format'].value == 'national'


def test_search_cell_choices_are_the_search_cells_of_the_page_in_order(
    open_form, cell, page_factory, search_cell_factory
):
    second = search_cell_factory(order=7, title='')
    first = search_cell_factory(order=0, title='Recherche usager')
    search_cell_factory(page=page_factory(slug='autre'), order=0)

    _response, form = open_form(cell)

    assert [(value, label) for value, _selected, label in form['search_cell'].options] == [
        ('', 'First search cell of the page'),
        (str(first.pk), 'Search cell 1 (Recherche usager)'),
        (str(second.pk), 'Search cell 2'),
    ]


def test_search_cell_of_another_page_is_refused(admin_app, cell, page_factory, search_cell_factory):
    search_cell_factory()
    foreign = search_cell_factory(page=page_factory(slug='autre'))
    response = admin_app.get(edit_url(cell))
    form = response.forms[f'combo-cell-form-{cell.get_reference()}']
    form['search_cell'].force_value(str(foreign.pk))

    response = form.submit()

    assert response.status_code == 200
    cell.refresh_from_db()
    assert cell.search_cell is None


@pytest.mark.parametrize(
    'url',
    [
        'passerelle.ville.example/phonecalls/ipbx/',
        'ftp://passerelle.ville.example/',
        'https://x/?apikey=1',
        'https://[::1/phonecalls/ipbx/',
        'https://passerelle.ville.example:99999/phonecalls/ipbx/',
        'https:///phonecalls/ipbx/',
        # 500 characters, one too many once the trailing slash is added.
        'https://passerelle.ville.example/' + 'p' * 467,
    ],
)
def test_connector_url_must_be_an_http_base_url(open_form, cell, url):
    _response, form = open_form(cell)
    form['connector_url'].force_value(url)

    response = form.submit()

    assert response.status_code == 200
    assert 'errorlist' in response.text


def test_known_passerelle_services_are_suggested(open_form, cell, settings):
    settings.KNOWN_SERVICES = {
        'passerelle': {
            'eservices': {
                'url': 'https://passerelle.ville.example/',
                'title': 'Passerelle',
                'orig': 'combo.ville.example',
                'secret': 'shared-secret',
            }
        },
    }

    response, form = open_form(cell)

    datalist_id = response.lxml.xpath('//input[@id="id_connector_url"]/@list')[0]
    options = response.lxml.xpath(f'//datalist[@id="{datalist_id}"]/option/@value')
    assert options == ['https://passerelle.ville.example/']
    assert 'shared-secret' not in response.text


def test_api_key_is_never_sent_back_to_the_browser(open_form, cell_factory):
    cell = cell_factory(api_key='abcdef-secret')

    response, form = open_form(cell)

    assert 'abcdef-secret' not in response.text
    assert form['api_key'].value == ''


def test_saving_with_an_empty_api_key_keeps_the_current_one(open_form, cell_factory):
    cell = cell_factory(api_key='abcdef')
    _response, form = open_form(cell)
    form['poll_interval'] = '4'

    form.submit()

    cell.refresh_from_db()
    assert (cell.api_key, cell.poll_interval) == ('abcdef', 4)


def test_api_key_can_be_removed(open_form, cell_factory):
    cell = cell_factory(api_key='abcdef')
    _response, form = open_form(cell)
    form['clear_api_key'] = True

    form.submit()

    cell.refresh_from_db()
    assert cell.api_key == ''


def test_every_setting_is_documented(open_form, cell_factory):
    cell = cell_factory(api_key='abcdef')

    response, _form = open_form(cell)

    form = PhoneCallCell.get_default_form_class(cell)(instance=cell)
    for name, field in form.fields.items():
        assert str(field.help_text), name
    assert response.text.count('class="helptext"') >= len(form.fields)


def test_cell_type_is_named_phone_call():
    with translation.override('en'):
        assert str(PhoneCallCell._meta.verbose_name) == 'Phone call'


def saved_check(response):
    """``(state, [failing or untested step names])`` of the check shown with the saved settings, or None."""
    found = response.lxml.xpath('//div[contains(@class, "phone-call-cell-saved-check")]')
    if not found:
        return None
    return found[0].get('data-state'), found[0].xpath('.//li/@data-step')


def test_saving_a_working_setting_says_it_works(open_form, cell_factory, connector):
    cell = cell_factory()
    _response, form = open_form(cell)
    form['api_key'] = 'abcdef'
    form['phone_call_check_extension'] = '42'

    response = form.submit().follow()

    assert saved_check(response) == ('ok', [])
    assert connector.last_params == {'callee': '42', 'limit': '5', 'apikey': 'abcdef'}


def test_saving_a_key_for_a_known_service_says_it_is_unused(open_form, cell, connector, known_passerelle):
    _response, form = open_form(cell)
    form['api_key'] = 'abcdef'
    form['phone_call_check_extension'] = '42'

    response = form.submit().follow()

    assert saved_check(response) == ('ok', ['credentials'])
    assert 'The API key is not used' in response.text


def test_saving_a_broken_setting_saves_it_and_shows_the_failing_step(open_form, cell, closed_port_url):
    _response, form = open_form(cell)
    form['connector_url'] = closed_port_url
    form['api_key'] = 'abcdef'
    form['phone_call_check_extension'] = '42'

    response = form.submit().follow()

    cell.refresh_from_db()
    assert cell.connector_url == closed_port_url
    assert saved_check(response) == ('failed', ['answers'])
    assert 'Nothing answers at 127.0.0.1' in response.text


def test_saving_a_refused_key_shows_the_access_step(open_form, cell, connector):
    connector.behaviour, connector.status = 'status', 403
    _response, form = open_form(cell)
    form['api_key'] = 'wrong'
    form['phone_call_check_extension'] = '42'

    response = form.submit().follow()

    assert saved_check(response) == ('failed', ['access'])


def test_saving_without_an_extension_says_what_was_not_checked(open_form, cell, connector):
    _response, form = open_form(cell)
    form['phone_call_check_extension'] = ''

    response = form.submit().follow()

    state, shown = saved_check(response)
    assert (state, shown[-1]) == ('incomplete', 'answers')
    assert connector.received == []


def test_the_extension_to_test_is_the_administrator_s_own_by_default(
    open_form, cell, admin_user, extension_factory
):
    extension_factory(admin_user, '4210')

    _response, form = open_form(cell)

    assert form['phone_call_check_extension'].value == '4210'


def test_the_extension_tested_at_save_is_tested_again_by_default(open_form, cell, connector):
    _response, form = open_form(cell)
    form['phone_call_check_extension'] = '4210'
    form.submit()

    _response, form = open_form(cell)

    assert form['phone_call_check_extension'].value == '4210'


def test_a_new_cell_shows_no_check_before_its_first_save(open_form, cell):
    response, _form = open_form(cell)

    assert saved_check(response) is None


def test_a_url_on_another_server_needs_the_key_typed_again(open_form, cell_factory, closed_port_url):
    cell = cell_factory(api_key='saved-key')
    _response, form = open_form(cell)
    form['connector_url'] = closed_port_url

    response = form.submit()

    assert response.status_code == 200
    assert 'type the API key again' in response.text
    cell.refresh_from_db()
    assert cell.connector_url != closed_port_url


def test_a_url_on_another_server_is_saved_with_the_key_typed_again(open_form, cell_factory, closed_port_url):
    cell = cell_factory(api_key='saved-key')
    _response, form = open_form(cell)
    form['connector_url'] = closed_port_url
    form['api_key'] = 'new-key'

    form.submit()

    cell.refresh_from_db()
    assert (cell.connector_url, cell.api_key) == (closed_port_url, 'new-key')


def test_moving_to_a_known_service_forgets_the_key_of_another_server(
    open_form, cell_factory, known_passerelle, connector, closed_port_url
):
    cell = cell_factory(connector_url=closed_port_url, api_key='saved-key')
    _response, form = open_form(cell)
    form['connector_url'] = connector.base_url

    form.submit()

    cell.refresh_from_db()
    assert (cell.connector_url, cell.api_key) == (connector.base_url, '')


def test_self_service_can_be_restricted_to_extensions_and_roles(open_form, cell):
    group = Group.objects.create(name='Accueil téléphonique')
    _response, form = open_form(cell)
    form['self_service_extensions'] = '42;43   100-199'
    form['self_service_groups'] = [str(group.pk)]

    form.submit()

    cell.refresh_from_db()
    assert cell.self_service_extensions == '42, 43, 100-199'
    assert list(cell.self_service_groups.all()) == [group]


@pytest.mark.parametrize('value', ['200-100', '42\x1b', '4' * 65])
def test_allowed_extensions_that_cannot_be_read_are_refused(open_form, cell, value):
    _response, form = open_form(cell)
    form['self_service_extensions'] = value

    response = form.submit()

    assert response.status_code == 200
    assert response.lxml.xpath(
        '//div[contains(@class, "field--self_service_extensions")]//ul[@class="errorlist"]'
    )


def warnings_of(response):
    return [' '.join(text.split()) for text in response.lxml.xpath('//p[@role="alert"]/text()')]


UNSIGNED = 'Warning: this URL is not on a known Passerelle service and no API key is set'


def test_saving_a_url_neither_known_nor_with_a_key_warns_but_saves(open_form, cell, closed_port_url):
    _response, form = open_form(cell)
    form['connector_url'] = closed_port_url

    response = form.submit().follow()

    cell.refresh_from_db()
    assert cell.connector_url == closed_port_url
    assert any(warning.startswith(UNSIGNED) for warning in warnings_of(response))


def test_a_url_with_a_key_gives_no_warning(open_form, cell):
    _response, form = open_form(cell)
    form['api_key'] = 'abcdef'

    response = form.submit().follow()

    assert not any(warning.startswith(UNSIGNED) for warning in warnings_of(response))


def test_a_url_on_a_known_service_gives_no_warning(open_form, cell, known_passerelle):
    response, _form = open_form(cell)

    assert not any(warning.startswith(UNSIGNED) for warning in warnings_of(response))


def test_labels_are_above_their_fields_and_help_below(open_form, cell):
    response, _form = open_form(cell)

    field = response.lxml.xpath('//div[contains(@class, "phone-call-cell-settings__field--connector_url")]')[
        0
    ]
    assert [child.tag for child in field if child.tag in ('label', 'input', 'p')][:3] == [
        'label',
        'input',
        'p',
    ]
    assert field.xpath('./p[@class="helptext"]/@id') == ['id_connector_url_helptext']


def test_forms_offered_during_a_call_are_none_by_default_with_a_five_minute_offer(open_form, cell):
    _response, form = open_form(cell)

    assert [value for value, _selected, _label in form['forms_offer'].options] == ['none', 'all', 'chosen']
    assert (form['forms_offer'].value, form['forms_offer_minutes'].value) == ('none', '5')


def test_administrator_chooses_forms_among_those_of_every_known_wcs(open_form, cell, fake_wcs):
    response, form = open_form(cell)
    labels = response.lxml.xpath('//fieldset[contains(@class, "choices")]//label/text()')

    assert [' '.join(label.split()) for label in labels] == [
        'Voirie / Signalement voirie',
        'Demande de rappel',
        'Famille / Inscription cantine',
    ]
    form['forms_offer'] = 'chosen'
    form.get('chosen_forms', index=0).checked = True
    form['forms_offer_minutes'] = '10'
    form.submit()
    cell.refresh_from_db()
    assert (cell.forms_offer, cell.forms_offer_minutes) == ('chosen', 10)
    assert cell.chosen_forms == [f'{fake_wcs.url}backoffice/submission/signalement-voirie/']


def test_chosen_forms_are_kept_when_wcs_cannot_list_them(open_form, cell_factory, fake_wcs):
    chosen = f'{fake_wcs.url}backoffice/submission/signalement-voirie/'
    cell = cell_factory(forms_offer='chosen', chosen_forms=[chosen])
    fake_wcs.behaviour = 'garbage'

    response, form = open_form(cell)
    form.submit()

    cell.refresh_from_db()
    assert cell.chosen_forms == [chosen]
    assert 'Could not list the forms of: Démarches' in response.text


@pytest.mark.parametrize('minutes', ['61', '-1'])
def test_offer_after_hang_up_is_at_most_an_hour(open_form, cell, minutes):
    _response, form = open_form(cell)
    form['forms_offer_minutes'] = minutes

    response = form.submit()

    assert response.status_code == 200
    cell.refresh_from_db()
    assert cell.forms_offer_minutes == 5
