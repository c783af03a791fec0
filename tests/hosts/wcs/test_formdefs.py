"""The w.c.s. stand-in's signed ``/api/formdefs/``: who is answered, which forms, in which shape."""

import urllib.parse

import pytest
from passerelle.base.signature import sign_url

pytestmark = pytest.mark.django_db

ORIG, SECRET = 'combo.example.net', 'wcs-secret'


def formdefs_url(key=SECRET, orig=ORIG, **params):
    return sign_url('/api/formdefs/?' + urllib.parse.urlencode({**params, 'orig': orig}), key)


@pytest.fixture(autouse=True)
def agents(user_factory):
    user_factory('agent', groups=['Accueil'])
    user_factory('admin', is_superuser=True, is_staff=True)


def slugs(response):
    return [form['slug'] for form in response.json['data']]


def test_agent_named_by_email_gets_the_forms_of_their_roles_in_the_w_c_s_shape(app):
    response = app.get(formdefs_url(**{'backoffice-submission': 'on', 'email': 'agent@mairie.example'}))

    assert response.json['err'] == 0
    assert slugs(response) == ['cantine', 'voirie']
    assert response.json['data'][1] == {
        'title': 'Signalement voirie',
        'slug': 'voirie',
        'url': 'http://testserver/voirie/',
        'description': '',
        'keywords': [],
        'authentication_required': False,
        'always_advertise': False,
        'redirection': False,
        'functions': {},
        'backoffice_submission_url': 'http://testserver/backoffice/submission/voirie/',
        'category': 'Voirie',
        'category_slug': 'voirie',
    }


@pytest.mark.parametrize(
    'agent, found',
    [
        ({'NameID': 'agent'}, ['cantine', 'voirie']),
        ({}, []),
        ({'NameID': 'nobody'}, []),
        ({'NameID': 'admin'}, []),
    ],
    ids=['name-id', 'no-agent', 'unknown-name-id', 'administrator-without-role'],
)
def test_back_office_list_holds_only_the_forms_of_the_agent_roles(app, agent, found):
    assert slugs(app.get(formdefs_url(**{'backoffice-submission': 'on', **agent}))) == found


def test_without_back_office_flag_every_form_is_listed_without_submission_url(app):
    response = app.get(formdefs_url())

    assert slugs(response) == ['acte', 'cantine', 'urbanisme', 'voirie']
    assert all('backoffice_submission_url' not in form for form in response.json['data'])


@pytest.mark.parametrize(
    'make_url, message',
    [
        (lambda: '/api/formdefs/?backoffice-submission=on', 'User not authenticated.'),
        (lambda: formdefs_url(orig='other.example.net'), 'Invalid orig.'),
        (lambda: formdefs_url(key='wrong-secret'), 'Invalid signature.'),
        (lambda: formdefs_url(email='nobody@mairie.example'), 'Unknown email.'),
    ],
    ids=['unsigned', 'unknown-orig', 'wrong-secret', 'unknown-email'],
)
def test_refused_call_is_a_json_403(app, make_url, message):
    response = app.get(make_url(), headers={'Accept-Language': 'en'}, status=403)

    assert response.json == {
        'err': 1,
        'err_class': 'Access denied',
        'err_code': 'access-denied',
        'err_desc': message,
    }


def test_replayed_call_is_refused(app):
    url = formdefs_url()
    app.get(url)

    assert app.get(url, status=403).json['err_desc'] == 'Signature invalide.'
