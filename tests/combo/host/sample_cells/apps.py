"""App config of the test plugin: mounts URLs before and after Combo's own."""

from django.apps import AppConfig


class SampleCellsConfig(AppConfig):
    name = 'tests.combo.host.sample_cells'
    label = 'sample_cells'

    def get_before_urls(self):
        from . import urls

        return urls.before_urlpatterns

    def get_after_urls(self):
        from . import urls

        return urls.after_urlpatterns
