"""Stand-in for w.c.s.'s URLs: the forms API and the back-office submission page."""

from django.urls import path

from . import views

urlpatterns = [
    path('api/formdefs/', views.formdefs, name='wcs-api-formdefs'),
    path('backoffice/submission/<slug:slug>/', views.submission, name='wcs-backoffice-submission'),
]
