"""The demo: one Django project holding the stand-in hosts and both apps, on SQLite.

In production the connector runs in Passerelle, the cell in Combo and the
forms in w.c.s., on separate hosts. The demo folds them into one server so
that a single command shows the whole flow; the cell still reaches the
connector and w.c.s. over HTTP with Publik signatures, as across hosts.
"""

import os

from hosts import standins

standins.use('passerelle', 'combo', 'wcs')

from combo import settings as combo_settings  # noqa: E402
from passerelle import settings as passerelle_settings  # noqa: E402

BASE_DIR = os.path.dirname(os.path.abspath(__file__))
PORT = int(os.environ.get('PORT', '8000'))

# Not a secret: the demo only listens on 127.0.0.1.
SECRET_KEY = 'demo-only-not-secret'
DEBUG = False
ALLOWED_HOSTS = ['127.0.0.1', 'localhost', 'testserver']

INSTALLED_APPS = tuple(dict.fromkeys(combo_settings.INSTALLED_APPS + passerelle_settings.INSTALLED_APPS)) + (
    'wcs',
    'passerelle_phonecalls',
    'combo_phone_cell',
    'demo',
)
MIDDLEWARE = combo_settings.MIDDLEWARE
TEMPLATES = combo_settings.TEMPLATES
STATICFILES_FINDERS = combo_settings.STATICFILES_FINDERS
ROOT_URLCONF = 'demo.urls'
LOGIN_URL = '/login/'
LOGIN_REDIRECT_URL = '/'
LOGOUT_REDIRECT_URL = '/'

DATABASES = {
    'default': {
        # SQLite in WAL mode whose writers queue (demo/sqlite/base.py): the
        # threaded server takes concurrent webhooks without "database is locked".
        'ENGINE': 'demo.sqlite',
        'NAME': os.environ.get('DEMO_DATABASE', os.path.join(BASE_DIR, 'db.sqlite3')),
        'OPTIONS': {'timeout': 30},
    }
}
DEFAULT_AUTO_FIELD = 'django.db.models.AutoField'
CACHES = {'default': {'BACKEND': 'django.core.cache.backends.locmem.LocMemCache'}}

USE_TZ = True
TIME_ZONE = 'Europe/Paris'
# French first, as Publik; a browser asking for English gets English.
LANGUAGE_CODE = 'fr-fr'
LANGUAGES = combo_settings.LANGUAGES
LOCALE_PATHS = combo_settings.LOCALE_PATHS + passerelle_settings.LOCALE_PATHS
STATIC_URL = '/static/'

# The cell signs its calls to the connector and to w.c.s. with this service's
# secret; the connector knows it as the key of the API user named after
# `orig`, w.c.s. as one of its API secrets.
DEMO_SIGNATURE_ORIG = 'combo.demo'
DEMO_SIGNATURE_SECRET = 'demo-signature-secret'
DEMO_URL = 'http://127.0.0.1:%s/' % PORT
KNOWN_SERVICES = {
    'passerelle': {
        'demo': {
            'title': 'Passerelle (démo)',
            'url': DEMO_URL,
            'orig': DEMO_SIGNATURE_ORIG,
            'secret': DEMO_SIGNATURE_SECRET,
        }
    },
    'wcs': {
        'demo': {
            'title': 'Démarches (démo)',
            'url': DEMO_URL,
            'orig': DEMO_SIGNATURE_ORIG,
            'secret': DEMO_SIGNATURE_SECRET,
        }
    },
}
WCS_API_SECRETS = {DEMO_SIGNATURE_ORIG: DEMO_SIGNATURE_SECRET}
# The agents' group (seeded) may submit the first two in back office.
DEMO_AGENTS_GROUP = 'Accueil téléphonique'
WCS_FORMDEFS = [
    {
        'slug': 'signalement-voirie',
        'title': 'Signalement voirie',
        'category': 'Voirie',
        'backoffice_submission_roles': [DEMO_AGENTS_GROUP],
    },
    {
        'slug': 'inscription-cantine',
        'title': 'Inscription à la cantine scolaire',
        'category': 'Enfance',
        'backoffice_submission_roles': [DEMO_AGENTS_GROUP],
    },
    {'slug': 'acte-de-naissance', 'title': "Demande d'acte de naissance", 'category': 'État civil'},
]

LOGGING = {
    'version': 1,
    'disable_existing_loggers': False,
    'handlers': {'console': {'class': 'logging.StreamHandler'}},
    'loggers': {'passerelle': {'handlers': ['console'], 'level': 'INFO'}},
}
