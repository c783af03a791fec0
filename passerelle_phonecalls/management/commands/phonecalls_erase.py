"""``manage.py phonecalls_erase --number 0143250135 [--connector ipbx] [--dry-run]``: erase a number's calls."""

from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from passerelle_phonecalls.management.number_request import NumberRequestCommand
from passerelle_phonecalls.privacy import erase_calls_of_number, not_searched


class Command(NumberRequestCommand):
    """Delete every stored call from a phone number, for a citizen's erasure request."""

    help = _(
        'Delete every stored call holding a phone number, as caller, callee, in a call identifier or '
        'in the details, open calls included (right of erasure). Any writing of the number finds the '
        'same calls (0143250135, 01 43 25 01 35, +33143250135).'
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            '--dry-run',
            action='store_true',
            help=gettext('only tell how many calls would be deleted, delete nothing'),
        )

    def handle(self, number, connector=None, dry_run=False, **options):
        summary = self.serve(erase_calls_of_number, number, connector, dry_run=dry_run)
        count = summary['calls']
        if dry_run:
            message = ngettext(
                '%d call would be deleted (dry run, nothing deleted).',
                '%d calls would be deleted (dry run, nothing deleted).',
                count,
            )
        else:
            message = ngettext('%d call deleted.', '%d calls deleted.', count)
        self.stdout.write(message % count)
        if count:
            self.stdout.write(
                gettext(
                    'Found as the caller: %(caller)d, as the callee: %(callee)d, in a call identifier: '
                    '%(call_id)d, in the details: %(details)d (a call may hold it in several places).'
                )
                % summary
            )
        self.stdout.write(not_searched())
