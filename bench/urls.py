"""The demo project's URLs plus the benchmarks' floor: a bare JSON view on the same stack."""

from django.http import JsonResponse
from django.urls import path

from demo.urls import urlpatterns as demo_urlpatterns


def bare_json(request):
    """The cheapest JSON answer the stack gives: the floor of the webhook benchmark."""
    return JsonResponse({'err': 0, 'data': None})


urlpatterns = [path('bench/bare', bare_json)] + demo_urlpatterns
