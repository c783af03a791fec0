"""Stand-in for ``combo.settings`` (PUBLIK-CONTRACTS.md, "Combo": enabling a plugin, ``KNOWN_SERVICES``).

A minimal Combo project: pages and cells, the search cell, the manager
(with ``gadjo``, as Entr'ouvert's apps list it), Django's auth and sessions.
Like the real module it ends by executing the file named by
``COMBO_SETTINGS_FILE``: that is how a site or a plugin's tests add apps and
override values.
"""

import os

from django.utils.translation import gettext_lazy as _

BASE_DIR = os.path.dirname(os.path.abspath(__file__))
# A development key: every real deployment sets its own.
SECRET_KEY = 'combo-stand-in-development-key-not-for-production'
ALLOWED_HOSTS = ['localhost', '127.0.0.1', '[::1]']
INSTALLED_APPS = (
    'django.contrib.auth',
    'django.contrib.contenttypes',
    'django.contrib.sessions',
    'django.contrib.messages',
    'django.contrib.staticfiles',
    'gadjo',
    'combo.data',
    'combo.apps.search',
)
MIDDLEWARE = (
    'django.middleware.security.SecurityMiddleware',
    'django.contrib.sessions.middleware.SessionMiddleware',
    'django.middleware.locale.LocaleMiddleware',
    'django.middleware.common.CommonMiddleware',
    'django.middleware.csrf.CsrfViewMiddleware',
    'django.contrib.auth.middleware.AuthenticationMiddleware',
    'django.contrib.messages.middleware.MessageMiddleware',
)
ROOT_URLCONF = 'combo.urls'
TEMPLATES = [
    {
        'BACKEND': 'django.template.backends.django.DjangoTemplates',
        'DIRS': [os.path.join(BASE_DIR, 'templates')],
        'APP_DIRS': True,
        'OPTIONS': {
            'context_processors': [
                'django.template.context_processors.request',
                'django.template.context_processors.i18n',
                'django.contrib.auth.context_processors.auth',
                'django.contrib.messages.context_processors.messages',
            ],
        },
    },
]
DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': 'combo.sqlite3'}}
DEFAULT_AUTO_FIELD = 'django.db.models.AutoField'
CACHES = {'default': {'BACKEND': 'django.core.cache.backends.locmem.LocMemCache'}}
LANGUAGE_CODE = 'fr-fr'
LANGUAGES = (('fr', _('French')), ('en', _('English')))
LOCALE_PATHS = [os.path.join(BASE_DIR, 'locale')]
TIME_ZONE = 'Europe/Paris'
USE_TZ = True
STATIC_URL = '/static/'
STATICFILES_FINDERS = (
    'django.contrib.staticfiles.finders.AppDirectoriesFinder',
    # jQuery and the fonts of gadjo's pages.
    'gadjo.finders.XStaticFinder',
)
LOGIN_URL = '/login/'
LOGIN_REDIRECT_URL = '/'
LOGOUT_REDIRECT_URL = '/'
# Other Publik services, by kind: {'passerelle': {'<slug>': {'url', 'orig', 'secret'}}, 'wcs': {...}}.
KNOWN_SERVICES = {}
LOGGING = {
    'version': 1,
    'disable_existing_loggers': False,
    'handlers': {'console': {'class': 'logging.StreamHandler'}},
    'root': {'handlers': ['console'], 'level': 'WARNING'},
}

if os.environ.get('COMBO_SETTINGS_FILE'):
    with open(os.environ['COMBO_SETTINGS_FILE']) as settings_file:
        exec(settings_file.read())
