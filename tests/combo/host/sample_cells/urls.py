"""URLs the test plugin mounts through ``get_before_urls`` and ``get_after_urls``."""

from django.http import HttpResponse
from django.urls import path


def before_view(request):
    return HttpResponse('sample before view')


def after_view(request):
    return HttpResponse('sample after view')


before_urlpatterns = [path('sample-before/', before_view, name='sample-before')]
# No trailing slash: Combo's catch-all page view only takes paths ending with '/'.
after_urlpatterns = [path('sample-after', after_view, name='sample-after')]
