"""Stand-in for ``combo.urls`` (PUBLIK-CONTRACTS.md, "Combo": plugins' ``get_before_urls``/``get_after_urls``)."""

from combo import views
from django.apps import apps
from django.contrib.auth import views as auth_views
from django.urls import include, path


def plugin_urls(method_name):
    configs = [config for config in apps.get_app_configs() if hasattr(config, method_name)]
    return [path('', include(getattr(config, method_name)())) for config in configs]


urlpatterns = [
    *plugin_urls('get_before_urls'),
    path('manage/', views.manager_home, name='combo-manager-homepage'),
    path(
        'manage/pages/<int:page_pk>/cell/<str:cell_reference>/',
        views.page_edit_cell,
        name='combo-manager-page-edit-cell',
    ),
    path('login/', auth_views.LoginView.as_view(), name='auth_login'),
    path('logout/', auth_views.LogoutView.as_view(), name='auth_logout'),
    path('api/search/<int:cell_pk>/', views.search_api, name='combo-search-api'),
    path('', views.page, name='combo-public-page'),
    path('<path:url>/', views.page, name='combo-public-page'),
    *plugin_urls('get_after_urls'),
]
