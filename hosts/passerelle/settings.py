"""Stand-in for ``passerelle.settings`` (PUBLIK-CONTRACTS.md, "Passerelle": enabling a plugin).

Like the real module, it ends by executing the file named by
``PASSERELLE_SETTINGS_FILE``: that is how plugins and sites add their apps
(``INSTALLED_APPS += (...)``) and override anything here.
"""

import os

# For tests and the demo only; a real site sets its own.
SECRET_KEY = 'passerelle-stand-in-secret-key-for-tests-only'
ALLOWED_HOSTS = ['*']
INSTALLED_APPS = (
    'django.contrib.contenttypes',
    'django.contrib.auth',
    'django.contrib.sessions',
    'passerelle.base',
)
MIDDLEWARE = (
    'django.middleware.security.SecurityMiddleware',
    'django.contrib.sessions.middleware.SessionMiddleware',
    'django.middleware.locale.LocaleMiddleware',
    'django.middleware.common.CommonMiddleware',
    'django.contrib.auth.middleware.AuthenticationMiddleware',
)
ROOT_URLCONF = 'passerelle.urls'
DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': 'passerelle.sqlite3'}}
DEFAULT_AUTO_FIELD = 'django.db.models.AutoField'
CACHES = {'default': {'BACKEND': 'django.core.cache.backends.locmem.LocMemCache'}}
LANGUAGE_CODE = 'fr-fr'
LOCALE_PATHS = [os.path.join(os.path.dirname(__file__), 'locale')]
STATIC_URL = '/static/'
TIME_ZONE = 'Europe/Paris'
USE_TZ = True
# Other Publik services, by kind: {'wcs': {'<slug>': {'url', 'orig', 'secret'}}}.
KNOWN_SERVICES = {}
LOGGING = {
    'version': 1,
    'disable_existing_loggers': False,
    'handlers': {'console': {'class': 'logging.StreamHandler'}},
    'loggers': {'passerelle': {'handlers': ['console'], 'level': 'INFO'}},
}

if 'PASSERELLE_SETTINGS_FILE' in os.environ:
    with open(os.environ['PASSERELLE_SETTINGS_FILE']) as settings_file:
        exec(settings_file.read())
