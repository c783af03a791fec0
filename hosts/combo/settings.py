"""Stand-in for ``combo.settings``, the settings module of a Combo project.

A complete, minimal Combo project: the apps the product's cell needs next to
it (pages, cells, the search cell) and Django's auth and session machinery.
Like the real module, it ends by executing the file named by the
``COMBO_SETTINGS_FILE`` environment variable in this namespace, which is how
a deployment (or a plugin's test suite) adds its apps and overrides values.
"""

import os

from django.utils.translation import gettext_lazy as _

BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# A development key: every real deployment sets its own in COMBO_SETTINGS_FILE.
SECRET_KEY = 'combo-stand-in-development-key-not-for-production'
DEBUG = False
ALLOWED_HOSTS = ['localhost', '127.0.0.1', '[::1]']

INSTALLED_APPS = (
    'django.contrib.auth',
    'django.contrib.contenttypes',
    'django.contrib.sessions',
    'django.contrib.messages',
    'django.contrib.staticfiles',
    'combo.data',
    'combo.manager',
    'combo.public',
    'combo.apps.search',
)

MIDDLEWARE = (
    'django.middleware.security.SecurityMiddleware',
    'django.contrib.sessions.middleware.SessionMiddleware',
    'django.middleware.common.CommonMiddleware',
    'django.middleware.csrf.CsrfViewMiddleware',
    'django.contrib.auth.middleware.AuthenticationMiddleware',
    'django.contrib.messages.middleware.MessageMiddleware',
    'django.middleware.locale.LocaleMiddleware',
)

ROOT_URLCONF = 'combo.urls'

TEMPLATES = [
    {
        'BACKEND': 'django.template.backends.django.DjangoTemplates',
        'DIRS': [],
        'APP_DIRS': True,
        'OPTIONS': {
            'context_processors': [
                'django.template.context_processors.request',
                'django.contrib.auth.context_processors.auth',
                'django.contrib.messages.context_processors.messages',
            ],
        },
    },
]

DATABASES = {
    'default': {
        'ENGINE': 'django.db.backends.sqlite3',
        'NAME': os.path.join(BASE_DIR, 'combo.sqlite3'),
    }
}
DEFAULT_AUTO_FIELD = 'django.db.models.AutoField'

CACHES = {
    'default': {
        'BACKEND': 'django.core.cache.backends.locmem.LocMemCache',
    }
}

LANGUAGE_CODE = 'fr-fr'
LANGUAGES = (
    ('fr', _('French')),
    ('en', _('English')),
)
TIME_ZONE = 'Europe/Paris'
USE_I18N = True
USE_TZ = True

STATIC_URL = '/static/'

LOGIN_URL = '/login/'
LOGIN_REDIRECT_URL = '/'
LOGOUT_REDIRECT_URL = '/'

# Other Publik services this Combo talks to, by kind ('passerelle', 'wcs', ...):
# {kind: {slug: {'url': ..., 'orig': ..., 'secret': ...}}}.
KNOWN_SERVICES = {}

LOGGING = {
    'version': 1,
    'disable_existing_loggers': False,
    'handlers': {'console': {'class': 'logging.StreamHandler'}},
    'root': {'handlers': ['console'], 'level': 'WARNING'},
}

# An explicitly named file that does not exist is an error, not a silent no-op.
if os.environ.get('COMBO_SETTINGS_FILE'):
    with open(os.environ['COMBO_SETTINGS_FILE']) as settings_file:
        exec(settings_file.read())
