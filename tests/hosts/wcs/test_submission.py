"""The w.c.s. stand-in's back-office submission page shows what it received, as text."""

import pytest

pytestmark = pytest.mark.django_db

URL = '/backoffice/submission/voirie/'


@pytest.fixture
def agent(user_factory):
    return user_factory('agent', groups=['Accueil'])


@pytest.fixture(autouse=True)
def portal(settings):
    settings.KNOWN_SERVICES = {
        'combo': {'portal': {'url': 'https://portal.example.net/', 'title': 'Portail'}}
    }


def test_page_shows_the_form_the_phone_channel_the_caller_and_the_way_back(app, agent):
    params = {
        'channel': 'phone',
        'caller': '<b>0143250135</b>',
        'ReturnURL': 'https://portal.example.net/accueil/?q=1',
        'cancelurl': 'x',
    }

    response = app.get(URL, params, user='agent')

    assert response.html.select_one('#appbar h2').text == 'Signalement voirie'
    assert response.html.select_one('.wcs-channel').text == 'Téléphone'
    assert response.html.select_one('.wcs-caller').text == '<b>0143250135</b>'
    assert response.html.select_one('a.wcs-return')['href'] == 'https://portal.example.net/accueil/?q=1'


@pytest.mark.parametrize(
    'return_url',
    ['https://portal.example.net/', 'https://portal.example.net:443/accueil/', 'http://testserver/agents/'],
    ids=['portal', 'portal-with-port', 'this-site'],
)
def test_the_way_back_leads_to_the_portal(app, agent, return_url):
    response = app.get(URL, {'channel': 'phone', 'ReturnURL': return_url}, user='agent')
    assert response.html.select_one('a.wcs-return')['href'] == return_url


@pytest.mark.parametrize(
    'return_url',
    [
        'https://evil.example/',
        'https://portal.example.net.evil.example/',
        'https://portal.example.net@evil.example/',
        'https://evil@portal.example.net/',
        'http://portal.example.net/',
        '//evil.example/',
        'https://portal.example.net:notaport/',
        'javascript:alert(1)',
    ],
    ids=[
        'other-site',
        'suffix',
        'user-info',
        'user-info-on-portal',
        'other-port',
        'no-scheme',
        'bad-port',
        'script',
    ],
)
def test_the_way_back_to_anywhere_else_is_dropped(app, agent, return_url):
    response = app.get(URL, {'channel': 'phone', 'ReturnURL': return_url}, user='agent')
    assert response.html.select('a.wcs-return') == []


@pytest.mark.parametrize(
    'params',
    [
        {'channel': 'mail', 'caller': '0143250135', 'ReturnURL': 'javascript:alert(1)'},
        {'caller': '0143250135'},
    ],
    ids=['other-channel', 'no-channel'],
)
def test_caller_is_kept_on_the_phone_channel_only_and_only_web_links_go_back(app, agent, params):
    response = app.get(URL, params, user='agent')

    assert response.html.select('.wcs-caller') == []
    assert response.html.select('a.wcs-return') == []


def test_anonymous_visitor_logs_in_first_and_an_agent_without_the_role_is_refused(app, agent, user_factory):
    user_factory('outsider', groups=['Urbanisme'])

    assert app.get(URL, user=None).location.startswith('/login/?next=')
    app.get(URL, user='outsider', status=403)
    app.get('/backoffice/submission/nowhere/', user='agent', status=404)
