"""The Passerelle stand-in's endpoint view: URLs, parameters, JSON answers and errors, in the request's language."""

import logging

import pytest

pytestmark = pytest.mark.django_db

CALL_START = '/echo-connector/echo/call-start'
KEY = {'apikey': 'abcdef'}


@pytest.fixture(autouse=True)
def ipbx(granted):
    return granted()


@pytest.mark.parametrize('path', [CALL_START, CALL_START + '/'])
def test_endpoint_answers_json_with_err_zero_with_or_without_trailing_slash(app, path):
    response = app.get(path, {'caller': '0143250135', 'callee': '42', **KEY})

    assert response.content_type == 'application/json'
    assert response.json == {'err': 0, 'data': {'caller': '0143250135', 'callee': '42', 'limit': '10'}}


def test_declared_parameters_only_are_passed_the_post_body_winning(app):
    response = app.post(
        CALL_START + '?caller=1&line=3&apikey=abcdef', {'caller': '0143250135', 'callee': '42'}
    )

    assert response.json['data'] == {'caller': '0143250135', 'callee': '42', 'limit': '10'}


@pytest.mark.parametrize(
    'language, message',
    [
        ('fr', "paramètres manquants\u00a0: 'caller', 'callee'."),
        ('en', "missing parameters: 'caller', 'callee'."),
    ],
)
def test_missing_parameters_are_a_400_naming_them_in_the_request_language(app, language, message):
    response = app.get(CALL_START, KEY, headers={'Accept-Language': language}, status=400)

    assert response.json['err'] == 1
    assert response.json['err_desc'] == message


def test_returned_http_response_is_sent_as_it_is(app):
    assert app.get('/echo-connector/echo/go-away', KEY).location == 'https://www.example.net/'


@pytest.mark.parametrize(
    'path', ['/echo-connector/nowhere/ping', '/echo-connector/echo/nothing', '/echo-connector/echo/ping/more']
)
def test_unknown_instance_or_endpoint_is_a_json_404(app, path):
    assert app.get(path, status=404).json['err'] == 1


def test_refused_method_is_a_json_405_saying_what_is_allowed(app):
    response = app.post('/echo-connector/echo/ping', status=405)

    assert response.json['err'] == 1
    assert response.headers['Allow'] == 'GET, HEAD'


def test_api_error_is_sent_with_its_status_and_data(app):
    response = app.get('/echo-connector/echo/unknown', {'id': '12', **KEY}, status=404)

    assert response.json['err_desc'] == 'call 12 not found'
    assert response.json['data'] == {'id': '12'}


def test_unexpected_error_is_a_json_500_logged_without_the_key(app, caplog):
    with caplog.at_level(logging.ERROR):
        response = app.get('/echo-connector/echo/crash', KEY, status=500)

    assert response.json['err'] == 1
    assert 'abcdef' not in response.text + caplog.text
    assert 'passerelle.resource.echo-connector.echo' in [record.name for record in caplog.records]


def test_other_paths_fall_through_to_the_urls_mounted_after(app):
    assert app.get('/sample-after').text == 'plugin view after'
