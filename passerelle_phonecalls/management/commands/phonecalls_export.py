"""``manage.py phonecalls_export --number 0143250135 [--connector ipbx]``: the calls of a number, as JSON."""

import json

from django.utils.translation import gettext_lazy as _

from passerelle_phonecalls.management.number_request import NumberRequestCommand
from passerelle_phonecalls.privacy import export_calls_of_number, not_searched


class Command(NumberRequestCommand):
    """Print every stored call from a phone number, for a citizen's access request."""

    help = _(
        'Print as JSON every stored call holding a phone number, as caller, callee, in a call '
        'identifier or in the details (right of access). Any writing of the number finds the same '
        'calls (0143250135, 01 43 25 01 35, +33143250135).'
    )

    def handle(self, number, connector=None, **options):
        export = self.serve(export_calls_of_number, number, connector)
        self.stdout.write(json.dumps(export, ensure_ascii=False, indent=2))
        # On the error output, so that the JSON can be sent as it is.
        self.stderr.write(not_searched())
