"""The user search of the Combo stand-in follows Authentic's ``free_text_search``, and finds no more."""

import pytest

pytestmark = pytest.mark.django_db

PHONE = ('Téléphone', 'phone_number')


@pytest.fixture
def directory(citizen_factory):
    citizen_factory('camille', 'Camille', 'Martin', PHONE + ('+33143250135',))
    citizen_factory('jules', 'Jules', 'Moreau', ('Téléphone (ancien champ)', 'string', '01.43.25.01.36'))
    citizen_factory('paul', 'Paul', 'Martin', ('Téléphone fixe', 'fr_phone_number', '0240414243'))
    citizen_factory('lea', 'Léa', 'Dubois', PHONE + ('+33698765432',), ('Note', 'string', '0143250135'))


@pytest.fixture
def search(app, search_cell, user_factory):
    user_factory('agent', first_name='Agent')

    def search(query, **kwargs):
        return app.get(f'/api/search/{search_cell.pk}/', {'q': query}, user='agent', **kwargs)

    return search


def names(response):
    return [user['name'] for user in response.json['data']]


@pytest.mark.parametrize(
    'query, found',
    [
        # A number typed any way finds the phone number attribute only: Léa's note holding 0143250135 is left out.
        *[
            (query, ['Camille Martin'])
            for query in ('0143250135', '+33143250135', '01 43 25 01 35', '+33 1 43 25 01 35')
        ],
        # A legacy text field and partial numbers are found by no typed number.
        *[(query, []) for query in ('0143250136', '+33143250136', '01 43 25 01 36', '25 01 35', '0143')],
        ('01.43.25.01.36', ['Jules Moreau']),
        ('0240414243', ['Paul Martin']),
        ('+33240414243', []),
        ('martin', ['Camille Martin', 'Paul Martin']),
        ('LEA dubois', ['Léa Dubois']),
        ('mart', []),
        ('camil', ['Camille Martin']),
        ('paul@mairie', ['Paul Martin']),
    ],
)
def test_numbers_match_a_phone_number_attribute_any_way_typed_anything_else_as_written(
    directory, search, query, found
):
    assert names(search(query)) == found


def test_result_gives_name_email_and_profile_in_the_request_language(directory, search):
    assert search('0143250135').json == {
        'err': 0,
        'data': [
            {'name': 'Camille Martin', 'details': ['camille@mairie.example', 'Téléphone\u00a0: +33143250135']}
        ],
    }
    assert search('0143250135', headers={'Accept-Language': 'en'}).json['data'][0]['details'][1] == (
        'Téléphone: +33143250135'
    )
    assert search('0143250135').headers['Cache-Control'] == 'no-store'


def test_only_users_who_see_the_cell_may_search(app, directory, search_cell, user_factory, page_factory):
    app.get(f'/api/search/{search_cell.pk}/?q=martin', user=None, status=403)
    search_cell.groups.create(name='Accueil')
    user_factory('agent')

    assert app.get(f'/api/search/{search_cell.pk}/?q=martin', user='agent', status=403).json['err'] == 1
