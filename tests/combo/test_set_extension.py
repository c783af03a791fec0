"""The agent sets or clears their own extension from the cell (self-service)."""

import logging

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from combo_phone_cell.models import AgentExtension, ExtensionHeld

pytestmark = pytest.mark.django_db

# A CSRF secret as Django keeps it in the cookie; the same value is accepted in the form.
CSRF_TOKEN = 'Hq3mHPwv5SqgW6SExZLoqyyCWaTzR2Fa'


def extension_url(cell):
    return f'/api/phone-call-cell/{cell.pk}/extension/'


def extension_form(response, cell):
    return next(form for form in response.forms.values() if form.action == extension_url(cell))


@pytest.fixture
def post_extension(agent_app):
    """POST ``value`` to the set-extension view of ``cell`` as the cell's form does, from the portal home."""

    def do_post(cell, value, status=302, referer='http://testserver/', **kwargs):
        agent_app.set_cookie('csrftoken', CSRF_TOKEN)
        return agent_app.post(
            extension_url(cell),
            {'extension': value, 'csrfmiddlewaretoken': CSRF_TOKEN},
            headers={'Referer': referer, 'Accept-Language': 'en'},
            status=status,
            **kwargs,
        )

    return do_post


def messages_after(response):
    """Django messages shown on the page the response redirects to."""
    return [
        str(message) for message in response.follow(headers={'Accept-Language': 'en'}).context['messages']
    ]


def test_the_cell_s_form_replaces_the_agent_s_extension_says_so_and_returns_to_the_page(
    agent_app, agent, cell, extension_factory, search_cell_factory
):
    search_cell_factory()
    extension_factory(agent, '42')
    form = extension_form(agent_app.get('/'), cell)
    form['extension'] = ' 4210 '

    response = form.submit(headers={'Referer': 'http://testserver/?q=dupont', 'Accept-Language': 'en'})

    assert response.location in ('http://testserver/?q=dupont', '/?q=dupont')
    assert list(AgentExtension.objects.filter(user=agent).values_list('extension', flat=True)) == ['4210']
    assert messages_after(response) == ['Your extension is now 4210.']
    assert '4210' in response.follow().text


def test_empty_value_clears_the_stored_extension(post_extension, agent, cell, extension_factory):
    extension_factory(agent, '42')

    response = post_extension(cell, '  ')

    assert not AgentExtension.objects.filter(user=agent).exists()
    assert messages_after(response) == ['Your extension has been removed.']


@pytest.mark.parametrize('value', ['4' * 65, '42\x1b[2J'])
def test_invalid_extension_is_refused_with_a_message(post_extension, agent, cell, extension_factory, value):
    extension_factory(agent, '42')

    response = post_extension(cell, value)

    assert AgentExtension.objects.get(user=agent).extension == '42'
    assert messages_after(response) == [
        'An extension is 1 to 64 characters long, without control characters.'
    ]


def test_foreign_referer_is_not_followed(post_extension, cell):
    response = post_extension(cell, '42', referer='https://evil.example/phish')

    assert response.location in ('/', 'http://testserver/')


def test_a_cell_without_self_service_refuses_and_sets_no_extension(post_extension, cell_factory):
    # Every other refusal (anonymous, CSRF, roles, unknown cell, method) is in test_access.py.
    cell = cell_factory(self_service=False)

    response = post_extension(cell, '42', status=403)

    assert response.json['err'] == 1
    assert not AgentExtension.objects.exists()


def test_taking_an_extension_another_agent_holds_is_refused_and_changes_nothing(
    post_extension, agent, user_factory, cell, extension_factory
):
    extension_factory(agent, '43')
    holder = extension_factory(user_factory('camille'), '42')

    response = post_extension(cell, '42')

    assert messages_after(response) == [
        'Extension 42 is held by another agent: it cannot be taken. If it is yours, ask an administrator to '
        'release it.'
    ]
    assert AgentExtension.objects.get(user=agent).extension == '43'
    holder.refresh_from_db()
    assert holder.extension == '42'


def test_the_database_holds_one_agent_per_extension(agent, user_factory, extension_factory):
    extension_factory(agent, '42')

    with pytest.raises(IntegrityError), transaction.atomic():
        AgentExtension.objects.create(user=user_factory('camille'), extension='42')


def test_each_change_of_holder_is_logged(
    post_extension, agent, user_factory, cell, extension_factory, caplog
):
    extension_factory(user_factory('camille'), '42')
    caplog.set_level(logging.INFO, logger='combo_phone_cell')

    post_extension(cell, '43')
    post_extension(cell, '42')
    post_extension(cell, '')

    assert [
        record.getMessage() for record in caplog.records if record.name.startswith('combo_phone_cell')
    ] == [
        'phone call extension: user agent holds extension 43',
        'phone call extension: user agent refused extension 42, held by another agent',
        'phone call extension: user agent forgot their extension',
    ]


@pytest.mark.parametrize(
    'value, allowed', [('42', True), ('150', True), ('0150', True), ('99', False), ('4a', False)]
)
def test_self_service_is_limited_to_the_cell_s_extensions(
    post_extension, agent, cell_factory, value, allowed
):
    cell = cell_factory(self_service_extensions='42, 100-199')

    response = post_extension(cell, value)

    assert AgentExtension.objects.filter(user=agent, extension=value).exists() is allowed
    if not allowed:
        assert messages_after(response) == [
            f'Extension {value} cannot be set here: the allowed extensions are 42, 100-199.'
        ]


def test_self_service_is_limited_to_the_cell_s_roles(post_extension, agent, cell_factory):
    cell = cell_factory()
    role = Group.objects.create(name='Accueil téléphonique')
    cell.self_service_groups.add(role)

    refused = messages_after(post_extension(cell, '42'))
    agent.groups.add(role)
    post_extension(cell, '42')

    assert refused == ['Your roles do not let you set your extension in this cell: ask an administrator.']
    assert AgentExtension.objects.get(user=agent).extension == '42'


def test_two_agents_taking_one_extension_at_once_get_one_holder_and_one_refusal(
    agent, user_factory, extension_factory, monkeypatch
):
    extension_factory(user_factory('camille'), '42')
    # As if Camille's row was written between the other agent's check and write.
    monkeypatch.setattr(QuerySet, 'exists', lambda self: False)

    with pytest.raises(ExtensionHeld):
        AgentExtension.store(agent, '42')

    monkeypatch.undo()
    assert list(AgentExtension.objects.values_list('user__username', 'extension')) == [('camille', '42')]
