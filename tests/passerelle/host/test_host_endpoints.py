"""The generic endpoint view: URLs, parameters, JSON envelope and errors."""

import logging

import pytest

pytestmark = pytest.mark.django_db

CALL_START = '/echo-connector/echo/call-start'


def test_endpoint_answers_without_trailing_slash(app, open_echo):
    resp = app.get(CALL_START + '?caller=0143250135&callee=42')
    assert resp.json == {'err': 0, 'data': {'caller': '0143250135', 'callee': '42', 'limit': '10'}}


def test_endpoint_answers_with_trailing_slash(app, open_echo):
    resp = app.get(CALL_START + '/?caller=0143250135&callee=42')
    assert resp.json['data']['caller'] == '0143250135'


def test_response_is_json_with_err_zero_added(app, open_echo):
    resp = app.get('/echo-connector/echo/ping')
    assert resp.status_code == 200
    assert resp.content_type == 'application/json'
    assert resp.json == {'err': 0, 'data': 'pong'}


def test_returned_dict_with_err_is_sent_as_is(app, open_echo):
    resp = app.get('/echo-connector/echo/custom')
    assert resp.json == {'err': 2, 'err_desc': 'partly done'}


def test_dates_are_serialised_by_django_json_encoder(app, open_echo):
    resp = app.get('/echo-connector/echo/clock')
    assert resp.json['data'] == {'now': '2024-01-02T10:00:00Z'}


def test_returned_http_response_is_passed_through(app, open_echo):
    resp = app.get('/echo-connector/echo/go-away')
    assert resp.status_code == 302
    assert resp.location == 'https://www.example.net/'


def test_optional_parameter_is_passed_when_given(app, open_echo):
    resp = app.get(CALL_START + '?caller=0143250135&callee=42&limit=3')
    assert resp.json['data']['limit'] == '3'


def test_missing_required_parameter_is_a_400_naming_it(app, open_echo):
    resp = app.get(CALL_START + '?callee=42', status=400)
    assert resp.json == {
        'err': 1,
        'err_class': 'passerelle.views.WrongParameter',
        'err_desc': "missing parameters: 'caller'.",
        'data': None,
    }


def test_every_missing_parameter_is_named_in_declaration_order(app, open_echo):
    resp = app.get(CALL_START, status=400)
    assert resp.json['err_desc'] == "missing parameters: 'caller', 'callee'."


def test_empty_parameter_counts_as_given(app, open_echo):
    resp = app.get(CALL_START + '?caller=&callee=42')
    assert resp.json['data']['caller'] == ''


def test_undeclared_parameters_are_not_passed(app, open_echo):
    resp = app.get(CALL_START + '?caller=0143250135&callee=42&line=3&direction=in')
    assert resp.json['data'] == {'caller': '0143250135', 'callee': '42', 'limit': '10'}


def test_endpoint_taking_kwargs_gets_every_parameter(app, open_echo):
    resp = app.get('/echo-connector/echo/anything?caller=0143250135&line=3')
    assert resp.json['data'] == ['caller', 'line']


def test_repeated_parameter_passes_its_last_value(app, open_echo):
    resp = app.get(CALL_START + '?caller=0600000000&callee=42&caller=0143250135')
    assert resp.json['data']['caller'] == '0143250135'


def test_unknown_instance_is_a_json_404(app, open_echo):
    resp = app.get('/echo-connector/nowhere/call-start?caller=0143250135&callee=42', status=404)
    assert resp.content_type == 'application/json'
    assert resp.json['err'] == 1
    assert resp.json['err_class'] == 'django.http.response.Http404'


def test_unknown_endpoint_is_a_json_404(app, open_echo):
    resp = app.get('/echo-connector/echo/call-end?caller=0143250135&callee=42', status=404)
    assert resp.json['err'] == 1


def test_path_after_endpoint_without_pattern_is_a_404(app, open_echo):
    resp = app.get('/echo-connector/echo/ping/more', status=404)
    assert resp.json['err'] == 1


def test_endpoint_pattern_groups_become_parameters(app, open_echo):
    assert app.get('/echo-connector/echo/item/12').json['data'] == {'item_id': '12'}
    assert app.get('/echo-connector/echo/item/12/').json['data'] == {'item_id': '12'}


def test_path_not_matching_endpoint_pattern_is_a_404(app, open_echo):
    resp = app.get('/echo-connector/echo/item/twelve', status=404)
    assert resp.json['err'] == 1


def test_get_on_post_only_endpoint_is_a_json_405(app, open_echo):
    resp = app.get('/echo-connector/echo/store?value=12', status=405)
    assert resp.json['err'] == 1
    assert resp.headers['Allow'] == 'POST'


def test_post_on_get_only_endpoint_is_a_json_405(app, open_echo):
    resp = app.post(CALL_START + '?caller=0143250135&callee=42', status=405)
    assert resp.json['err'] == 1
    assert resp.headers['Allow'] == 'GET, HEAD'


def test_head_is_served_like_get(app, open_echo):
    resp = app.head('/echo-connector/echo/ping')
    assert resp.status_code == 200
    assert resp.content_type == 'application/json'


def test_post_form_parameters_are_passed_without_csrf_token(app, open_echo):
    resp = app.post('/echo-connector/echo/store?note=from-query', {'value': '12'})
    assert resp.json['data'] == {'value': '12', 'note': 'from-query'}


def test_post_body_parameter_wins_over_query_parameter(app, open_echo):
    resp = app.post('/echo-connector/echo/store?value=1', {'value': '2'})
    assert resp.json['data']['value'] == '2'


def test_api_error_is_sent_with_its_status_and_data(app, open_echo):
    resp = app.get('/echo-connector/echo/unknown?id=12', status=404)
    assert resp.json == {
        'err': 1,
        'err_class': 'passerelle.utils.jsonresponse.APIError',
        'err_desc': 'call 12 not found',
        'data': {'id': '12'},
    }


def test_api_error_without_status_is_a_200_with_err_one(app, open_echo):
    resp = app.get('/echo-connector/echo/soft')
    assert resp.json['err'] == 1
    assert resp.json['err_desc'] == 'remote service is down'


def test_unexpected_exception_is_a_logged_json_500(app, echo, apiuser_factory, grant, caplog):
    grant(echo, apiuser_factory())
    with caplog.at_level(logging.INFO):
        resp = app.get('/echo-connector/echo/crash?apikey=abcdef', status=500)
    assert resp.json['err'] == 1
    assert resp.json['err_class'] == 'builtins.ValueError'
    assert 'abcdef' not in resp.text
    [record] = [r for r in caplog.records if r.name.startswith('passerelle')]
    assert record.name == 'passerelle.resource.echo-connector.echo'
    assert record.levelno == logging.ERROR
    assert record.exc_info[0] is ValueError
    assert 'abcdef' not in caplog.text


def test_unknown_connector_path_falls_through_to_later_urls(app, open_echo, settings):
    settings.ROOT_URLCONF = 'tests.passerelle.host.project_urls'
    assert app.get('/agents/desk/search').text == 'other app: agents/desk/search'
    assert app.get('/echo-connector/echo/ping').json == {'err': 0, 'data': 'pong'}
