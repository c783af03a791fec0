"""Portal pages of the Combo stand-in: cells in order and wrapped by type, visibility, login, plugin URLs."""

import pytest
from combo.apps.search.models import SearchCell
from django.contrib.auth.models import Group

pytestmark = pytest.mark.django_db


def cell_ids(response):
    return [div['id'] for div in response.html.select('#content > div.cell')]


def test_page_shows_cells_of_every_type_by_order_wrapped_with_their_type(app, cell_factory):
    third = cell_factory(order=3, text='<b>Horaires</b>', extra_css_class='highlighted')
    first = cell_factory(SearchCell, order=1)
    response = app.get('/', user=None)

    assert cell_ids(response) == [first.get_reference(), third.get_reference()]
    assert first.get_reference() == f'search_searchcell-{first.pk}'
    assert response.html.find(id=first.get_reference())['class'] == ['cell', 'search-cell', 'searchcell']
    wrapper = response.html.find(id=third.get_reference())
    assert wrapper['class'] == ['cell', 'text-cell', 'textcell', 'highlighted']
    assert wrapper.select_one('.text-content').text == '<b>Horaires</b>'


def test_cell_template_gets_its_extra_context(app, cell_factory, user_factory):
    cell_factory()
    user_factory('agent')

    assert app.get('/', user='agent').html.select_one('.greeting').text == 'Hello agent'


@pytest.mark.parametrize(
    'fields, anonymous, agent, member',
    [
        ({'public': True}, True, True, True),
        ({'public': True, 'restricted_to_unlogged': True}, True, False, False),
        ({'public': False}, False, True, True),
        ({'public': False, 'groups': 'Accueil'}, False, False, True),
    ],
    ids=['public', 'unlogged-only', 'logged-in', 'group'],
)
def test_cell_is_shown_to_whom_its_visibility_says(
    app, cell_factory, user_factory, fields, anonymous, agent, member
):
    groups = [Group.objects.create(name=fields.pop('groups'))] if 'groups' in fields else []
    cell_factory(groups=groups, **fields)
    user_factory('agent')
    user_factory('member', groups=['Accueil'])

    shown = [bool(cell_ids(app.get('/', user=user))) for user in (None, 'agent', 'member')]

    assert shown == [anonymous, agent, member]


def test_private_page_sends_anonymous_visitors_to_log_in_and_refuses_outsiders(
    app, page_factory, user_factory
):
    page_factory('agents', public=False, groups=[Group.objects.create(name='Accueil')])
    user_factory('outsider')

    assert app.get('/agents/', user=None).location == '/login/?next=/agents/'
    app.get('/agents/', user='outsider', status=403)


def test_subpage_is_served_at_its_ancestors_slugs(app, page_factory):
    parent = page_factory('services')
    page_factory('accueil', title='Accueil téléphonique', parent=parent)

    assert app.get('/services/accueil/').html.select_one('#header h1').text.strip() == 'Accueil téléphonique'
    app.get('/services/nowhere/', status=404)


def test_login_form_speaks_french_and_logs_in(app, page, user_factory):
    user_factory('agent', password='secret')
    form = app.get('/login/?next=/').forms[0]
    form['username'], form['password'] = 'agent', 'secret'

    assert form.html.select_one('button').text == 'Connexion'
    assert form.submit().location == '/'
    assert '_auth_user_id' in app.session


def test_plugin_urls_are_mounted_before_and_after_combo_ones(app, page_factory):
    page_factory('sample', title='Shadowed page')

    assert app.get('/sample/').text == 'plugin view'
    assert app.get('/sample-after').text == 'plugin view after'
