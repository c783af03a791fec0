"""The agent sets or clears their own extension from the cell (self-service)."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group

from combo_phone_cell.models import AgentExtension

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


def test_agent_sets_their_extension_from_the_cell_form(agent_app, agent, cell, search_cell_factory):
    search_cell_factory()
    page = agent_app.get('/')
    form = extension_form(page, cell)
    form['extension'] = ' 4210 '

    response = form.submit(headers={'Referer': 'http://testserver/'}).follow()

    assert AgentExtension.objects.get(user=agent).extension == '4210'
    assert response.request.path == '/'
    assert '4210' in response.text


def messages_after(response):
    """Django messages shown on the page the response redirects to."""
    return [
        str(message) for message in response.follow(headers={'Accept-Language': 'en'}).context['messages']
    ]


def test_storing_an_extension_redirects_back_to_the_same_page(post_extension, agent, cell):
    response = post_extension(cell, '42', referer='http://testserver/accueil/?q=dupont')

    assert response.location in ('http://testserver/accueil/?q=dupont', '/accueil/?q=dupont')
    assert AgentExtension.objects.get(user=agent).extension == '42'


def test_storing_an_extension_says_so(post_extension, cell):
    response = post_extension(cell, '42')

    assert messages_after(response) == ['Your extension is now 42.']


def test_a_new_extension_replaces_the_previous_one(post_extension, agent, cell, extension_factory):
    extension_factory(agent, '42')

    post_extension(cell, '43')

    assert list(AgentExtension.objects.filter(user=agent).values_list('extension', flat=True)) == ['43']


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


def test_post_without_csrf_token_is_refused(agent_app, agent, cell):
    agent_app.post(extension_url(cell), {'extension': '42'}, status=403)

    assert not AgentExtension.objects.filter(user=agent).exists()


def test_setting_an_extension_is_refused_when_self_service_is_off(post_extension, agent, cell_factory):
    cell = cell_factory(self_service=False)

    response = post_extension(cell, '42', status=403)

    assert response.json['err'] == 1
    assert not AgentExtension.objects.filter(user=agent).exists()


def test_anonymous_visitor_cannot_set_an_extension(app, cell):
    app.set_cookie('csrftoken', CSRF_TOKEN)

    app.post(extension_url(cell), {'extension': '42', 'csrfmiddlewaretoken': CSRF_TOKEN}, status=403)

    assert not AgentExtension.objects.exists()


def test_agent_who_cannot_see_the_cell_cannot_set_an_extension(post_extension, agent, cell):
    cell.groups.add(Group.objects.create(name='Accueil téléphonique'))

    post_extension(cell, '42', status=403)

    assert not AgentExtension.objects.filter(user=agent).exists()


def test_unknown_cell_is_a_404(post_extension, cell):
    response = post_extension(SimpleNamespace(pk=cell.pk + 1000), '42', status=404)

    assert response.json['err'] == 1


def test_get_is_not_allowed(agent_app, cell):
    agent_app.get(extension_url(cell), status=405)
