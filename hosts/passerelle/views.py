"""Stand-in for ``passerelle.views``: the generic view serving every connector endpoint."""

import inspect
import json
import re

from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import View
from passerelle.base.models import get_connector_classes
from passerelle.utils.jsonresponse import APIError

PARAMETER_KINDS = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


class WrongParameter(Exception):
    """Required parameters of the endpoint are missing from the request."""

    http_status = 400

    def __init__(self, missing):
        super().__init__(missing)
        self.missing = missing

    def __str__(self):
        return 'missing parameters: ' + ', '.join(repr(name) for name in self.missing) + '.'


class MethodNotAllowed(Exception):
    """The endpoint does not accept the request's HTTP method."""

    http_status = 405

    def __init__(self, allowed):
        super().__init__(allowed)
        self.allowed = allowed

    def __str__(self):
        return 'method not allowed, use ' + ', '.join(method.upper() for method in self.allowed) + '.'


def json_response(data, status=200):
    """Serialise ``data`` as the JSON body of a response."""
    return HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder), content_type='application/json', status=status
    )


def error_response(exception, status, err=1, err_desc=None, data=None):
    """Answer ``{"err": 1, "err_class", "err_desc", "data"}`` describing ``exception``."""
    exception_class = exception.__class__
    return json_response(
        {
            'err': err,
            'err_class': f'{exception_class.__module__}.{exception_class.__qualname__}',
            'err_desc': str(exception) if err_desc is None else err_desc,
            'data': data,
        },
        status=status,
    )


def get_connector_class(connector_slug):
    """The connector model mounted at ``connector_slug``; the first installed one wins."""
    for model in get_connector_classes():
        if model.get_connector_slug() == connector_slug:
            return model
    raise Http404(f'unknown connector {connector_slug!r}')


def find_endpoint(resource, name, rest):
    """The bound endpoint method called ``name`` and the parameters its pattern takes from ``rest``.

    An endpoint with a ``pattern`` must match ``rest`` (empty when absent); one
    without is only served when nothing follows its name.
    """
    # Looked up on the class so that no property of the instance gets evaluated.
    for attr, func in inspect.getmembers(type(resource), inspect.isfunction):
        info = getattr(func, 'endpoint_info', None)
        if info is None or info.name != name:
            continue
        method = getattr(resource, attr)
        if info.pattern:
            match = re.search(info.pattern, rest or '')
            if match:
                return method, match.groupdict()
        elif not rest:
            return method, {}
    raise Http404(f'unknown endpoint {name!r}')


def collect_parameters(method, request, path_params):
    """Keyword arguments for ``method``: the parameters it declares, or all with ``**kwargs``.

    Query parameters, then form-encoded body parameters of a POST, then the
    endpoint pattern's groups; a repeated parameter gives its last value.
    """
    params = {key: request.GET.get(key) for key in request.GET}
    if request.method == 'POST':
        params.update((key, request.POST.get(key)) for key in request.POST)
    params.update(path_params)
    # The first parameter of an endpoint is the request.
    arguments = list(inspect.signature(method).parameters.values())[1:]
    if not any(argument.kind == inspect.Parameter.VAR_KEYWORD for argument in arguments):
        declared = {argument.name for argument in arguments if argument.kind in PARAMETER_KINDS}
        params = {key: value for key, value in params.items() if key in declared}
    missing = [
        argument.name
        for argument in arguments
        if argument.kind in PARAMETER_KINDS
        and argument.default is inspect.Parameter.empty
        and argument.name not in params
    ]
    if missing:
        raise WrongParameter(missing)
    return params


@method_decorator(csrf_exempt, name='dispatch')
class GenericEndpointView(View):
    """Serve ``/<connector>/<slug>/<endpoint>[/<rest>]`` for every connector instance.

    A returned dict is sent as JSON with ``err: 0`` added when absent, a
    returned ``HttpResponse`` as is. Errors are JSON too: 404 for an unknown
    instance or endpoint, 405 for a refused method, 403 for refused access,
    400 for missing parameters, ``APIError.http_status`` for an ``APIError``
    and 500 for anything unexpected (logged on the connector's logger).
    """

    def dispatch(self, request, connector, slug, endpoint, rest=None):
        try:
            model = get_connector_class(connector)
            resource = model.objects.filter(slug=slug).first()
            if resource is None:
                raise Http404(f'no {connector} instance {slug!r}')
            method, path_params = find_endpoint(resource, endpoint, rest)
            info = method.endpoint_info
            http_method = 'get' if request.method == 'HEAD' else request.method.lower()
            if http_method not in info.methods:
                raise MethodNotAllowed(info.methods)
            if not resource.is_accessible_by(request, perm=info.perm):
                raise PermissionDenied('access denied')
            params = collect_parameters(method, request, path_params)
        except Http404 as e:
            return error_response(e, 404)
        except MethodNotAllowed as e:
            response = error_response(e, 405)
            allowed = [m.upper() for m in e.allowed] + (['HEAD'] if 'get' in e.allowed else [])
            response['Allow'] = ', '.join(allowed)
            return response
        except PermissionDenied as e:
            return error_response(e, 403)
        except WrongParameter as e:
            return error_response(e, 400)
        return self.call_endpoint(resource, method, request, params)

    def call_endpoint(self, resource, method, request, params):
        """Call the endpoint and turn its result or exception into the response."""
        try:
            result = method(request, **params)
            if isinstance(result, HttpResponse):
                return result
            if not isinstance(result, dict):
                raise TypeError(f'endpoint returned {type(result).__name__}, not a dict')
        except APIError as e:
            if e.log_error:
                resource.logger.error('%s: %s', method.endpoint_info.name, e)
            return error_response(e, e.http_status, err=e.err, data=e.data)
        except Http404 as e:
            return error_response(e, 404)
        except PermissionDenied as e:
            return error_response(e, 403)
        except Exception as e:
            # Never the URL: its query string may hold an API key or a signature.
            resource.logger.exception('error in endpoint %s (%s)', method.endpoint_info.name, request.method)
            return error_response(e, 500, err_desc='internal error')
        if 'err' in result:
            return json_response(result)
        return json_response({'err': 0, **result})
