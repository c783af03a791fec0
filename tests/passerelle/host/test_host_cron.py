"""``manage.py cron <frequency>``: the periodic hooks of every connector instance."""

import logging

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def last_jobs(echo_model):
    """The last job each echo instance ran, by slug."""
    return lambda: dict(echo_model.objects.values_list('slug', 'last_job'))


def test_cron_hourly_runs_hourly_on_every_instance(echo_factory, last_jobs):
    echo_factory(slug='first')
    echo_factory(slug='second')
    call_command('cron', 'hourly')
    assert last_jobs() == {'first': 'hourly', 'second': 'hourly'}


def test_cron_daily_runs_daily(echo_factory, last_jobs):
    echo_factory(slug='first')
    call_command('cron', 'daily')
    assert last_jobs() == {'first': 'daily'}


def test_cron_continues_after_a_failing_instance_then_fails(echo_factory, caplog, last_jobs):
    echo_factory(slug='first')
    echo_factory(slug='broken', job_fails=True)
    echo_factory(slug='last')
    with pytest.raises(CommandError, match='echo-connector/broken'):
        call_command('cron', 'daily')
    assert last_jobs() == {'first': 'daily', 'broken': '', 'last': 'daily'}
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.name == 'passerelle.resource.echo-connector.broken'
    assert record.exc_info[0] is RuntimeError


def test_cron_can_be_limited_to_one_instance(echo_factory, last_jobs):
    echo_factory(slug='first')
    echo_factory(slug='second')
    call_command('cron', 'hourly', '--connector', 'echo-connector', '--connector-slug', 'second')
    assert last_jobs() == {'first': '', 'second': 'hourly'}


def test_cron_limited_to_another_connector_leaves_echo_alone(echo_factory, last_jobs):
    echo_factory(slug='first')
    call_command('cron', 'hourly', '--connector', 'phonecalls')
    assert last_jobs() == {'first': ''}


def test_cron_refuses_unknown_frequency(echo_factory, last_jobs):
    echo_factory(slug='first')
    with pytest.raises(CommandError):
        call_command('cron', 'fortnightly')
    assert last_jobs() == {'first': ''}
