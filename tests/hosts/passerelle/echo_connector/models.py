"""The echo connector: answers what it was given; its cron hooks record that they ran."""

from django.db import models
from django.http import HttpResponseRedirect
from passerelle.base.models import BaseResource
from passerelle.utils.api import endpoint
from passerelle.utils.jsonresponse import APIError


class EchoConnector(BaseResource):
    last_job = models.CharField(max_length=16, blank=True)
    job_fails = models.BooleanField(default=False)

    class Meta:
        verbose_name = 'Echo connector'

    def run_job(self, frequency):
        if self.job_fails:
            raise RuntimeError(f'{frequency} job of {self.slug} exploded')
        self.last_job = frequency
        self.save(update_fields=['last_job'])

    def hourly(self):
        super().hourly()
        self.run_job('hourly')

    def daily(self):
        super().daily()
        self.run_job('daily')

    @endpoint(name='call-start', perm='can_access', methods=['get', 'post'])
    def call_start(self, request, caller, callee, limit='10'):
        return {'data': {'caller': caller, 'callee': callee, 'limit': limit}}

    @endpoint()
    def ping(self, request):
        return {'data': 'pong'}

    @endpoint(perm='can_access')
    def unknown(self, request, id):
        raise APIError(f'call {id} not found', http_status=404, data={'id': id})

    @endpoint(perm='can_access')
    def crash(self, request):
        raise ValueError('echo exploded')

    @endpoint(name='go-away', perm='can_access')
    def go_away(self, request):
        return HttpResponseRedirect('https://www.example.net/')
