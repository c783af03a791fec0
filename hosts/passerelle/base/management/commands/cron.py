"""Stand-in for ``passerelle.base.management.commands.cron``: run the periodic hooks of connectors."""

from django.core.management.base import BaseCommand, CommandError
from passerelle.base.models import get_connector_classes


class Command(BaseCommand):
    """``manage.py cron <frequency>``: call ``<frequency>()`` on every connector instance.

    An instance whose hook raises is logged on its own logger and does not
    stop the others; the command fails at the end if any did.
    """

    help = 'Run the periodic jobs of every connector instance.'

    def add_arguments(self, parser):
        parser.add_argument('frequency', choices=['hourly', 'daily'])
        parser.add_argument('--connector', help='only the connector with this slug (e.g. phonecalls)')
        parser.add_argument('--connector-slug', help='only the instance with this slug')

    def handle(self, frequency, connector=None, connector_slug=None, **options):
        failures = []
        for model in get_connector_classes():
            if connector and model.get_connector_slug() != connector:
                continue
            instances = model.objects.order_by('pk')
            if connector_slug:
                instances = instances.filter(slug=connector_slug)
            for instance in instances:
                try:
                    getattr(instance, frequency)()
                except Exception:
                    instance.logger.exception('error running %s job', frequency)
                    failures.append(f'{model.get_connector_slug()}/{instance.slug}')
        if failures:
            raise CommandError(f'{frequency} job failed for: ' + ', '.join(failures))
