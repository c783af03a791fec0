"""Back-office cell form of the stand-in Combo."""

import pytest

pytestmark = pytest.mark.django_db


def edit_url(cell):
    return f'/manage/pages/{cell.page.pk}/cell/{cell.get_reference()}/'


def cell_form(response, cell):
    return response.forms[f'combo-cell-form-{cell.get_reference()}']


def test_staff_sees_the_cell_type_form_filled_with_the_cell(app, user_factory, text_cell_factory):
    user_factory(username='admin', is_staff=True)
    cell = text_cell_factory(text='Horaires : 9h-17h')

    form = cell_form(app.get(edit_url(cell), user='admin'), cell)

    assert list(form.fields) == ['csrfmiddlewaretoken', 'text', None]
    assert form['text'].value == 'Horaires : 9h-17h'


def test_staff_saves_the_cell_form_and_comes_back_to_it(app, user_factory, search_cell_factory):
    user_factory(username='admin', is_staff=True)
    cell = search_cell_factory()
    form = cell_form(app.get(edit_url(cell), user='admin'), cell)
    form['title'] = 'Recherche usager'
    form['input_placeholder'] = 'Nom, courriel ou téléphone'

    response = form.submit()

    assert response.status_code == 302
    assert response.location == edit_url(cell)
    cell.refresh_from_db()
    assert (cell.title, cell.input_placeholder) == ('Recherche usager', 'Nom, courriel ou téléphone')


def test_non_staff_user_is_sent_to_login_instead_of_the_form(app, agent, text_cell_factory):
    cell = text_cell_factory()

    response = app.get(edit_url(cell), user='agent')

    assert response.status_code == 302
    assert response.location.startswith('/login/?next=')


def test_non_staff_user_cannot_post_the_form(django_app_factory, agent, text_cell_factory):
    # Without CSRF checks, so that the refusal comes from the staff check itself.
    app = django_app_factory(csrf_checks=False)
    cell = text_cell_factory(text='Unchanged')

    response = app.post(edit_url(cell), {'text': 'Defaced'}, user='agent')

    assert response.location.startswith('/login/?next=')

    cell.refresh_from_db()
    assert cell.text == 'Unchanged'


def test_cell_reference_of_another_page_is_not_found(app, user_factory, page_factory, text_cell_factory):
    user_factory(username='admin', is_staff=True)
    cell = text_cell_factory()
    other_page = page_factory(slug='other')

    app.get(f'/manage/pages/{other_page.pk}/cell/{cell.get_reference()}/', user='admin', status=404)


def test_unknown_cell_type_is_not_found(app, user_factory, page):
    user_factory(username='admin', is_staff=True)

    app.get(f'/manage/pages/{page.pk}/cell/search_nosuchcell-1/', user='admin', status=404)
