"""``manage.py phonecalls_export --number 0143250135 [--connector ipbx]``: the calls of a number, as JSON."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from passerelle_phonecalls.privacy import NumberRequestError, export_calls_of_number


class Command(BaseCommand):
    """Print every stored call from a phone number, for a citizen's access request."""

    help = _(
        'Print as JSON every stored call from a phone number (right of access). Any writing of '
        'the number finds the same calls (0143250135, 01 43 25 01 35, +33143250135).'
    )

    def add_arguments(self, parser):
        parser.add_argument(
            '--number', required=True, help=gettext('the phone number, as the citizen gives it')
        )
        parser.add_argument(
            '--connector',
            '--connector-slug',
            dest='connector',
            help=gettext('only the calls of the connector with this identifier (slug), e.g. ipbx'),
        )

    def handle(self, number, connector=None, **options):
        try:
            export = export_calls_of_number(number, connector)
        except NumberRequestError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(json.dumps(export, ensure_ascii=False, indent=2))
