"""The echo connector: one endpoint per host behaviour the tests pin down."""

import datetime

from django.db import models
from django.http import HttpResponseRedirect
from passerelle.base.models import BaseResource
from passerelle.utils.api import endpoint
from passerelle.utils.jsonresponse import APIError


class EchoConnector(BaseResource):
    """Answers with what it was given; its cron hooks record that they ran."""

    last_job = models.CharField(max_length=16, blank=True)
    job_fails = models.BooleanField(default=False)

    category = 'Tests'

    class Meta:
        verbose_name = 'Echo connector'

    def __str__(self):
        return self.title

    def record_job(self, frequency):
        if self.job_fails:
            raise RuntimeError(f'{frequency} job of {self.slug} exploded')
        self.last_job = frequency
        self.save(update_fields=['last_job'])

    def hourly(self):
        super().hourly()
        self.record_job('hourly')

    def daily(self):
        super().daily()
        self.record_job('daily')

    @endpoint(
        name='call-start',
        perm='can_access',
        description='Echo the caller and callee',
        parameters={'caller': {'description': 'caller number', 'example_value': '0143250135'}},
    )
    def call_start(self, request, caller, callee, limit='10'):
        return {'data': {'caller': caller, 'callee': callee, 'limit': limit}}

    @endpoint(perm=None)
    def ping(self, request):
        return {'data': 'pong'}

    @endpoint(perm=None)
    def clock(self, request):
        return {'data': {'now': datetime.datetime(2024, 1, 2, 10, 0, tzinfo=datetime.UTC)}}

    @endpoint(methods=['post'], perm='can_access')
    def store(self, request, value, note=''):
        return {'data': {'value': value, 'note': note}}

    @endpoint(methods=['get', 'post'], perm='can_access')
    def anything(self, request, **kwargs):
        return {'data': sorted(kwargs)}

    @endpoint(perm='can_access')
    def unknown(self, request, id):
        raise APIError(f'call {id} not found', http_status=404, data={'id': id})

    @endpoint(perm='can_access')
    def soft(self, request):
        raise APIError('remote service is down')

    @endpoint(perm='can_access')
    def custom(self, request):
        return {'err': 2, 'err_desc': 'partly done'}

    @endpoint(perm='can_access')
    def crash(self, request):
        raise ValueError('echo exploded')

    @endpoint(name='go-away', perm='can_access')
    def go_away(self, request):
        return HttpResponseRedirect('https://www.example.net/')

    @endpoint(perm='can_access', pattern=r'^(?P<item_id>\d+)/?$', example_pattern='{item_id}/')
    def item(self, request, item_id):
        return {'data': {'item_id': item_id}}
