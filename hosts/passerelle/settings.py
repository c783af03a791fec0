"""Stand-in for ``passerelle.settings``: the settings of a minimal Passerelle project.

Like the real module, it ends by executing the file named by the environment
variable ``PASSERELLE_SETTINGS_FILE``, which is how plugins and sites add
their apps (``INSTALLED_APPS += (...)``) and override anything here.
"""

import os

# For tests and the demo only; a real site sets its own secret.
SECRET_KEY = 'passerelle-stand-in-secret-key-for-tests-only'

DEBUG = False
ALLOWED_HOSTS = ['*']

INSTALLED_APPS = (
    'django.contrib.contenttypes',
    'django.contrib.auth',
    'django.contrib.sessions',
    'django.contrib.messages',
    'django.contrib.staticfiles',
    'passerelle.base',
)

MIDDLEWARE = (
    'django.middleware.security.SecurityMiddleware',
    'django.contrib.sessions.middleware.SessionMiddleware',
    'django.middleware.common.CommonMiddleware',
    'django.middleware.csrf.CsrfViewMiddleware',
    'django.contrib.auth.middleware.AuthenticationMiddleware',
    'django.contrib.messages.middleware.MessageMiddleware',
)

ROOT_URLCONF = 'passerelle.urls'

TEMPLATES = [
    {
        'BACKEND': 'django.template.backends.django.DjangoTemplates',
        'DIRS': [],
        'APP_DIRS': True,
        'OPTIONS': {
            'context_processors': [
                'django.template.context_processors.debug',
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
        'NAME': 'passerelle.sqlite3',
    }
}

DEFAULT_AUTO_FIELD = 'django.db.models.AutoField'

CACHES = {
    'default': {
        'BACKEND': 'django.core.cache.backends.locmem.LocMemCache',
    }
}

LANGUAGE_CODE = 'fr-fr'
TIME_ZONE = 'Europe/Paris'
USE_I18N = True
USE_TZ = True

STATIC_URL = '/static/'

# Other Publik services this one talks to, by kind: {'wcs': {'key': {'url', 'orig', 'secret'}}}.
KNOWN_SERVICES = {}

LOGGING = {
    'version': 1,
    'disable_existing_loggers': False,
    'formatters': {
        'plain': {'format': '%(asctime)s %(levelname)s %(name)s: %(message)s'},
    },
    'handlers': {
        'console': {'class': 'logging.StreamHandler', 'formatter': 'plain'},
    },
    'loggers': {
        'passerelle': {'handlers': ['console'], 'level': 'INFO'},
    },
}

if 'PASSERELLE_SETTINGS_FILE' in os.environ:
    with open(os.environ['PASSERELLE_SETTINGS_FILE']) as settings_file:
        exec(settings_file.read())
