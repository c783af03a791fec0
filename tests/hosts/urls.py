"""Passerelle's and w.c.s.'s URLs, then Combo's (whose pages catch the rest), as in the demo."""

from combo.urls import urlpatterns as combo_urlpatterns
from passerelle.urls import urlpatterns as passerelle_urlpatterns
from wcs.urls import urlpatterns as wcs_urlpatterns

urlpatterns = passerelle_urlpatterns + wcs_urlpatterns + combo_urlpatterns
