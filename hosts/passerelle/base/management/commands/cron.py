"""Stand-in for Passerelle's ``cron`` command (PUBLIK-CONTRACTS.md, "Passerelle": ``hourly()``/``daily()`` hooks)."""

from django.core.management.base import BaseCommand, CommandError
from passerelle.base.models import get_connector_classes


class Command(BaseCommand):
    """``cron hourly|daily``: call that hook on every connector instance; one failing does not stop the others."""

    def add_arguments(self, parser):
        parser.add_argument('frequency', choices=['hourly', 'daily'])

    def handle(self, frequency, **options):
        failures = []
        for model in get_connector_classes():
            for instance in model.objects.order_by('pk'):
                try:
                    getattr(instance, frequency)()
                except Exception:
                    instance.logger.exception('error running %s job', frequency)
                    failures.append(f'{model.get_connector_slug()}/{instance.slug}')
        if failures:
            raise CommandError(f'{frequency} job failed for: ' + ', '.join(failures))
