"""The administrator's "Test the connection": the poll's own request, each step explained in plain words."""

import json

import pytest

from combo_phone_cell.forms import server_of
from tests.combo.support import FakeConnector

pytestmark = pytest.mark.django_db

# A CSRF secret as Django keeps it in the cookie; the same value is accepted in the form.
CSRF_TOKEN = 'Hq3mHPwv5SqgW6SExZLoqyyCWaTzR2Fa'


@pytest.fixture
def run_check(app, admin_user):
    """POST the settings form's values to the cell's check view as the staff user; returns the JSON answer."""

    def do_check(cell, status=200, user=None, **fields):
        app.set_user(user or admin_user)
        app.set_cookie('csrftoken', CSRF_TOKEN)
        values = {'connector_url': cell.connector_url, 'csrfmiddlewaretoken': CSRF_TOKEN}
        values.setdefault('phone_call_check_extension', '42')
        values.update(fields)
        response = app.post(
            f'/api/phone-call-cell/{cell.pk}/check/', values, headers={'Accept-Language': 'en'}, status=status
        )
        return response.json

    return do_check


def steps(answer):
    return {step['step']: (step['status'], step['text']) for step in answer['steps']}


def test_working_signed_connection_reports_every_step_and_the_calls(
    run_check, cell, connector, known_passerelle, call_factory
):
    connector.current = [call_factory()]
    connector.past = [call_factory(id=3, end='2024-03-14T09:00:00+01:00'), call_factory(id=2)]

    answer = run_check(cell)

    assert answer['ok'] is True
    assert [step['status'] for step in answer['steps']] == ['ok'] * 7
    port = connector.server.server_address[1]
    assert steps(answer)['url'][1] == f'The URL is read: server 127.0.0.1:{port}, connector « ipbx ».'
    assert steps(answer)['credentials'][1] == (
        'The URL is on the known Passerelle service « Passerelle »: the request is signed as « combo.ville.example ».'
    )
    assert steps(answer)['access'][1] == 'Access granted to the signed request of « combo.ville.example ».'
    assert steps(answer)['calls'][1] == 'Extension 42: 1 call in progress, 2 recent calls.'


def test_the_test_sends_the_request_an_agent_s_poll_sends(
    run_check, agent_app, agent, extension_factory, cell, connector, known_passerelle
):
    extension_factory(agent, '42')
    agent_app.get(f'/api/phone-call-cell/{cell.pk}/poll/')
    polled = connector.received[-1]

    run_check(cell)

    def shape(path):
        path, _sep, query = path.partition('?')
        names = [pair.split('=')[0] for pair in query.split('&')]
        return (
            path,
            names,
            [pair for pair in query.split('&') if pair.split('=')[0] in ('callee', 'limit', 'orig')],
        )

    assert shape(connector.received[-1]) == shape(polled)


def test_extension_defaults_to_the_administrator_s_own(
    run_check, admin_user, extension_factory, cell, connector
):
    extension_factory(admin_user, '4210')

    run_check(cell, phone_call_check_extension='')

    assert connector.last_params['callee'] == '4210'


def test_without_any_extension_the_test_says_what_it_could_not_try(run_check, cell, connector):
    answer = run_check(cell, phone_call_check_extension='')

    assert (answer['ok'], answer['state']) == (False, 'incomplete')
    assert 'error' not in [step['status'] for step in answer['steps']]
    assert steps(answer)['answers'][0] == 'skipped'
    assert 'need an extension' in steps(answer)['answers'][1]
    assert connector.received == []


def test_connector_port_closed_says_nothing_answers_there(run_check, cell_factory, closed_port_url):
    cell = cell_factory(connector_url=closed_port_url, api_key='abcdef')
    port = closed_port_url.split(':')[2].split('/')[0]

    answer = run_check(cell)

    assert answer['ok'] is False
    assert steps(answer)['answers'] == (
        'error',
        f'Nothing answers at 127.0.0.1:{port}: the connection failed. Check the server name and the port in the '
        'URL, and that Passerelle is running and reachable from Combo.',
    )
    assert steps(answer)['exists'] == ('skipped', '')


def test_wrong_slug_says_there_is_no_such_connector(run_check, cell_factory, connector, known_passerelle):
    cell = cell_factory(connector_url=connector.base_url.replace('/ipbx/', '/ipbx-old/'))

    answer = run_check(cell)

    assert steps(answer)['answers'][0] == 'ok'
    assert steps(answer)['exists'] == (
        'error',
        'Passerelle has no phonecalls connector « ipbx-old » at this address (HTTP 404). Check the identifier at '
        "the end of the URL against the connector's page in Passerelle.",
    )


@pytest.mark.parametrize('behaviour', ['html', 'huge'])
def test_a_server_that_is_not_a_phonecalls_connector_is_named_so(
    run_check, cell, connector, known_passerelle, behaviour
):
    connector.behaviour = behaviour

    answer = run_check(cell)

    assert steps(answer)['phonecalls'] == (
        'error',
        'The server answers, but not as a phonecalls connector. Check that the URL is the address of a phonecalls '
        'connector, as shown on its page in Passerelle: …/phonecalls/<identifier>/.',
    )


def refuse(connector):
    connector.behaviour = 'status'
    connector.status = 403


def test_unsigned_request_without_key_warns_then_explains_the_refusal(run_check, cell, connector):
    refuse(connector)

    answer = run_check(cell)

    assert steps(answer)['credentials'][0] == 'warning'
    assert steps(answer)['credentials'][1].startswith(
        'The URL is not on a known Passerelle service and no API key'
    )
    assert steps(answer)['exists'][0] == 'ok'
    assert steps(answer)['access'] == (
        'error',
        'Passerelle refused the request, which carried neither signature nor key (HTTP 403). Use the address of a '
        'known Passerelle service so that the request is signed, or set the API key of an API user granted access '
        'to this connector.',
    )


def test_refused_key_says_what_to_check_in_passerelle(run_check, cell_factory, connector):
    cell = cell_factory(api_key='wrong-key')
    refuse(connector)

    answer = run_check(cell)

    assert steps(answer)['credentials'] == (
        'ok',
        'The URL is not on a known Passerelle service: the request carries the API key.',
    )
    assert steps(answer)['access'][1].startswith(
        'Passerelle refused the API key (HTTP 403): no API user has this key'
    )


def test_refused_signature_names_the_api_user_to_create_or_grant(
    run_check, cell, connector, known_passerelle
):
    refuse(connector)

    answer = run_check(cell)

    assert steps(answer)['access'][1].startswith(
        'Passerelle refused the request signed as « combo.ville.example » (HTTP 403). In Passerelle, an API user of '
        'key type signature must be named « combo.ville.example »'
    )


def test_connector_too_old_for_the_cell_is_named_so(run_check, cell, connector, call_factory):
    call = call_factory()
    del call['kind']
    connector.current = [call]

    answer = run_check(cell, api_key='abcdef')

    assert steps(answer)['phonecalls'][0] == 'error'
    assert 'too old for this cell' in steps(answer)['phonecalls'][1]


def test_the_url_typed_in_the_form_is_tested_before_it_is_saved(run_check, cell_factory, connector):
    cell = cell_factory(connector_url='https://ancienne.example/phonecalls/ipbx/')

    answer = run_check(cell, connector_url=connector.base_url, api_key='abcdef')

    assert connector.last_params['apikey'] == 'abcdef'
    assert answer['ok'] is True
    cell.refresh_from_db()
    assert (cell.connector_url, cell.api_key) == ('https://ancienne.example/phonecalls/ipbx/', '')


def test_the_saved_key_is_used_when_the_key_field_is_left_empty(run_check, cell_factory, connector):
    cell = cell_factory(api_key='saved-key')

    run_check(cell, api_key='')

    assert connector.last_params['apikey'] == 'saved-key'


@pytest.fixture
def other_server():
    """Another server on 127.0.0.1 (another port, so another host for a key), as anyone could run."""
    fake = FakeConnector()
    fake.start()
    yield fake
    fake.stop()


def test_the_saved_key_is_never_sent_to_another_server(run_check, cell_factory, connector, other_server):
    cell = cell_factory(api_key='saved-key')

    answer = run_check(cell, connector_url=other_server.base_url, api_key='')

    assert other_server.received == []
    assert connector.received == []
    assert answer['state'] == 'failed'
    assert steps(answer)['credentials'][0] == 'error'
    assert 'Type the API key again' in steps(answer)['credentials'][1]
    assert 'saved-key' not in json.dumps(answer)


def test_a_key_typed_again_is_sent_to_the_other_server(run_check, cell_factory, other_server):
    cell = cell_factory(api_key='saved-key')

    answer = run_check(cell, connector_url=other_server.base_url, api_key='typed-key')

    assert other_server.last_params['apikey'] == 'typed-key'
    assert answer['ok'] is True


def test_the_saved_key_goes_to_another_connector_of_the_saved_server(run_check, cell_factory, connector):
    cell = cell_factory(api_key='saved-key', connector_url=connector.base_url.replace('/ipbx/', '/ancien/'))

    run_check(cell, connector_url=connector.base_url, api_key='')

    assert connector.last_params['apikey'] == 'saved-key'


@pytest.mark.parametrize(
    'url, other, same',
    [
        ('https://passerelle.example/phonecalls/a/', 'https://PASSERELLE.example:443/phonecalls/b/', True),
        ('http://passerelle.example/phonecalls/a/', 'http://passerelle.example:80/x/', True),
        ('https://passerelle.example/phonecalls/a/', 'http://passerelle.example/phonecalls/a/', False),
        ('http://127.0.0.1:8000/phonecalls/a/', 'http://127.0.0.1:8001/phonecalls/a/', False),
        ('https://passerelle.example/', 'https://passerelle.example.evil/', False),
    ],
)
def test_a_server_is_its_scheme_host_and_port(url, other, same):
    assert (server_of(url) == server_of(other)) is same


def test_a_signature_goes_only_to_a_known_service(run_check, cell, known_passerelle, other_server):
    answer = run_check(cell, connector_url=other_server.base_url)

    assert other_server.received
    assert not {'signature', 'orig', 'nonce'} & set(other_server.last_params)
    assert steps(answer)['credentials'][0] == 'warning'


def test_a_key_typed_for_a_known_service_is_reported_unused(run_check, cell, connector, known_passerelle):
    answer = run_check(cell, api_key='typed-key')

    assert 'apikey' not in connector.last_params
    assert 'signature' in connector.last_params
    assert steps(answer)['credentials'][0] == 'warning'
    assert 'The API key is not used' in steps(answer)['credentials'][1]


@pytest.mark.parametrize('behaviour', ['err', 'status'])
def test_the_report_never_repeats_what_the_remote_server_wrote(run_check, cell, connector, behaviour):
    connector.behaviour, connector.status = behaviour, 400

    answer = run_check(cell, api_key='abcdef')

    assert answer['state'] == 'failed'
    text = json.dumps(answer)
    assert 'callee is not a valid extension' not in text
    assert 'boom' not in text
    assert 'HTTP' in steps(answer)['calls'][1]


def test_an_invalid_url_is_refused_with_the_form_s_words(run_check, cell, connector):
    answer = run_check(cell, connector_url='passerelle.example/phonecalls/ipbx/')

    assert steps(answer)['url'] == ('error', 'Enter an http:// or https:// URL.')
    assert connector.received == []


def test_only_administrators_may_test(run_check, cell, agent, connector):
    answer = run_check(cell, status=403, user=agent)

    assert answer['err'] == 1
    assert connector.received == []


def test_test_needs_a_post(app, admin_user, cell):
    app.set_user(admin_user)

    assert app.get(f'/api/phone-call-cell/{cell.pk}/check/', status=405).json['err'] == 1
