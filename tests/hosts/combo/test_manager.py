"""The Combo stand-in's manager: ``/manage/`` lists the pages and their cells, each cell's form edits it."""

import pytest
from combo.apps.search.models import SearchCell
from django.urls import reverse

pytestmark = pytest.mark.django_db


def form_url(cell, page_pk=None):
    return reverse(
        'combo-manager-page-edit-cell',
        kwargs={'page_pk': page_pk or cell.page_id, 'cell_reference': cell.get_reference()},
    )


@pytest.fixture
def admin(user_factory):
    return user_factory('admin', is_staff=True)


def test_manager_lists_pages_with_links_to_their_cells_forms(app, admin, cell_factory, search_cell):
    text_cell = cell_factory(order=2)

    response = app.get('/manage/', user='admin')

    assert response.html.select_one('link[href*="gadjo.css"]')
    assert response.html.select_one('.section h3').text == 'Portail agent'
    links = [(a.text, a['href']) for a in response.html.select('.section ul.objects-list a')]
    assert links == [('Recherche', form_url(search_cell)), ('Text', form_url(text_cell))]


@pytest.mark.parametrize('url', ['/manage/', '/manage/pages/1/cell/search_searchcell-1/'])
def test_manager_sends_non_staff_users_to_log_in(app, user_factory, search_cell, url):
    user_factory('agent')

    assert app.get(url, user='agent').location.startswith('/login/?next=')


def test_cell_form_is_titled_with_the_cell_name_and_saves(app, admin, search_cell):
    response = app.get(form_url(search_cell), user='admin')
    form = response.forms[f'combo-cell-form-{search_cell.get_reference()}']
    form['title'] = 'Recherche usager'

    assert response.html.select_one('#appbar h2').text == str(search_cell) == 'Recherche'
    assert response.html.select_one('.widget label[for=id_title]')
    assert form.submit().follow().html.select_one('.messages').text.strip() == 'La cellule a été enregistrée.'
    assert SearchCell.objects.get().title == 'Recherche usager'


def test_cell_form_uses_the_cells_manager_form_template(app, admin, cell_factory):
    cell = cell_factory(text='Horaires')

    response = app.get(form_url(cell), user='admin')

    assert response.html.select_one('.text-cell-form textarea').text.strip() == 'Horaires'


@pytest.mark.parametrize(
    'make_url',
    [
        lambda cell, other: form_url(cell, page_pk=other.pk),
        lambda cell, other: form_url(cell).replace('search_', 'x_'),
    ],
    ids=['cell-of-another-page', 'unknown-cell-type'],
)
def test_cell_form_of_an_unknown_cell_is_not_found(app, admin, page_factory, search_cell, make_url):
    app.get(make_url(search_cell, page_factory('other')), user='admin', status=404)
