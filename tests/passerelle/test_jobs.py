"""Jobs: hourly closes forgotten calls, daily purges old finished calls."""

import datetime
import logging

import pytest
from django.core.management import call_command
from django.utils import timezone

from passerelle_phonecalls.models import Call

pytestmark = pytest.mark.django_db


def logged(caplog):
    """What was logged, as ``(level, message)``: the connector's words, whatever its logger is named."""
    return [(record.levelno, record.getMessage()) for record in caplog.records]


def ago(**delta):
    return timezone.now() - datetime.timedelta(**delta)


def test_hourly_closes_calls_open_longer_than_the_maximum_duration(connector, call_factory, caplog):
    caplog.set_level(logging.INFO, logger='passerelle')
    started = ago(minutes=121)
    forgotten = call_factory(start=started)
    ongoing = call_factory(caller='0612345678', start=ago(minutes=119))
    connector.hourly()
    forgotten.refresh_from_db()
    ongoing.refresh_from_db()
    assert forgotten.end == started + datetime.timedelta(minutes=120)
    assert ongoing.end is None
    assert (logging.INFO, 'hourly: 1 call(s) open for more than 120 minutes closed') in logged(caplog)


def test_hourly_follows_the_connectors_maximum_duration(connector, call_factory):
    connector.max_call_duration = 30
    connector.save()
    started = ago(minutes=31)
    call = call_factory(start=started)
    connector.hourly()
    call.refresh_from_db()
    assert call.end == started + datetime.timedelta(minutes=30)


def test_hourly_leaves_finished_calls_untouched(connector, call_factory):
    end = ago(hours=4)
    call = call_factory(start=ago(hours=5), end=end, details={'queue': 'accueil'})
    connector.hourly()
    call.refresh_from_db()
    assert (call.end, call.details) == (end, {'queue': 'accueil'})


def test_hourly_with_nothing_to_close_logs_at_debug_level(connector, call_factory, caplog):
    caplog.set_level(logging.DEBUG, logger='passerelle')
    call_factory()
    connector.hourly()
    assert (logging.DEBUG, 'hourly: 0 call(s) open for more than 120 minutes closed') in logged(caplog)
    assert Call.objects.get().end is None


def test_hourly_only_closes_the_calls_of_its_connector(connector_factory, connector, call_factory):
    other = connector_factory(slug='ipbx-annexe', title='IPBX annexe', max_call_duration=600)
    call = call_factory(resource=other, start=ago(minutes=121))
    connector.hourly()
    call.refresh_from_db()
    assert call.end is None


def test_daily_deletes_finished_calls_older_than_the_retention_period(connector, call_factory, caplog):
    caplog.set_level(logging.INFO, logger='passerelle')
    old = call_factory(start=ago(days=61), end=ago(days=60, minutes=59))
    recent = call_factory(start=ago(days=59), end=ago(days=59))
    connector.daily()
    assert list(Call.objects.all()) == [recent]
    assert not Call.objects.filter(pk=old.pk).exists()
    assert (logging.INFO, 'daily: 1 call(s) ended more than 60 days ago deleted') in logged(caplog)


def test_daily_never_deletes_open_calls(connector, call_factory):
    open_call = call_factory(start=ago(days=400))
    connector.daily()
    assert list(Call.objects.all()) == [open_call]


def test_daily_follows_the_connectors_retention_period(connector, call_factory):
    connector.data_retention_period = 7
    connector.save()
    call_factory(start=ago(days=8), end=ago(days=8))
    kept = call_factory(start=ago(days=6), end=ago(days=6))
    connector.daily()
    assert list(Call.objects.all()) == [kept]


def test_cron_command_runs_the_jobs_of_every_phonecalls_connector(connector_factory, connector, call_factory):
    other = connector_factory(slug='ipbx-annexe', title='IPBX annexe')
    stale = call_factory(start=ago(hours=3))
    other_stale = call_factory(resource=other, start=ago(hours=3))
    call_command('cron', 'hourly')
    stale.refresh_from_db()
    other_stale.refresh_from_db()
    assert stale.end is not None and other_stale.end is not None
    call_factory(start=ago(days=90), end=ago(days=90))
    call_command('cron', 'daily')
    assert set(Call.objects.all()) == {stale, other_stale}
