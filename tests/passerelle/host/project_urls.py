"""A project URLconf mounting the connector URLs in front of another app's, like the demo does."""

from django.http import HttpResponse
from django.urls import include, path, re_path


def other_page(request, section, page, item):
    return HttpResponse(f'other app: {section}/{page}/{item}', content_type='text/plain')


urlpatterns = [
    path('', include('passerelle.urls')),
    re_path(r'^(?P<section>[\w-]+)/(?P<page>[\w-]+)/(?P<item>[\w-]+)/?$', other_page),
]
