"""The cell on a page: the configuration it gives its template (and so its widget)."""

import pytest
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from django.utils import translation

from combo_phone_cell.host import cell_settings_url

pytestmark = pytest.mark.django_db

CONTEXT_KEYS = {
    'poll_url',
    'poll_interval',
    'recent_limit',
    'extension',
    'self_service',
    'extension_form_url',
    'extension_form',
    'pause_storage_key',
    'search_cell_index',
    'settings_url',
    'forms_url',
    'forms_offer_seconds',
}


@pytest.fixture
def context_for():
    """The cell's extra template context on a page requested by ``user``."""

    def make_context(cell, user):
        request = RequestFactory().get('/')
        request.user = user
        request.session = SessionStore()
        return cell.get_cell_extra_context({'request': request})

    return make_context


def test_cell_gives_its_template_the_widget_configuration(
    context_for, agent, cell_factory, search_cell_factory
):
    search_cell_factory()
    cell = cell_factory(poll_interval=3, recent_calls=4, self_service=True)

    context = context_for(cell, agent)

    assert CONTEXT_KEYS <= set(context)
    assert context['poll_url'] == f'/api/phone-call-cell/{cell.pk}/poll/'
    assert context['poll_interval'] == 3
    assert context['search_cell_index'] == 0
    assert context['recent_limit'] == 4
    assert context['extension'] is None
    assert context['self_service'] is True
    assert context['extension_form_url'] == f'/api/phone-call-cell/{cell.pk}/extension/'
    assert list(context['extension_form'].fields) == ['extension']
    assert not context['extension_form'].is_bound
    assert context['pause_storage_key'] == f'phone-call-cell-{cell.pk}-paused'
    assert (context['settings_url'], context['forms_url'], context['forms_offer_seconds']) == (None, None, 0)


def test_extension_in_the_context_is_the_agent_own(context_for, agent, cell, extension_factory):
    extension_factory(agent, '42')

    context = context_for(cell, agent)

    assert context['extension'] == '42'
    assert context['extension_form'].initial == {'extension': '42'}


@pytest.mark.parametrize(
    'search_cells, index',
    [
        (['order 9', 'order 3'], 0),
        (['order 4, configured', 'order 0'], 1),
        (['order 0, hidden', 'order 4, configured'], 0),
        (['order 0', 'order 4, configured, deleted'], 0),
        (['order 0', 'order 1', 'other page, configured'], 0),
    ],
    ids=[
        'first by default',
        'configured',
        'hidden not counted',
        'deleted configured',
        'other page configured',
    ],
)
def test_target_is_the_position_of_the_configured_search_cell_among_those_the_agent_sees(
    context_for, agent, cell_factory, page_factory, search_cell_factory, search_cells, index
):
    configured = None
    for spec in search_cells:
        if spec.startswith('other page'):
            search_cell = search_cell_factory(page=page_factory(slug='autre'))
        else:
            search_cell = search_cell_factory(order=int(spec.split(',')[0].split()[1]))
        if 'hidden' in spec:
            search_cell.groups.add(Group.objects.create(name='Voirie'))
        if 'configured' in spec:
            configured = search_cell
    cell = cell_factory(search_cell=configured.pk if configured else None)
    if 'deleted' in search_cells[-1]:
        configured.delete()

    assert context_for(cell, agent)['search_cell_index'] == index


@pytest.mark.parametrize('staff', [True, False])
def test_only_staff_users_get_the_url_of_the_cell_settings(context_for, request, cell, staff):
    user = request.getfixturevalue('admin_user' if staff else 'agent')

    assert context_for(cell, user)['settings_url'] == (cell_settings_url(cell) if staff else None)


def test_cell_offering_forms_gives_the_forms_view_and_the_offer_duration(context_for, agent, cell_factory):
    cell = cell_factory(forms_offer='all', forms_offer_minutes=7)

    context = context_for(cell, agent)

    assert context['forms_url'] == f'/api/phone-call-cell/{cell.pk}/forms/'
    assert context['forms_offer_seconds'] == 420


def test_cell_is_named_by_its_type_never_by_its_slug(cell_factory):
    with translation.override('fr'):
        assert str(cell_factory(slug='telephonie')) == 'Appel téléphonique'


def test_extension_form_ids_are_unique_per_cell(context_for, agent, cell_factory):
    first = cell_factory(order=1)
    second = cell_factory(order=2)

    first_html = str(context_for(first, agent)['extension_form']['extension'])
    second_html = str(context_for(second, agent)['extension_form']['extension'])

    assert f'id="id_phone-call-cell-{first.pk}-extension"' in first_html
    assert f'id="id_phone-call-cell-{second.pk}-extension"' in second_html


def test_agent_portal_page_shows_the_cell_with_its_poll_url(agent_app, cell, search_cell_factory):
    search_cell_factory()

    response = agent_app.get('/')

    assert f'/api/phone-call-cell/{cell.pk}/poll/' in response.text
    assert response.lxml.xpath(f'//div[@id="{cell.get_reference()}"]')


def test_page_never_shows_the_api_key(agent_app, cell_factory):
    cell_factory(api_key='abcdef-secret')

    response = agent_app.get('/')

    assert 'abcdef-secret' not in response.text


def test_every_element_the_cell_refers_to_is_on_the_page(agent_app, cell_factory):
    # Django 5 points a field with help text at "<field id>_helptext" (aria-describedby);
    # a reference to a missing element leaves screen readers with nothing to read.
    cell = cell_factory(self_service=True)

    response = agent_app.get('/')

    (cell_element,) = response.lxml.xpath(f'//div[@id="{cell.get_reference()}"]')
    references = {
        reference
        for attribute in ('for', 'aria-describedby', 'aria-labelledby', 'aria-controls')
        for element in cell_element.xpath(f'.//*[@{attribute}]')
        for reference in element.get(attribute).split()
    }
    assert f'id_phone-call-cell-{cell.pk}-extension' in references
    assert references <= set(cell_element.xpath('.//@id'))
