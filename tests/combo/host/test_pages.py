"""Pages of the stand-in Combo: cells in order, visibility, login, plugin URLs."""

import pytest

pytestmark = pytest.mark.django_db


def cell_ids(response):
    return [div['id'] for div in response.html.select('#content > div.cell')]


def test_page_renders_cells_of_every_class_sorted_by_order(app, text_cell_factory, search_cell_factory):
    third = text_cell_factory(order=3, text='Third')
    first = search_cell_factory(order=1, public=True)
    second = text_cell_factory(order=2, text='Second')

    response = app.get('/')

    assert cell_ids(response) == [first.get_reference(), second.get_reference(), third.get_reference()]


def test_page_wraps_each_cell_with_its_type_and_extra_css_classes(app, text_cell_factory):
    cell = text_cell_factory(extra_css_class='highlighted')

    response = app.get('/')

    wrapper = response.html.find(id=cell.get_reference())
    assert wrapper['class'] == ['cell', 'text-cell', 'textcell', 'highlighted']
    assert wrapper.select_one('.text-content').text == 'Welcome, agent.'


def test_cell_template_gets_cell_extra_context_and_page_context(agent_app, text_cell_factory):
    text_cell_factory()

    response = agent_app.get('/')

    assert response.html.select_one('.greeting').text == 'Hello agent'


def test_cell_template_can_use_csrf_token_and_url_tags(app, text_cell_factory):
    text_cell_factory()

    response = app.get('/')

    form = response.html.select_one('form.text-cell-form')
    assert form['action'] == '/'
    assert form.select_one('input[name=csrfmiddlewaretoken]')['value']


def test_cell_restricted_to_unlogged_is_hidden_from_logged_in_users(
    app, agent_app, text_cell_factory, user_factory
):
    visible = text_cell_factory(order=1)
    unlogged_only = text_cell_factory(order=2, restricted_to_unlogged=True, public=True)

    assert cell_ids(app.get('/', user=None)) == [visible.get_reference(), unlogged_only.get_reference()]
    assert cell_ids(agent_app.get('/')) == [visible.get_reference()]


def test_non_public_cell_is_hidden_from_anonymous_visitors(app, text_cell_factory):
    text_cell_factory(public=False, text='Agents only')

    response = app.get('/')

    assert cell_ids(response) == []
    assert 'Agents only' not in response.text


def test_cell_with_groups_is_shown_only_to_members(app, text_cell_factory, user_factory, group_factory):
    reception = group_factory('Accueil')
    cell = text_cell_factory(public=False, groups=[reception])
    user_factory(username='member', groups=[reception])
    user_factory(username='outsider')

    assert cell_ids(app.get('/', user='member')) == [cell.get_reference()]
    assert cell_ids(app.get('/', user='outsider')) == []


def test_anonymous_visitor_of_private_page_is_redirected_to_login(app, page_factory):
    page_factory(slug='agents', public=False)

    response = app.get('/agents/')

    assert response.status_code == 302
    assert response.location == '/login/?next=/agents/'


def test_logged_in_user_outside_page_groups_is_refused(app, page_factory, group_factory, user_factory):
    page_factory(slug='agents', public=False, groups=[group_factory('Accueil')])
    user_factory(username='outsider')

    app.get('/agents/', user='outsider', status=403)


def test_subpage_is_served_at_its_parents_slugs_path(app, page_factory):
    parent = page_factory(slug='services', title='Services')
    page_factory(slug='accueil', title='Accueil téléphonique', parent=parent)

    response = app.get('/services/accueil/')

    assert response.html.select_one('header h1').text == 'Accueil téléphonique'


def test_unknown_page_is_not_found(app, page):
    app.get('/nowhere/', status=404)


def test_page_header_shows_title_and_logged_in_user_with_logout(agent_app, page):
    response = agent_app.get('/')

    assert response.html.select_one('header h1').text == 'Agent portal'
    assert response.html.select_one('.combo-user-name').text == 'Alice Martin'
    assert response.forms['combo-logout-form'].action == '/logout/'


def test_logout_button_logs_out_and_returns_to_portal_root(app, page, agent, log_in):
    # A real login: django_app's user= would log the user back in on every request.
    response = log_in(app).follow()

    response = response.forms['combo-logout-form'].submit().follow()

    assert response.request.path == '/'
    assert response.html.select('.combo-user-name') == []
    assert '_auth_user_id' not in app.session


def test_login_form_logs_in_and_lands_on_portal_root(app, page, agent, log_in):
    response = log_in(app)

    assert response.status_code == 302
    assert response.location == '/'
    assert response.follow().html.select_one('.combo-user-name').text == 'Alice Martin'


def test_login_form_refuses_wrong_password(app, page, agent, log_in):
    response = log_in(app, password='wrong password')

    assert response.status_code == 200
    assert '_auth_user_id' not in app.session


def test_login_returns_to_the_private_page_asked_for(app, page_factory, agent, log_in):
    page_factory(slug='agents', public=False)

    assert log_in(app, login_url=app.get('/agents/').location).location == '/agents/'


def test_plugin_before_urls_take_precedence_over_page_with_same_path(app, page_factory):
    page_factory(slug='sample-before', title='Shadowed page')

    response = app.get('/sample-before/')

    assert response.text == 'sample before view'


def test_plugin_after_urls_are_mounted_after_combo_urls(app, page):
    assert app.get('/sample-after').text == 'sample after view'


def test_logout_without_redirect_setting_shows_logged_out_page(app, page, agent, log_in, settings):
    settings.LOGOUT_REDIRECT_URL = None
    response = log_in(app).follow()

    response = response.forms['combo-logout-form'].submit()

    assert response.status_code == 200
    assert response.html.select_one('a[href="/login/"]')
    assert '_auth_user_id' not in app.session
