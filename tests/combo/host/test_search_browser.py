"""The search cell's script in Chromium: live search, debounce, untrusted text kept as text."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE_NAME = '<img src=x onerror="window.hostileRan = 1">'


@pytest.fixture
def search_page(page, agent, search_cell_factory, directory_user_factory, open_request_factory):
    """A portal page with a search cell and two directory users, one with hostile data."""
    cell = search_cell_factory()
    jeanne = directory_user_factory(phone='+33 1 43 25 01 35')
    open_request_factory(jeanne)
    hostile = directory_user_factory(
        first_name=HOSTILE_NAME, last_name='<b>Dupond</b>', email='x@example.net', phone='06 12 34 56 78'
    )
    open_request_factory(hostile, title='<script>window.hostileRan = 2</script>', url='javascript:alert(1)')
    return cell


def search_requests(browser_page):
    urls = []
    browser_page.on('request', lambda request: '/api/search/' in request.url and urls.append(request.url))
    return urls


def test_typing_a_number_shows_the_matching_user_and_requests(
    live_server, search_page, browser_page, browser_log_in
):
    browser_log_in(browser_page)
    requested = search_requests(browser_page)

    browser_page.type(f'#combo-search-input-{search_page.pk}', '0143250135', delay=30)

    browser_page.wait_for_selector('.combo-search-user')
    assert browser_page.locator('.combo-search-user-name').all_text_contents() == ['Jeanne Dupont']
    assert browser_page.locator('.combo-search-request-title').get_attribute('href') == (
        'https://demarches.example.net/creche/12/'
    )
    assert browser_page.locator('.combo-search-request-status').text_content() == 'En cours de traitement'
    # Debounced: one request for the whole number typed quickly.
    assert requested == [f'{live_server.url}/api/search/{search_page.pk}/?q=0143250135']


def test_hostile_strings_are_shown_as_text_never_run(live_server, search_page, browser_page, browser_log_in):
    browser_log_in(browser_page)

    browser_page.fill(f'#combo-search-input-{search_page.pk}', '06 12 34')

    browser_page.wait_for_selector('.combo-search-user')
    assert browser_page.locator('.combo-search-user-name').text_content() == HOSTILE_NAME + ' <b>Dupond</b>'
    assert browser_page.locator('.combo-search-results img, .combo-search-results b').count() == 0
    assert browser_page.locator('.combo-search-results a').count() == 0
    assert browser_page.evaluate('window.hostileRan') is None


def test_query_in_page_url_is_searched_on_load(live_server, search_page, browser_page, browser_log_in):
    browser_log_in(browser_page)

    browser_page.goto(f'{live_server.url}/?q=%2B33143250135')

    browser_page.wait_for_selector('.combo-search-user')
    assert browser_page.input_value(f'#combo-search-input-{search_page.pk}') == '+33143250135'
    assert browser_page.locator('.combo-search-user-name').all_text_contents() == ['Jeanne Dupont']


def test_emptying_the_input_clears_the_results(live_server, search_page, browser_page, browser_log_in):
    browser_log_in(browser_page)
    selector = f'#combo-search-input-{search_page.pk}'
    browser_page.fill(selector, 'dupont')
    browser_page.wait_for_selector('.combo-search-user')

    browser_page.fill(selector, '')

    browser_page.wait_for_selector('.combo-search-user', state='detached')
    assert browser_page.locator('.combo-search-results').inner_html() == ''


def test_unknown_number_says_no_user_matches(live_server, search_page, browser_page, browser_log_in):
    browser_log_in(browser_page)

    browser_page.fill(f'#combo-search-input-{search_page.pk}', '0999999999')

    assert browser_page.wait_for_selector('.combo-search-no-result').text_content()
