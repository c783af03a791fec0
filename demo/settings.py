"""The demo: one Django project holding both hosts and both apps, on SQLite.

In production the connector runs in Passerelle and the cell in Combo, two
projects on two hosts. The demo folds them into one server so that a single
command shows the whole flow; the cell still reaches the connector over HTTP
with a Publik signature, as it would across hosts.
"""

import os

from hosts import standins

standins.use('passerelle', 'combo')

from combo import settings as combo_settings  # noqa: E402
from passerelle import settings as passerelle_settings  # noqa: E402

BASE_DIR = os.path.dirname(os.path.abspath(__file__))
PORT = int(os.environ.get('PORT', '8000'))

# Not a secret: the demo only listens on 127.0.0.1.
SECRET_KEY = 'demo-only-not-secret'
DEBUG = False
ALLOWED_HOSTS = ['127.0.0.1', 'localhost', 'testserver']

INSTALLED_APPS = tuple(dict.fromkeys(combo_settings.INSTALLED_APPS + passerelle_settings.INSTALLED_APPS)) + (
    'passerelle_phonecalls',
    'combo_phone_cell',
    'demo',
)
MIDDLEWARE = combo_settings.MIDDLEWARE
TEMPLATES = combo_settings.TEMPLATES
ROOT_URLCONF = 'demo.urls'
LOGIN_URL = '/login/'
LOGIN_REDIRECT_URL = '/'

DATABASES = {
    'default': {
        'ENGINE': 'django.db.backends.sqlite3',
        'NAME': os.environ.get('DEMO_DATABASE', os.path.join(BASE_DIR, 'db.sqlite3')),
    }
}
DEFAULT_AUTO_FIELD = 'django.db.models.AutoField'
CACHES = {'default': {'BACKEND': 'django.core.cache.backends.locmem.LocMemCache'}}

USE_TZ = True
TIME_ZONE = 'Europe/Paris'
USE_I18N = True
LANGUAGE_CODE = 'fr-fr'
LANGUAGES = [('fr', 'Français'), ('en', 'English')]
STATIC_URL = '/static/'

# The cell signs its calls to the connector with this service's secret; the
# connector knows the same secret as the key of the API user named after `orig`.
DEMO_SIGNATURE_ORIG = 'combo.demo'
DEMO_SIGNATURE_SECRET = 'demo-signature-secret'
KNOWN_SERVICES = {
    'passerelle': {
        'demo': {
            'title': 'Passerelle (demo)',
            'url': 'http://127.0.0.1:%s/' % PORT,
            'orig': DEMO_SIGNATURE_ORIG,
            'secret': DEMO_SIGNATURE_SECRET,
        }
    }
}

LOGGING = {
    'version': 1,
    'disable_existing_loggers': False,
    'handlers': {'console': {'class': 'logging.StreamHandler'}},
    'loggers': {'passerelle': {'handlers': ['console'], 'level': 'INFO'}},
}
