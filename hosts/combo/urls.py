"""Stand-in for ``combo.urls``.

Plugins' ``AppConfig.get_before_urls()`` are mounted first, so that they win
over the catch-all page view; then Combo's own URLs; then every
``get_after_urls()``. Built once, when this module is imported, like Combo does.
"""

from combo.apps.search.views import search_api
from combo.manager.views import page_edit_cell
from combo.public.views import page
from django.apps import apps
from django.contrib.auth import views as auth_views
from django.urls import include, path


def plugin_urls(method_name):
    """URL patterns returned by ``method_name()`` of every app config that has it."""
    patterns = []
    for app_config in apps.get_app_configs():
        if hasattr(app_config, method_name):
            patterns.append(path('', include(getattr(app_config, method_name)())))
    return patterns


combo_urlpatterns = [
    path(
        'manage/pages/<int:page_pk>/cell/<str:cell_reference>/',
        page_edit_cell,
        name='combo-manager-page-edit-cell',
    ),
    path('login/', auth_views.LoginView.as_view(), name='auth_login'),
    path('logout/', auth_views.LogoutView.as_view(), name='auth_logout'),
    path('api/search/<int:cell_pk>/', search_api, name='combo-search-api'),
    path('', page, name='combo-public-page'),
    path('<path:url>/', page, name='combo-public-page'),
]

urlpatterns = plugin_urls('get_before_urls') + combo_urlpatterns + plugin_urls('get_after_urls')
