"""Stand-in for ``passerelle.views``: the view of every ``@endpoint`` (PUBLIK-CONTRACTS.md, "Passerelle").

A returned dict is sent as JSON with ``err: 0`` added, a returned
``HttpResponse`` as it is. Errors are ``{"err": 1, "err_class", "err_desc",
"data"}``, checked in this order: 404 (unknown instance or endpoint), 405,
403 (access refused), 400 (missing parameters), then ``APIError.http_status``
or 500 (logged without the query string, which may hold a key).
"""

import inspect
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from passerelle.base.models import get_connector_classes
from passerelle.utils.jsonresponse import APIError


def json_response(data, status=200):
    return HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder), content_type='application/json', status=status
    )


def error_response(status, err_class, err_desc, data=None):
    return json_response({'err': 1, 'err_class': err_class, 'err_desc': str(err_desc), 'data': data}, status)


def find_endpoint(connector, slug, name):
    """The bound endpoint method ``name`` of instance ``slug``, or None; the first installed connector wins."""
    model = next(model for model in get_connector_classes() if model.get_connector_slug() == connector)
    resource = model.objects.filter(slug=slug).first()
    for attr, func in inspect.getmembers(model, inspect.isfunction):
        if resource is not None and getattr(func, 'endpoint_info', None) and func.endpoint_info.name == name:
            return getattr(resource, attr)
    return None


@csrf_exempt
def endpoint_view(request, connector, slug, name, rest=''):
    # No endpoint of the stand-in takes a ``pattern``: nothing may follow the name but a slash.
    method = None if rest else find_endpoint(connector, slug, name)
    if method is None:
        return error_response(404, 'django.http.response.Http404', _('not found'))
    info, resource = method.endpoint_info, method.__self__
    if ('get' if request.method == 'HEAD' else request.method.lower()) not in info.methods:
        response = error_response(405, 'passerelle.views.MethodNotAllowed', _('method not allowed'))
        response['Allow'] = ', '.join(
            method.upper() for method in info.methods + ['head'] * ('get' in info.methods)
        )
        return response
    if not resource.is_accessible_by(request, perm=info.perm):
        return error_response(403, 'django.core.exceptions.PermissionDenied', _('access denied'))
    # Query, then form-encoded POST body; the last value of a repeated parameter.
    given = {**request.GET.dict(), **request.POST.dict()}
    arguments = list(inspect.signature(method).parameters.values())[1:]
    params = {argument.name: given[argument.name] for argument in arguments if argument.name in given}
    missing = [repr(arg.name) for arg in arguments if arg.default is arg.empty and arg.name not in given]
    if missing:
        message = _('missing parameters: %s.') % ', '.join(missing)
        return error_response(400, 'passerelle.views.WrongParameter', message)
    try:
        result = method(request, **params)
    except APIError as e:
        return error_response(e.http_status, 'passerelle.utils.jsonresponse.APIError', e, e.data)
    except Exception as e:
        resource.logger.exception('error in endpoint %s (%s)', info.name, request.method)
        return error_response(500, f'{type(e).__module__}.{type(e).__qualname__}', _('internal error'))
    return result if isinstance(result, HttpResponse) else json_response({'err': 0, **result})
