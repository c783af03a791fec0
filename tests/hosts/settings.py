"""The stand-ins' own tests: the Passerelle, Combo and w.c.s. stand-ins in one project, with test-only plugins.

Not the product's test projects (``tests/settings``): the echo connector and
the text cell exercise the hosts without the product.
"""

from hosts import standins

standins.use('passerelle', 'combo', 'wcs')

from combo.settings import *  # noqa: E402,F403
from passerelle import settings as passerelle_settings  # noqa: E402

from tests.settings import databases  # noqa: E402

INSTALLED_APPS += (  # noqa: F405
    'passerelle.base',
    'wcs',
    'tests.hosts.passerelle.echo_connector',
    'tests.hosts.combo.sample_cells',
)
LOCALE_PATHS += passerelle_settings.LOCALE_PATHS  # noqa: F405
ROOT_URLCONF = 'tests.hosts.urls'
DATABASES = databases('hosts')
WCS_API_SECRETS = {'combo.example.net': 'wcs-secret'}
WCS_FORMDEFS = [
    {
        'slug': 'voirie',
        'title': 'Signalement voirie',
        'category': 'Voirie',
        'backoffice_submission_roles': ['Accueil'],
    },
    {
        'slug': 'cantine',
        'title': 'Inscription cantine',
        'backoffice_submission_roles': ['Accueil', 'Enfance'],
    },
    {'slug': 'urbanisme', 'title': 'Permis de construire', 'backoffice_submission_roles': ['Urbanisme']},
    {'slug': 'acte', 'title': 'Acte de naissance'},
]
