"""Stand-in for ``passerelle.urls``: ``/<connector>/<slug>/<endpoint>[/]`` (PUBLIK-CONTRACTS.md, "Passerelle").

One pattern per installed connector, so that a project mounting other URLs
after these (the demo) only gives up the paths of known connectors.
"""

import re

from django.urls import re_path
from passerelle.base.models import get_connector_classes
from passerelle.views import endpoint_view

ENDPOINT_PATH = r'/(?P<slug>[\w-]+)/(?P<name>[\w-]+)(?:/(?P<rest>.*))?$'

urlpatterns = [
    re_path(rf'^(?P<connector>{re.escape(slug)})' + ENDPOINT_PATH, endpoint_view)
    for slug in dict.fromkeys(model.get_connector_slug() for model in get_connector_classes())
]
