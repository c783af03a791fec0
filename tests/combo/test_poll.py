"""The poll view: who may read which calls, and what the widget receives."""

import json

import pytest
from django.contrib.auth.models import Group

from tests.contracts import assert_valid

pytestmark = pytest.mark.django_db


def poll_url(cell):
    return f'/api/phone-call-cell/{cell.pk}/poll/'


def test_user_in_the_cell_roles_is_served(app, cell, user_factory, extension_factory, connector):
    cell.groups.add(Group.objects.create(name='Accueil téléphonique'))
    member = user_factory('member', groups=['Accueil téléphonique'])
    extension_factory(member, '42')
    app.set_user(member)

    response = app.get(poll_url(cell))

    assert response.json['err'] == 0
    assert response.json['data']['extension'] == '42'


def test_agent_without_extension_gets_empty_data_without_asking_the_connector(agent_app, cell, connector):
    response = agent_app.get(poll_url(cell))

    assert response.status_code == 200
    assert response.json == {
        'err': 0,
        'state': 'no_extension',
        'data': {'extension': None, 'current': [], 'recent': []},
    }
    assert connector.received == []


def test_poll_answer_is_never_stored_by_a_cache(agent_app, agent, cell, extension_factory):
    extension_factory(agent, '42')

    response = agent_app.get(poll_url(cell))

    cache_control = [part.strip() for part in response.headers['Cache-Control'].split(',')]
    assert 'no-store' in cache_control
    assert response.content_type == 'application/json'


def test_poll_asks_the_connector_for_the_agent_extension(
    agent_app, agent, cell, extension_factory, connector
):
    extension_factory(agent, '42')

    agent_app.get(poll_url(cell))

    assert len(connector.calls_received) == 1
    assert connector.calls_received[0].startswith('/phonecalls/ipbx/calls?')
    assert connector.last_params['callee'] == '42'
    assert connector.last_params['limit'] == '5'


def test_each_agent_reads_only_their_own_extension(
    app, cell, user_factory, extension_factory, connector, call_factory
):
    alice = user_factory('alice')
    bob = user_factory('bob')
    extension_factory(alice, '42')
    extension_factory(bob, '43')

    app.set_user(alice)
    alice_data = app.get(poll_url(cell)).json['data']
    alice_callee = connector.last_params['callee']
    app.set_user(bob)
    bob_data = app.get(poll_url(cell)).json['data']
    bob_callee = connector.last_params['callee']

    assert (alice_callee, alice_data['extension']) == ('42', '42')
    assert (bob_callee, bob_data['extension']) == ('43', '43')


def test_extension_in_the_query_string_is_ignored(agent_app, agent, cell, extension_factory, connector):
    extension_factory(agent, '42')

    response = agent_app.get(poll_url(cell) + '?extension=43&callee=43&limit=500')

    assert response.json['data']['extension'] == '42'
    assert connector.last_params['callee'] == '42'
    assert connector.last_params['limit'] == '5'


def test_extension_in_the_query_string_gives_nothing_to_an_agent_without_extension(
    agent_app, cell, connector
):
    response = agent_app.get(poll_url(cell) + '?extension=43')

    assert response.json['data']['extension'] is None
    assert connector.received == []


@pytest.fixture
def on_call(agent, extension_factory, connector, call_factory):
    """The agent (extension 42) is on a call; returns a function to set the connector's calls."""
    extension_factory(agent, '42')

    def set_calls(current=None, past=()):
        connector.current = [call_factory()] if current is None else list(current)
        connector.past = list(past)

    set_calls()
    return set_calls


def test_current_call_gives_national_digits_to_type_by_default(agent_app, cell, on_call):
    response = agent_app.get(poll_url(cell))

    assert response.json == {
        'err': 0,
        'state': 'ok',
        'data': {
            'extension': '42',
            'current': [
                {
                    'id': 17,
                    'kind': 'external',
                    'caller_display': '01 43 25 01 35',
                    'search_value': '0143250135',
                    'start': '2024-03-14T09:12:03+01:00',
                    'end': None,
                    'duration': None,
                    'on_call_with': None,
                    'transferred_from': None,
                }
            ],
            'recent': [],
        },
    }


def test_e164_format_types_the_international_number(agent_app, cell_factory, on_call):
    cell = cell_factory(search_value_format='e164')

    call = agent_app.get(poll_url(cell)).json['data']['current'][0]

    assert call['search_value'] == '+33143250135'
    assert call['caller_display'] == '01 43 25 01 35'


def test_raw_format_types_the_caller_as_the_phone_system_sent_it(
    agent_app, cell_factory, on_call, call_factory
):
    cell = cell_factory(search_value_format='raw')
    on_call([call_factory(caller='sip:0143250135@pbx.mairie.local')])

    call = agent_app.get(poll_url(cell)).json['data']['current'][0]

    assert call['search_value'] == 'sip:0143250135@pbx.mairie.local'


def test_foreign_caller_is_typed_in_e164_when_the_format_is_national(agent_app, cell, on_call, call_factory):
    on_call(
        [
            call_factory(
                caller='+442079460958',
                caller_e164='+442079460958',
                caller_national=None,
                caller_display='+44 20 7946 0958',
            )
        ]
    )

    call = agent_app.get(poll_url(cell)).json['data']['current'][0]

    assert (call['caller_display'], call['search_value']) == ('+44 20 7946 0958', '+442079460958')


WITHHELD = {'kind': 'withheld', 'caller': 'anonymous', 'caller_display': None, 'withheld': True}
INTERNAL = {'kind': 'internal', 'caller': '1234', 'caller_display': '1234'}
UNREADABLE = {'kind': 'unreadable', 'caller': '<img src=x onerror=alert(1)>', 'caller_display': '<img src=x>'}


@pytest.mark.parametrize('value_format', ['national', 'e164', 'raw'])
@pytest.mark.parametrize(
    'caller, display',
    [(WITHHELD, None), (INTERNAL, '1234'), (UNREADABLE, '<img src=x>')],
    ids=['withheld', 'internal', 'unreadable'],
)
def test_only_external_callers_are_typed(
    agent_app, cell_factory, on_call, call_factory, value_format, caller, display
):
    cell = cell_factory(search_value_format=value_format)
    on_call([call_factory(caller_e164=None, caller_national=None, **caller)])

    call = agent_app.get(poll_url(cell)).json['data']['current'][0]

    assert (call['kind'], call['caller_display'], call['search_value']) == (caller['kind'], display, None)


def test_external_caller_without_the_chosen_format_is_not_typed(
    agent_app, cell_factory, on_call, call_factory
):
    cell = cell_factory(search_value_format='e164')
    on_call([call_factory(caller_e164=None)])

    call = agent_app.get(poll_url(cell)).json['data']['current'][0]

    assert call['search_value'] is None


def test_a_kind_from_a_newer_connector_is_shown_as_text_and_never_typed(
    agent_app, cell, on_call, call_factory
):
    on_call([call_factory(kind='emergency', caller_display='112')])

    call = agent_app.get(poll_url(cell)).json['data']['current'][0]

    assert (call['kind'], call['caller_display'], call['search_value']) == ('unreadable', '112', None)


def test_recent_calls_list_ended_calls_newest_first_with_their_end_and_duration(
    agent_app, cell_factory, on_call, call_factory
):
    cell = cell_factory(recent_calls=2)
    on_call(
        current=[],
        past=[
            call_factory(id=16, end='2024-03-14T09:10:00+01:00', duration=120),
            call_factory(
                id=15,
                caller='0612345678',
                caller_e164='+33612345678',
                caller_national='0612345678',
                caller_display='06 12 34 56 78',
            ),
            call_factory(id=14),
        ],
    )

    data = agent_app.get(poll_url(cell)).json['data']

    assert data['current'] == []
    assert [call['id'] for call in data['recent']] == [16, 15]
    assert (data['recent'][0]['end'], data['recent'][0]['duration']) == ('2024-03-14T09:10:00+01:00', 120)
    assert (data['recent'][1]['search_value'], data['recent'][1]['caller_display']) == (
        '0612345678',
        '06 12 34 56 78',
    )


def test_no_recent_calls_lists_none_and_asks_nothing_for_the_agent_alone(
    agent_app, cell_factory, on_call, call_factory, connector
):
    cell = cell_factory(recent_calls=0)
    on_call(past=[call_factory(id=16, end='2024-03-14T09:10:00+01:00')])

    data = agent_app.get(poll_url(cell)).json['data']

    assert connector.calls_received == []
    assert data['recent'] == []
    assert len(data['current']) == 1


def test_only_the_widget_fields_are_passed_on(agent_app, cell, on_call, call_factory):
    on_call([call_factory(details={'agent_name': 'Martine'}, call_id='a84b4c76e66710@pc33')])

    answer = agent_app.get(poll_url(cell)).json

    # Contract B lists the widget's fields and no other: the details and the SIP call-id stay out.
    assert_valid('poll', answer)
    assert 'Martine' not in json.dumps(answer)
    assert 'a84b4c76e66710' not in json.dumps(answer)
