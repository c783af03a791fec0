"""Which extension an agent answers on: profile attribute, then self-service, always server-side."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from combo_phone_cell.extensions import clean_extension, extension_allowed, read_allowed_extensions
from combo_phone_cell.host import user_attribute
from combo_phone_cell.models import AgentExtension

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_factory():
    """Requests of ``user`` whose SAML login gave ``attributes`` (Combo's mellon session)."""

    def make_request(user, attributes=None, path='/'):
        request = RequestFactory().get(path)
        request.user = user
        request.session = SessionStore()
        if attributes is not None:
            request.session['mellon_session'] = attributes
        return request

    return make_request


def test_extension_comes_from_the_profile_attribute_given_at_login(request_factory, agent, cell_factory):
    cell = cell_factory(extension_attribute='phone_extension')
    request = request_factory(agent, {'phone_extension': ['42'], 'first_name': ['Martine']})

    assert cell.agent_extension(request) == '42'


def test_profile_attribute_gives_its_first_non_empty_value(request_factory, agent, cell_factory):
    cell = cell_factory(extension_attribute='phone_extension')
    request = request_factory(agent, {'phone_extension': ['', '  ', '4210', '4211']})

    assert cell.agent_extension(request) == '4210'


def test_profile_attribute_given_as_a_single_value_is_used(request_factory, agent):
    request = request_factory(agent, {'phone_extension': '4210'})

    assert user_attribute(request, 'phone_extension') == '4210'


def test_profile_attribute_wins_over_the_self_service_extension(
    request_factory, agent, cell_factory, extension_factory
):
    cell = cell_factory(extension_attribute='phone_extension', self_service=True)
    extension_factory(agent, '99')
    request = request_factory(agent, {'phone_extension': ['42']})

    assert cell.agent_extension(request) == '42'


def test_missing_profile_attribute_falls_back_to_the_self_service_extension(
    request_factory, agent, cell_factory, extension_factory
):
    cell = cell_factory(extension_attribute='phone_extension', self_service=True)
    extension_factory(agent, '99')
    request = request_factory(agent, {'first_name': ['Martine']})

    assert cell.agent_extension(request) == '99'


def test_self_service_extension_is_used_when_no_attribute_is_configured(
    request_factory, agent, cell_factory, extension_factory
):
    cell = cell_factory(extension_attribute='', self_service=True)
    extension_factory(agent, '42')

    assert cell.agent_extension(request_factory(agent, {'phone_extension': ['77']})) == '42'


def test_stored_extension_is_ignored_when_self_service_is_off(
    request_factory, agent, cell_factory, extension_factory
):
    cell = cell_factory(extension_attribute='', self_service=False)
    extension_factory(agent, '42')

    assert cell.agent_extension(request_factory(agent)) is None


def test_profile_attribute_still_applies_when_self_service_is_off(request_factory, agent, cell_factory):
    cell = cell_factory(extension_attribute='phone_extension', self_service=False)

    assert cell.agent_extension(request_factory(agent, {'phone_extension': ['42']})) == '42'


@pytest.mark.parametrize('stored', ['42\n43', '   ', '42\x1b[2J', '42\u202e'])
def test_invalid_stored_extension_is_ignored(request_factory, agent, cell_factory, stored):
    cell = cell_factory(self_service=True)
    AgentExtension.objects.create(user=agent, extension=stored)

    assert cell.agent_extension(request_factory(agent)) is None


def test_invalid_profile_attribute_falls_back_to_self_service(
    request_factory, agent, cell_factory, extension_factory
):
    cell = cell_factory(extension_attribute='phone_extension', self_service=True)
    extension_factory(agent, '99')

    assert cell.agent_extension(request_factory(agent, {'phone_extension': ['42\u200b43']})) == '99'


def test_other_users_extensions_are_never_used(
    request_factory, agent, user_factory, cell_factory, extension_factory
):
    cell = cell_factory(self_service=True)
    extension_factory(user_factory('colleague'), '43')

    assert cell.agent_extension(request_factory(agent)) is None


def test_anonymous_visitor_has_no_extension(request_factory, cell_factory):
    cell = cell_factory(extension_attribute='phone_extension', self_service=True)
    request = request_factory(AnonymousUser(), {'phone_extension': ['42']})

    assert cell.agent_extension(request) is None


def test_extension_in_the_request_parameters_is_never_used(request_factory, agent, cell_factory):
    cell = cell_factory(extension_attribute='phone_extension', self_service=True)
    request = request_factory(agent, path='/?extension=42&phone_extension=42')

    assert cell.agent_extension(request) is None


@pytest.mark.parametrize(
    'value, expected',
    [
        ('42', '42'),
        (' 4210 ', '4210'),
        ('+33143250135', '+33143250135'),
        ('accueil-1', 'accueil-1'),
        ('4' * 64, '4' * 64),
        ('4' * 65, None),
        ('', None),
        ('   ', None),
        (None, None),
        ('42\t43', None),
        ('42\x1b[2J', None),
        ('42\u200b', None),
        ('42\u202843', None),
    ],
)
def test_extension_is_checked_like_a_callee(value, expected):
    assert clean_extension(value) == expected


def test_profile_attribute_read_through_the_session_of_a_logged_in_agent(
    agent_app, agent, cell_factory, connector
):
    cell = cell_factory(extension_attribute='phone_extension', self_service=False)
    poll_url = f'/api/phone-call-cell/{cell.pk}/poll/'
    assert agent_app.get(poll_url).json['data']['extension'] is None
    session = agent_app.session
    session['mellon_session'] = {'phone_extension': ['42']}
    session.save()

    response = agent_app.get(poll_url)

    assert response.json['data']['extension'] == '42'
    assert connector.last_params['callee'] == '42'


def test_a_self_service_extension_outside_the_cell_s_list_is_not_used(
    request_factory, agent, cell_factory, extension_factory
):
    cell = cell_factory(self_service=True, self_service_extensions='100-199')
    extension_factory(agent, '42')

    assert cell.agent_extension(request_factory(agent)) is None


def test_a_released_extension_is_no_longer_the_agent_s(request_factory, agent, admin_user, cell_factory):
    cell = cell_factory(self_service=True)
    holding = AgentExtension.objects.create(user=agent, extension='42')

    holding.release('42', admin_user)

    assert cell.agent_extension(request_factory(agent)) is None


@pytest.mark.parametrize(
    'extension, allowed',
    [('42', True), ('43', True), ('100', True), ('199', True), ('0150', True), ('200', False), ('4', False)],
)
def test_allowed_extensions_are_a_list_and_ranges(extension, allowed):
    assert extension_allowed(extension, '42, 43, 100-199') is allowed


def test_no_allowed_extensions_allows_any():
    assert extension_allowed('9999', '')


@pytest.mark.parametrize(
    'text, tidy', [('42,43', '42, 43'), (' 42 ; 100-199 ', '42, 100-199'), ('', ''), ('a-b', 'a-b')]
)
def test_allowed_extensions_are_written_tidily(text, tidy):
    assert read_allowed_extensions(text) == tidy


@pytest.mark.parametrize('text', ['199-100', '42\x1b', '4' * 65])
def test_allowed_extensions_refuse_what_is_no_extension(text):
    with pytest.raises(ValidationError):
        read_allowed_extensions(text)
