"""Stand-in for ``passerelle.urls``: only the connector endpoint URLs.

One pattern per installed connector, so that a project including these URLs
next to others (the demo project mounts Combo's too) only gets the paths
starting with a known connector slug; every other path falls through.
"""

import re

from django.urls import re_path
from passerelle.base.models import get_connector_classes
from passerelle.views import GenericEndpointView

ENDPOINT_PATH = r'/(?P<slug>[\w-]+)/(?P<endpoint>[\w-]+)(?:/(?P<rest>.*))?$'


def connector_urlpatterns():
    """Endpoint URL patterns of every connector, with or without a trailing slash."""
    view = GenericEndpointView.as_view()
    connector_slugs = dict.fromkeys(model.get_connector_slug() for model in get_connector_classes())
    return [
        re_path('^' + re.escape(connector_slug) + ENDPOINT_PATH, view, {'connector': connector_slug})
        for connector_slug in connector_slugs
    ]


urlpatterns = connector_urlpatterns()
