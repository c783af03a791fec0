"""The w.c.s. forms offered during a call (the forms view): the agent's own, signed, cached, failing quietly."""

import logging
import urllib.parse

import pytest

from tests.combo.support import FakeWcs, publik_signature_is_valid

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(user_factory):
    """The agent, known to w.c.s. by their email, in the role that may submit two forms in back office."""
    return user_factory('agent', email='agent@ville.example')


@pytest.fixture
def offered(agent_app):
    """The forms view's answer for ``cell``, as the agent."""

    def get(cell, status=200):
        response = agent_app.get(f'/api/phone-call-cell/{cell.pk}/forms/', status=status)
        assert response.content_type == 'application/json'
        assert 'no-store' in response.headers['Cache-Control']
        return response.json

    return get


def logged(caplog):
    return '\n'.join(
        record.getMessage() for record in caplog.records if record.name.startswith('combo_phone_cell')
    )


def test_a_cell_offers_no_form_by_default_and_asks_nothing(offered, cell, fake_wcs):
    assert offered(cell) == {'err': 0, 'data': []}
    assert fake_wcs.received == []


def test_the_agent_is_offered_the_forms_they_may_submit_in_back_office(offered, cell_factory, fake_wcs):
    cell = cell_factory(forms_offer='all')

    answer = offered(cell)

    assert answer == {
        'err': 0,
        'data': [
            {
                'title': 'Signalement voirie',
                'url': f'{fake_wcs.url}backoffice/submission/signalement-voirie/',
                'category': 'Voirie',
            },
            {
                'title': 'Demande de rappel',
                'url': f'{fake_wcs.url}backoffice/submission/demande-de-rappel/',
                'category': None,
            },
        ],
    }


def test_the_listing_is_signed_and_names_the_agent(offered, cell_factory, fake_wcs):
    offered(cell_factory(forms_offer='all'))

    query = fake_wcs.received[0]
    params = dict(urllib.parse.parse_qsl(query))
    assert publik_signature_is_valid(query, fake_wcs.secret)
    assert (params['backoffice-submission'], params['email'], params['orig']) == (
        'on',
        'agent@ville.example',
        'combo.ville.example',
    )


def test_chosen_forms_are_those_chosen_that_the_agent_may_submit(offered, cell_factory, fake_wcs):
    cell = cell_factory(
        forms_offer='chosen',
        chosen_forms=[
            f'{fake_wcs.url}backoffice/submission/demande-de-rappel/',
            f'{fake_wcs.url}backoffice/submission/inscription-cantine/',
        ],
    )

    assert [form['title'] for form in offered(cell)['data']] == ['Demande de rappel']


def test_an_agent_unknown_to_wcs_is_offered_nothing(app, user_factory, cell_factory, fake_wcs):
    app.set_user(user_factory('stranger', email='stranger@ville.example'))
    cell = cell_factory(forms_offer='all')

    assert app.get(f'/api/phone-call-cell/{cell.pk}/forms/').json == {'err': 0, 'data': []}


@pytest.mark.parametrize(
    'failure, logged_reason',
    [
        ('wrong secret', 'api/formdefs/: HTTP status 403 (signature refused?)'),
        ('garbage', 'not a formdefs answer'),
        ('error', 'HTTP status 500'),
        ('down', 'unreachable'),
    ],
)
def test_a_failing_wcs_offers_nothing_says_why_in_the_log_and_the_poll_still_works(
    offered,
    agent_app,
    agent,
    extension_factory,
    cell_factory,
    fake_wcs,
    settings,
    closed_port_url,
    caplog,
    failure,
    logged_reason,
):
    if failure == 'wrong secret':
        settings.KNOWN_SERVICES = {'wcs': {'demarches': fake_wcs.service(secret='not-the-shared-secret')}}
    elif failure == 'down':
        down = {**fake_wcs.service(), 'url': closed_port_url.replace('/phonecalls/ipbx/', '/')}
        settings.KNOWN_SERVICES = {**settings.KNOWN_SERVICES, 'wcs': {'demarches': down}}
    else:
        fake_wcs.behaviour = failure
    extension_factory(agent, '42')
    cell = cell_factory(forms_offer='all')

    with caplog.at_level(logging.WARNING, logger='combo_phone_cell'):
        answer = offered(cell)
    poll = agent_app.get(f'/api/phone-call-cell/{cell.pk}/poll/').json

    assert answer == {'err': 0, 'data': []}
    assert logged_reason in logged(caplog)
    assert 'signature=' not in logged(caplog) and 'agent@ville.example' not in logged(caplog)
    assert poll['state'] == 'ok'


def test_the_poll_never_asks_wcs(
    agent_app, agent, extension_factory, cell_factory, fake_wcs, call_factory, connector
):
    extension_factory(agent, '42')
    connector.current = [call_factory()]
    cell = cell_factory(forms_offer='all')

    agent_app.get(f'/api/phone-call-cell/{cell.pk}/poll/')
    agent_app.get('/')

    assert fake_wcs.received == []


def test_a_failing_wcs_leaves_the_forms_of_the_others(offered, cell_factory, fake_wcs, settings):
    other = FakeWcs(secret='other-secret')
    other.start()
    other.behaviour = 'garbage'
    settings.KNOWN_SERVICES = {'wcs': {'demarches': fake_wcs.service(), 'autre': other.service()}}
    try:
        titles = [form['title'] for form in offered(cell_factory(forms_offer='all'))['data']]
    finally:
        other.stop()

    assert titles == ['Signalement voirie', 'Demande de rappel']
    assert len(other.received) == 1


def test_listings_are_cached_briefly_and_failures_are_not(offered, cell_factory, fake_wcs):
    cell = cell_factory(forms_offer='all')
    fake_wcs.behaviour = 'garbage'
    offered(cell)
    fake_wcs.behaviour = 'ok'

    first = offered(cell)
    second = offered(cell)

    assert first == second and len(first['data']) == 2
    assert len(fake_wcs.received) == 2


def test_each_agent_has_their_own_cached_listing(app, user_factory, cell_factory, fake_wcs):
    cell = cell_factory(forms_offer='all')
    fake_wcs.users['voirie@ville.example'] = []
    app.set_user(user_factory('agent', email='agent@ville.example'))
    assert len(app.get(f'/api/phone-call-cell/{cell.pk}/forms/').json['data']) == 2

    app.set_user(user_factory('voirie', email='voirie@ville.example'))

    assert app.get(f'/api/phone-call-cell/{cell.pk}/forms/').json['data'] == []
