"""What ``phonecalls_export`` and ``phonecalls_erase`` share: the number asked about and the connector."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from passerelle_phonecalls.privacy import NumberRequestError


class NumberRequestCommand(BaseCommand):
    """A command serving a citizen's request about the calls of one phone number."""

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

    def serve(self, function, *args, **kwargs):
        """``function(*args, **kwargs)``, its refusal of the request turned into a ``CommandError``."""
        try:
            return function(*args, **kwargs)
        except NumberRequestError as e:
            raise CommandError(str(e)) from None
