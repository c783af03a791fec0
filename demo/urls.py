"""Passerelle's connector URLs and w.c.s.'s first, then Combo's portal (whose pages catch the rest)."""

from combo import urls as combo_urls
from passerelle import urls as passerelle_urls
from wcs import urls as wcs_urls

urlpatterns = passerelle_urls.urlpatterns + wcs_urls.urlpatterns + combo_urls.urlpatterns
