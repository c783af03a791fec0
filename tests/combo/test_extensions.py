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


ATTRIBUTE = 'phone_extension'


@pytest.mark.parametrize(
    'attribute, self_service, allowed, login_attributes, stored, expected',
    [
        (ATTRIBUTE, True, '', {ATTRIBUTE: ['42'], 'first_name': ['Martine']}, None, '42'),
        (ATTRIBUTE, True, '', {ATTRIBUTE: ['', '  ', '4210', '4211']}, None, '4210'),
        (ATTRIBUTE, True, '', {ATTRIBUTE: ['42']}, '99', '42'),
        (ATTRIBUTE, True, '', {'first_name': ['Martine']}, '99', '99'),
        (ATTRIBUTE, True, '', {ATTRIBUTE: ['42\u200b43']}, '99', '99'),
        (ATTRIBUTE, False, '', {ATTRIBUTE: ['42']}, None, '42'),
        ('', True, '', {ATTRIBUTE: ['77']}, '42', '42'),
        ('', False, '', None, '42', None),
        ('', True, '100-199', None, '42', None),
    ],
    ids=[
        'profile attribute given at login',
        'its first non-empty value',
        'profile wins over self-service',
        'no profile value: self-service',
        'invalid profile value: self-service',
        'profile without self-service',
        'no attribute configured: self-service',
        'self-service off: stored ignored',
        'stored outside the cell list: ignored',
    ],
)
def test_the_extension_is_the_profile_s_then_the_self_service_one(
    request_factory,
    agent,
    cell_factory,
    extension_factory,
    attribute,
    self_service,
    allowed,
    login_attributes,
    stored,
    expected,
):
    cell = cell_factory(
        extension_attribute=attribute, self_service=self_service, self_service_extensions=allowed
    )
    if stored:
        extension_factory(agent, stored)

    assert cell.agent_extension(request_factory(agent, login_attributes)) == expected


def test_profile_attribute_given_as_a_single_value_is_used(request_factory, agent):
    request = request_factory(agent, {ATTRIBUTE: '4210'})

    assert user_attribute(request, ATTRIBUTE) == '4210'


@pytest.mark.parametrize('stored', ['42\n43', '   ', '42\x1b[2J', '42\u202e'])
def test_invalid_stored_extension_is_ignored(request_factory, agent, cell_factory, stored):
    cell = cell_factory(self_service=True)
    AgentExtension.objects.create(user=agent, extension=stored)

    assert cell.agent_extension(request_factory(agent)) is None


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


def test_a_released_extension_is_no_longer_the_agent_s(request_factory, agent, admin_user, cell_factory):
    cell = cell_factory(self_service=True)
    holding = AgentExtension.objects.create(user=agent, extension='42')

    holding.release('42', admin_user)

    assert cell.agent_extension(request_factory(agent)) is None


@pytest.mark.parametrize(
    'extension, allowed',
    [('42', True), ('43', True), ('100', True), ('199', True), ('0150', True), ('200', False), ('4', False)],
)
def test_allowed_extensions_are_a_list_and_ranges_and_none_allows_any(extension, allowed):
    assert extension_allowed(extension, '42, 43, 100-199') is allowed
    assert extension_allowed(extension, '')


@pytest.mark.parametrize(
    'text, tidy', [('42,43', '42, 43'), (' 42 ; 100-199 ', '42, 100-199'), ('', ''), ('a-b', 'a-b')]
)
def test_allowed_extensions_are_written_tidily(text, tidy):
    assert read_allowed_extensions(text) == tidy


@pytest.mark.parametrize('text', ['199-100', '42\x1b', '4' * 65])
def test_allowed_extensions_refuse_what_is_no_extension(text):
    with pytest.raises(ValidationError):
        read_allowed_extensions(text)
