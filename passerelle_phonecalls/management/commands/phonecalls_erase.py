"""``manage.py phonecalls_erase --number 0143250135 [--connector ipbx] [--dry-run]``: erase a number's calls."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from passerelle_phonecalls.privacy import NumberRequestError, erase_calls_of_number


class Command(BaseCommand):
    """Delete every stored call from a phone number, for a citizen's erasure request."""

    help = _(
        'Delete every stored call from a phone number, open calls included (right of erasure). '
        'Any writing of the number finds the same calls (0143250135, 01 43 25 01 35, +33143250135).'
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
        parser.add_argument(
            '--dry-run',
            action='store_true',
            help=gettext('only tell how many calls would be deleted, delete nothing'),
        )

    def handle(self, number, connector=None, dry_run=False, **options):
        try:
            count = erase_calls_of_number(number, connector, dry_run=dry_run)
        except NumberRequestError as e:
            raise CommandError(str(e)) from None
        if dry_run:
            message = ngettext(
                '%d call would be deleted (dry run, nothing deleted).',
                '%d calls would be deleted (dry run, nothing deleted).',
                count,
            )
        else:
            message = ngettext('%d call deleted.', '%d calls deleted.', count)
        self.stdout.write(message % count)
