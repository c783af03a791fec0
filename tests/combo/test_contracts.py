"""Contract B: every answer of the poll view is valid against ``docs/contracts/poll.schema.json``.

The connector's answer is contract A's example (written by the connector's
tests from real webhooks); what the poll view makes of it is contract B's
example ``docs/contracts/examples/poll.json``, which the widget harness plays.
"""

import datetime

import pytest

from tests.contracts import EXAMPLE_NOW, assert_valid, check_example, load_example

pytestmark = pytest.mark.django_db


def poll(app, cell, status=200):
    return app.get(f'/api/phone-call-cell/{cell.pk}/poll/', status=status).json


def test_the_example_of_the_connector_is_polled_as_the_example_of_the_widget(
    agent_app, agent, cell, extension_factory, connector
):
    example = load_example('calls')['data']
    connector.current, connector.past = example['current'], example['past']
    extension_factory(agent, '43')

    answer = poll(agent_app, cell)

    assert_valid('poll', answer)
    [colleague] = answer['data']['current']
    assert colleague['on_call_with'] == {'caller_display': '01 43 25 01 35', 'search_value': '0143250135'}
    assert [call['search_value'] for call in answer['data']['recent']] == [
        '0155667788',
        '0612345678',
        None,
        None,
    ]
    check_example('poll', answer)


@pytest.mark.parametrize(
    'set_up, status, state',
    [
        ('no extension', 200, 'no_extension'),
        ('connector down', 502, 'unavailable'),
        ('wrong slug', 502, 'config_error'),
    ],
)
def test_every_state_of_the_poll_answer_is_valid(
    agent_app, agent, cell_factory, extension_factory, connector, closed_port_url, set_up, status, state
):
    cell = cell_factory()
    if set_up != 'no extension':
        extension_factory(agent, '42')
    if set_up == 'connector down':
        cell = cell_factory(connector_url=closed_port_url)
    if set_up == 'wrong slug':
        connector.behaviour, connector.status = 'status', 404

    answer = poll(agent_app, cell, status=status)

    assert_valid('poll', answer)
    assert answer['state'] == state


def test_a_signed_out_answer_is_valid(app, cell):
    answer = poll(app, cell, status=403)

    assert_valid('poll', answer)
    assert answer['state'] == 'signed_out'


def test_the_examples_are_dated_on_the_same_day():
    # The widget harness sets its clock from the example: a call of another
    # day would be shown with a date, not as the call in progress.
    start = datetime.datetime.fromisoformat(load_example('poll')['data']['current'][0]['start'])
    assert start.date() == EXAMPLE_NOW.date()
