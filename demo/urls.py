"""Passerelle's connector URLs first, then Combo's portal (whose pages catch the rest)."""

from combo import urls as combo_urls
from passerelle import urls as passerelle_urls

urlpatterns = passerelle_urls.urlpatterns + combo_urls.urlpatterns
