"""Migrate, seed and serve the demo on 127.0.0.1 (what ``make demo`` runs)."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from demo.seed import ADMIN, AGENTS, DEMO_API_KEY, seed


class Command(BaseCommand):
    help = 'Migrate, seed and serve the demo portal, connector and forms.'

    def handle(self, **options):
        # The port comes from the PORT environment variable, read by the settings,
        # because the signing services' URLs in KNOWN_SERVICES depend on it too.
        base_url = 'http://127.0.0.1:%s' % settings.PORT
        call_command('migrate', interactive=False, verbosity=0)
        seed(base_url, settings.DEMO_SIGNATURE_ORIG, settings.DEMO_SIGNATURE_SECRET)
        self.stdout.write(banner(base_url))
        call_command('runserver', '127.0.0.1:%s' % settings.PORT, use_reloader=False, insecure_serving=True)


def banner(base_url):
    endpoint = '%s/phonecalls/ipbx' % base_url
    agents = ', '.join('%s/%s (extension %s)' % agent for agent in AGENTS)
    return '\n'.join(
        [
            '',
            'Publik telephony screen-pop demo',
            '  Agent portal:   %s/  log in as %s' % (base_url, agents),
            "  Site settings:  %s/manage/  as %s/%s (the phone cell's settings are there)"
            % (base_url, *ADMIN),
            '  IPBX API key:   %s  (demo only: the key of the reference example)' % DEMO_API_KEY,
            '',
            'Play the IPBX from another terminal: Camille Martin calls extension 42, then hangs up:',
            "  curl '%s/call-start?caller=0143250135&callee=42&apikey=%s'" % (endpoint, DEMO_API_KEY),
            "  curl '%s/call-stop?caller=0143250135&callee=42&apikey=%s'" % (endpoint, DEMO_API_KEY),
            'The calls of extension 42:',
            "  curl '%s/calls?callee=42&apikey=%s'" % (endpoint, DEMO_API_KEY),
            '',
        ]
    )
