"""Stand-in for ``passerelle.base.apps``: the app is labelled ``base``, like the real one."""

from django.apps import AppConfig


class BaseConfig(AppConfig):
    """Application holding ``ApiUser``, ``AccessRight`` and the abstract ``BaseResource``."""

    name = 'passerelle.base'
    label = 'base'
    verbose_name = 'Passerelle'
