"""The search cell's script in Chromium: the cell's DOM, events that search, untrusted text kept as text."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE = '<img src=x onerror="window.hostile = 1">'


@pytest.fixture
def directory(citizen_factory, user_factory):
    citizen_factory('hostile', HOSTILE, 'Martin', ('<b>Téléphone</b>', 'phone_number', '+33143250135'))
    user_factory('agent', password='agent')


def test_typing_a_number_searches_once_and_shows_profiles_as_text(
    live_server, search_cell, directory, browser_page
):
    page = browser_page
    page.goto(f'{live_server.url}/login/?next=/')
    page.fill('input[name=username]', 'agent')
    page.fill('input[name=password]', 'agent')
    page.click('form button')
    searches = []
    page.on('request', lambda request: '/api/search/' in request.url and searches.append(request.url))

    page.type('div.cell.search-cell.searchcell input[type=search][name=q]', '0143250135', delay=20)

    page.wait_for_selector('.combo-search-results .combo-search-user')
    assert page.locator('.combo-search-user-name').text_content() == HOSTILE + ' Martin'
    assert (
        page.locator('.combo-search-user-detail').all_text_contents()[1]
        == '<b>Téléphone</b>\u00a0: +33143250135'
    )
    assert page.evaluate('window.hostile') is None
    assert searches == [f'{live_server.url}/api/search/{search_cell.pk}/?q=0143250135']
