"""URLs of the phone call cell, mounted by Combo before its own (``AppConfig.get_before_urls``)."""

from django.urls import path

from . import views

urlpatterns = [
    path('api/phone-call-cell/<int:cell_pk>/poll/', views.poll, name='phone-call-cell-poll'),
    path('api/phone-call-cell/<int:cell_pk>/forms/', views.offered_forms, name='phone-call-cell-forms'),
    path(
        'api/phone-call-cell/<int:cell_pk>/extension/', views.set_extension, name='phone-call-cell-extension'
    ),
    path('api/phone-call-cell/<int:cell_pk>/check/', views.check_connection, name='phone-call-cell-check'),
    path('manage/phone-call-cell/<int:cell_pk>/health/', views.cell_health, name='phone-call-cell-health'),
    path(
        'manage/phone-call-cell/extensions/',
        views.extension_holders,
        name='phone-call-cell-extension-holders',
    ),
]
