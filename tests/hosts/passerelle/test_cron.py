"""``cron hourly|daily`` calls the hook on every connector instance, whatever one of them does."""

import pytest
from django.core.management import CommandError, call_command

from tests.hosts.passerelle.echo_connector.models import EchoConnector

pytestmark = pytest.mark.django_db


def last_jobs():
    return dict(EchoConnector.objects.values_list('slug', 'last_job'))


@pytest.mark.parametrize('frequency', ['hourly', 'daily'])
def test_cron_runs_the_hook_of_every_instance(echo_factory, frequency):
    echo_factory('first')
    echo_factory('second')

    call_command('cron', frequency)

    assert last_jobs() == {'first': frequency, 'second': frequency}


def test_a_failing_instance_is_logged_the_others_run_then_cron_fails(echo_factory, caplog):
    echo_factory('first')
    echo_factory('broken', job_fails=True)
    echo_factory('last')

    with pytest.raises(CommandError, match='echo-connector/broken'):
        call_command('cron', 'daily')

    assert last_jobs() == {'first': 'daily', 'broken': '', 'last': 'daily'}
    assert [record.name for record in caplog.records] == ['passerelle.resource.echo-connector.broken']
