"""URLs of the phone call cell, mounted by Combo before its own (``AppConfig.get_before_urls``)."""

from django.urls import path

from . import views

urlpatterns = [
    path('api/phone-call-cell/<int:cell_pk>/poll/', views.poll, name='phone-call-cell-poll'),
    path(
        'api/phone-call-cell/<int:cell_pk>/extension/', views.set_extension, name='phone-call-cell-extension'
    ),
]
