"""The cell on a page: the configuration it gives its template (and so its widget)."""

import pytest
from combo.data.library import get_cell_classes
from django.contrib.auth.models import AnonymousUser, Group
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from django.utils import translation

from combo_phone_cell.models import PhoneCallCell

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


def test_phone_call_cell_is_a_registered_enabled_cell_type():
    assert PhoneCallCell in get_cell_classes()
    assert PhoneCallCell.is_enabled()


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


def test_anonymous_visitor_has_no_extension_in_the_context(context_for, cell):
    assert context_for(cell, AnonymousUser())['extension'] is None


def test_target_is_the_first_search_cell_of_the_page_by_default(
    context_for, agent, cell, search_cell_factory
):
    search_cell_factory(order=9)
    search_cell_factory(order=3)

    assert context_for(cell, agent)['search_cell_index'] == 0


def test_target_is_the_position_of_the_configured_search_cell(
    context_for, agent, cell_factory, search_cell_factory
):
    configured = search_cell_factory(order=4)
    search_cell_factory(order=0)
    cell = cell_factory(search_cell=configured.pk)

    assert context_for(cell, agent)['search_cell_index'] == 1


def test_search_cells_the_agent_does_not_see_are_not_counted(
    context_for, agent, cell_factory, search_cell_factory
):
    hidden = search_cell_factory(order=0)
    hidden.groups.add(Group.objects.create(name='Voirie'))
    configured = search_cell_factory(order=4)
    cell = cell_factory(search_cell=configured.pk)

    assert context_for(cell, agent)['search_cell_index'] == 0


def test_deleted_configured_search_cell_falls_back_to_the_first(
    context_for, agent, cell_factory, search_cell_factory
):
    search_cell_factory(order=0)
    configured = search_cell_factory(order=4)
    cell = cell_factory(search_cell=configured.pk)
    configured.delete()

    assert context_for(cell, agent)['search_cell_index'] == 0


def test_search_cell_of_another_page_is_never_the_target(
    context_for, agent, cell_factory, page_factory, search_cell_factory
):
    search_cell_factory(order=0)
    search_cell_factory(order=1)
    foreign = search_cell_factory(page=page_factory(slug='autre'))
    cell = cell_factory(search_cell=foreign.pk)

    assert context_for(cell, agent)['search_cell_index'] == 0


def test_staff_users_get_the_url_of_the_cell_settings(context_for, admin_user, cell):
    assert (
        context_for(cell, admin_user)['settings_url']
        == f'/manage/pages/{cell.page.pk}/cell/{cell.get_reference()}/'
    )


def test_agents_get_no_settings_url(context_for, agent, cell):
    assert context_for(cell, agent)['settings_url'] is None


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
