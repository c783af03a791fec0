"""The test plugin mounts a URL before Combo's own and one after."""

from django.apps import AppConfig
from django.http import HttpResponse
from django.urls import path


class SampleCellsConfig(AppConfig):
    name = 'tests.hosts.combo.sample_cells'
    label = 'sample_cells'

    def get_before_urls(self):
        return [path('sample/', lambda request: HttpResponse('plugin view'))]

    def get_after_urls(self):
        # No trailing slash: Combo's page view only takes paths ending with '/'.
        return [path('sample-after', lambda request: HttpResponse('plugin view after'))]
