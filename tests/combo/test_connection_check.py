"""The administrator's "Test the connection": the poll's own request, each step explained in plain words."""

import json

import pytest

from combo_phone_cell.forms import server_of
from tests.combo.support import FakeConnector, connector_call

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


def break_link(failure, request, connector):
    """Set up ``failure``; return the cell's fields (the fake connector fails as told)."""
    known = failure in ('wrong slug', 'html page', 'huge answer', 'signature refused')
    if known:
        request.getfixturevalue('known_passerelle')
    if failure == 'timeout':
        request.getfixturevalue('short_timeout')
    if failure == 'too old':
        connector.current = [{key: value for key, value in connector_call().items() if key != 'kind'}]
    behaviours = {'timeout': 'slow', 'server error': 'status', 'html page': 'html', 'huge answer': 'huge'}
    connector.behaviour = behaviours.get(failure, 'ok')
    if failure.endswith('refused'):
        connector.behaviour, connector.status = 'status', 403
    if failure == 'port closed':
        return {'connector_url': request.getfixturevalue('closed_port_url'), 'api_key': 'abcdef'}
    if failure == 'wrong slug':
        return {'connector_url': connector.base_url.replace('/ipbx/', '/ipbx-old/')}
    if known or failure == 'unsigned refused':
        return {}
    return {'api_key': 'wrong-key' if failure == 'key refused' else 'abcdef'}


@pytest.mark.parametrize(
    'failure, step, explanation',
    [
        (
            'port closed',
            'answers',
            'Nothing answers at 127.0.0.1:{port}: the connection failed. Check the server',
        ),
        ('timeout', 'answers', 'No answer from 127.0.0.1:{port} within 0.5 seconds.'),
        ('server error', 'answers', 'The server 127.0.0.1:{port} answered with an internal error (HTTP 500)'),
        (
            'wrong slug',
            'exists',
            'Passerelle has no phonecalls connector « ipbx-old » at this address (HTTP 404).',
        ),
        (
            'html page',
            'phonecalls',
            'The server answers, but not as a phonecalls connector. Check that the URL',
        ),
        ('huge answer', 'phonecalls', 'The server answers, but not as a phonecalls connector.'),
        ('too old', 'phonecalls', 'The phonecalls connector answers, but is too old for this cell'),
        (
            'unsigned refused',
            'access',
            'Passerelle refused the request, which carried neither signature nor key',
        ),
        ('key refused', 'access', 'Passerelle refused the API key (HTTP 403): no API user has this key'),
        (
            'signature refused',
            'access',
            'Passerelle refused the request signed as « combo.ville.example » (HTTP 403)',
        ),
    ],
)
def test_each_failure_is_explained_at_its_step_and_the_steps_after_it_are_not_tried(
    request, run_check, cell_factory, connector, failure, step, explanation
):
    fields = break_link(failure, request, connector)
    port = fields.get('connector_url', connector.base_url).split(':')[2].split('/')[0]

    answer = run_check(cell_factory(**fields))

    assert (answer['ok'], answer['state'], steps(answer)[step][0]) == (False, 'failed', 'error')
    assert steps(answer)[step][1].startswith(explanation.format(port=port)), steps(answer)[step][1]
    names = [item['step'] for item in answer['steps']]
    assert {steps(answer)[name] for name in names[names.index(step) + 1 :]} == {('skipped', '')}


def test_the_url_typed_in_the_form_is_tested_before_it_is_saved(run_check, cell_factory, connector):
    cell = cell_factory(connector_url='https://ancienne.example/phonecalls/ipbx/')

    answer = run_check(cell, connector_url=connector.base_url, api_key='abcdef')

    assert connector.last_params['apikey'] == 'abcdef'
    assert answer['ok'] is True
    assert steps(answer)['credentials'] == (
        'ok',
        'The URL is not on a known Passerelle service: the request carries the API key.',
    )
    cell.refresh_from_db()
    assert (cell.connector_url, cell.api_key) == ('https://ancienne.example/phonecalls/ipbx/', '')


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


@pytest.mark.parametrize(
    'tested, typed, sent',
    [
        ('saved', '', 'saved-key'),
        ('other connector', '', 'saved-key'),
        ('other server', 'typed-key', 'typed-key'),
    ],
)
def test_the_key_sent_is_the_typed_one_else_the_saved_one_on_the_saved_server(
    run_check, cell_factory, connector, other_server, tested, typed, sent
):
    saved_url = connector.base_url.replace('/ipbx/', '/ancien/') if tested == 'other connector' else None
    cell = cell_factory(api_key='saved-key', **({'connector_url': saved_url} if saved_url else {}))
    target = other_server if tested == 'other server' else connector

    answer = run_check(cell, connector_url=target.base_url, api_key=typed)

    assert target.last_params['apikey'] == sent
    assert answer['ok'] is True


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
