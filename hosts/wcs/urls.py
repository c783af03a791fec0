"""Stand-in for w.c.s.'s URLs, contract "The w.c.s. stand-in" of ``docs/hosts.rst``: the forms API, the submission page."""

from django.urls import path

from . import views

urlpatterns = [
    path('api/formdefs/', views.formdefs, name='wcs-api-formdefs'),
    path('backoffice/submission/<slug:slug>/', views.submission, name='wcs-backoffice-submission'),
]
