"""The connector's one door into Passerelle: every name it takes from its host comes from here.

The rest of ``passerelle_phonecalls`` imports these names from this module,
never from ``passerelle`` (a test reads the imports to hold that), so that
what the connector assumes of Passerelle is listed in one place and checked
in one place on a real Passerelle (``docs/hosts.rst``). What each name is
known to do comes from the project's notes on Publik (PUBLIK-CONTRACTS.md):
**seen** in public connectors, exports or documentation, or **recalled**,
believed but not verified.
"""

from passerelle.base import models as passerelle_models
from passerelle.utils import api as passerelle_api
from passerelle.utils import jsonresponse as passerelle_jsonresponse

__all__ = ['APIError', 'BaseResource', 'endpoint']

BaseResource = passerelle_models.BaseResource
"""Abstract model of a connector; ``PhoneCalls`` is a concrete subclass.

Seen: importable from ``passerelle.base.models``; gives ``title``, ``slug``
(unique) and ``description``; a connector sets ``category``,
``api_description`` and may override the classmethod
``get_connector_slug()`` (the first URL segment); ``self.logger``.
Recalled: Passerelle's cron calls ``hourly()`` and ``daily()`` on every
instance, and overrides call ``super()``; the default connector slug would
be the app label with ``-`` for ``_``.

If wrong: a wrong import path stops Passerelle from starting with this app
enabled (an ``ImportError`` naming this module); missing cron hooks leave
missed hang-ups open (the ``calls`` endpoint still hides them after the
maximum call duration) and old calls unpurged, which ``manage.py shell``
can run by hand (``PhoneCalls.objects.get(slug=...).hourly()``); a field of
the real base class the stand-in lacks shows up as a migration to
regenerate (``makemigrations passerelle_phonecalls --check``).
"""

endpoint = passerelle_api.endpoint
"""Decorator that publishes a connector method at ``/<connector>/<slug>/<name>``.

Seen: importable from ``passerelle.utils.api``; keyword arguments ``name``,
``perm`` (``'can_access'``), ``methods``, ``description``,
``long_description``, ``display_order``, ``parameters`` (each with
``description`` and ``example_value``), shown on the connector's page; the
method is called ``method(self, request, **query_parameters)``, a missing
required parameter being a 400; a returned dict is sent as JSON.
Recalled: a returned ``HttpResponse`` (the ``call-start`` redirect) is sent
as it is; both URL forms, with and without a trailing slash, are served.

If wrong: an unknown keyword argument stops the app from loading (a
``TypeError`` at import); a parameter passed differently makes every
webhook a 400 that names it, which the IPBX integrator sees at once; a
redirect not passed through turns ``redirect=1`` into an error answer,
the call itself being recorded before.
"""

APIError = passerelle_jsonresponse.APIError
"""The exception an endpoint raises to answer ``{"err": 1, "err_desc": ...}``.

Seen: importable from ``passerelle.utils.jsonresponse``; ``APIError(message,
http_status=400)`` answers that status with ``err: 1`` and the message as
``err_desc``. Recalled: with no ``http_status`` the answer would be 200, so
the connector always gives one.

If wrong: a bad parameter would be answered with another status (a 500 at
worst) instead of a 400 naming the parameter; nothing is stored either way,
since every check runs before the first write.
"""
