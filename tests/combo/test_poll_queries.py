"""What one poll costs the product's own tables, whatever the number of calls and of polls.

Every open agent portal polls every second, all day. The first poll of a
session reads the cell and the agent's extension; the next ones read them
from the cache, until one of them changes. Only queries on the cell's
tables are counted: the host's (session, user) are the host's business and
differ from one Combo to another.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def product_queries(agent_app, cell):
    """The SQL queries of one poll that touch the cell's tables, and the poll's data."""
    with CaptureQueriesContext(connection) as captured:
        data = agent_app.get(f'/api/phone-call-cell/{cell.pk}/poll/').json['data']
    return [
        query['sql'] for query in captured.captured_queries if 'FROM "combo_phone_cell_' in query['sql']
    ], data


@pytest.mark.parametrize('recent', [5, 20])
def test_next_polls_of_a_session_read_no_table_of_the_cell(
    agent_app, agent, extension_factory, cell_factory, connector, call_factory, recent
):
    extension_factory(agent, '42')
    cell = cell_factory(recent_calls=recent, poll_interval=60)
    connector.current = [call_factory()]
    connector.past = [call_factory(id=10 + index, end='2024-03-14T09:15:03+01:00') for index in range(recent)]
    product_queries(agent_app, cell)

    queries, data = product_queries(agent_app, cell)

    assert queries == []
    assert [call['id'] for call in data['current']] == [17]
    assert len(data['recent']) == recent


def test_poll_of_an_agent_without_extension_reads_no_table_either_and_skips_passerelle(
    agent_app, cell, connector
):
    product_queries(agent_app, cell)

    queries, data = product_queries(agent_app, cell)

    assert queries == []
    assert data['extension'] is None
    assert connector.received == []
