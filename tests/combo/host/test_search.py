"""Search cell of the stand-in Combo: its HTML, its JSON API and its matching rules."""

import pytest
from combo.apps.search.engines import looks_like_phone_number, phone_digits
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def search(app, cell, query, **kwargs):
    return app.get(f'/api/search/{cell.pk}/', {'q': query}, **kwargs)


def found_names(response):
    return [user['name'] for user in response.json['data']]


@pytest.mark.parametrize(
    'written',
    ['0143250135', '01 43 25 01 35', '01.43.25.01.35', '01-43-25-01-35', '+33 1 43 25 01 35', '+33143250135'],
)
def test_profile_phone_in_any_format_is_found_by_national_digits(
    agent_app, search_cell_factory, directory_user_factory, written
):
    cell = search_cell_factory()
    directory_user_factory(phone=written)

    assert found_names(search(agent_app, cell, '0143250135')) == ['Jeanne Dupont']


@pytest.mark.parametrize('query', ['+33143250135', '+33 1 43 25 01 35', '0033143250135', '(01) 43.25.01.35'])
def test_international_or_punctuated_query_finds_national_profile_phone(
    agent_app, search_cell_factory, directory_user_factory, query
):
    cell = search_cell_factory()
    directory_user_factory(phone='0143250135')

    assert found_names(search(agent_app, cell, query)) == ['Jeanne Dupont']


def test_partial_number_finds_phones_containing_those_digits(
    agent_app, search_cell_factory, directory_user_factory
):
    cell = search_cell_factory()
    directory_user_factory(phone='+33 1 43 25 01 35')
    directory_user_factory(first_name='Paul', last_name='Durand', phone='06 12 34 56 78')

    assert found_names(search(agent_app, cell, '25 01 35')) == ['Jeanne Dupont']


def test_different_number_finds_nobody(agent_app, search_cell_factory, directory_user_factory):
    cell = search_cell_factory()
    directory_user_factory(phone='0143250135')

    assert search(agent_app, cell, '0143350135').json == {'err': 0, 'data': []}


def test_name_search_is_case_insensitive_on_first_last_and_full_name(
    agent_app, search_cell_factory, directory_user_factory
):
    cell = search_cell_factory()
    directory_user_factory()
    directory_user_factory(first_name='Paul', last_name='Durand', email='paul@example.net', phone='')

    assert found_names(search(agent_app, cell, 'dupont')) == ['Jeanne Dupont']
    assert found_names(search(agent_app, cell, 'JEANNE')) == ['Jeanne Dupont']
    assert found_names(search(agent_app, cell, 'jeanne dup')) == ['Jeanne Dupont']
    assert found_names(search(agent_app, cell, 'paul@example')) == ['Paul Durand']


def test_result_lists_user_details_and_open_requests(
    agent_app, search_cell_factory, directory_user_factory, open_request_factory
):
    cell = search_cell_factory()
    user = directory_user_factory()
    open_request_factory(user)
    open_request_factory(user, title='Signalement voirie', status='Nouveau', url='')

    response = search(agent_app, cell, '0143250135')

    assert response.headers['Cache-Control'] == 'no-store'
    assert response.json == {
        'err': 0,
        'data': [
            {
                'name': 'Jeanne Dupont',
                'phone': '01 43 25 01 35',
                'email': 'jeanne.dupont@example.net',
                'requests': [
                    {
                        'title': 'Demande de place en crèche',
                        'status': 'En cours de traitement',
                        'url': 'https://demarches.example.net/creche/12/',
                    },
                    {'title': 'Signalement voirie', 'status': 'Nouveau', 'url': ''},
                ],
            }
        ],
    }


def test_results_are_capped_at_twenty(agent_app, search_cell_factory, directory_user_factory):
    cell = search_cell_factory()
    for index in range(25):
        directory_user_factory(last_name=f'Martin {index:02d}', phone=f'01 43 25 00 {index:02d}')

    assert len(search(agent_app, cell, 'martin').json['data']) == 20


def test_blank_query_returns_no_result(agent_app, search_cell_factory, directory_user_factory):
    cell = search_cell_factory()
    directory_user_factory()

    assert search(agent_app, cell, '   ').json == {'err': 0, 'data': []}


def test_anonymous_visitor_cannot_search(app, search_cell_factory, directory_user_factory):
    cell = search_cell_factory(public=True)
    directory_user_factory()

    response = search(app, cell, '0143250135', status=403)

    assert response.json['err'] == 1
    assert 'Dupont' not in response.text


def test_user_who_cannot_see_the_cell_cannot_search(
    agent_app, search_cell_factory, directory_user_factory, group_factory
):
    cell = search_cell_factory(groups=[group_factory('Accueil')])
    directory_user_factory()

    response = search(agent_app, cell, 'dupont', status=403)

    assert response.json['err'] == 1


def test_unknown_search_cell_is_not_found(agent_app, page):
    agent_app.get('/api/search/999/', {'q': 'dupont'}, status=404)


def test_search_cell_renders_labelled_input_and_live_results_container(agent_app, search_cell_factory):
    cell = search_cell_factory(title='Recherche usager', input_placeholder='Nom ou téléphone')

    response = agent_app.get('/')

    root = response.html.select_one(f'div.cell.searchcell#{cell.get_reference()} .combo-search-cell')
    assert root['data-search-url'] == f'/api/search/{cell.pk}/'
    search_input = root.select_one(f'input#combo-search-input-{cell.pk}')
    assert (search_input['type'], search_input['name']) == ('search', 'q')
    assert search_input['autocomplete'] == 'off'
    assert search_input['placeholder'] == 'Nom ou téléphone'
    assert root.select_one(f'label[for=combo-search-input-{cell.pk}]').text.strip()
    assert root.select_one('.combo-search-results')['aria-live'] == 'polite'
    assert response.html.select('script[src="/static/combo/js/combo.search.js"]')


def test_search_script_is_found_by_staticfiles():
    assert finders.find('combo/js/combo.search.js')


@pytest.mark.parametrize(
    'written, digits',
    [
        ('01 43 25 01 35', '0143250135'),
        ('+33 1 43 25 01 35', '0143250135'),
        ('0033 1 43 25 01 35', '0143250135'),
        ('+33 (0)1 43 25 01 35', '0143250135'),
        ('+44 20 7946 0958', '442079460958'),
        ('', ''),
    ],
)
def test_phone_digits_turns_french_international_prefix_into_zero(written, digits):
    assert phone_digits(written) == digits


@pytest.mark.parametrize(
    'query, expected',
    [('0143', True), ('01 43', True), ('014', False), ('Dupont 01', False), ('+33 1', False)],
)
def test_only_queries_of_phone_characters_with_four_digits_are_phone_searches(query, expected):
    assert looks_like_phone_number(query) is expected
