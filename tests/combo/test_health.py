"""The cell's health: what the agents' polls saw, told once to the administrator, on a staff-only page."""

import logging
import time

import pytest

from combo_phone_cell import health

pytestmark = pytest.mark.django_db

# Bounds a wait for a condition; the condition, not this, ends the wait.
DEADLINE = 10


def poll_url(cell):
    return f'/api/phone-call-cell/{cell.pk}/poll/'


def health_url(cell):
    return f'/manage/phone-call-cell/{cell.pk}/health/'


@pytest.fixture
def poll(app, agent, extension_factory):
    """Poll ``cell`` as the agent (extension 42), in English; returns the JSON answer."""
    extension_factory(agent, '42')

    def do_poll(cell, status=200, user=None):
        """``status`` '*' accepts any answer."""
        app.set_user(user or agent)
        return app.get(poll_url(cell), status=status, headers={'Accept-Language': 'en'}).json

    return do_poll


def poll_until_failing(poll, cell, user=None):
    """Poll until the connector's failure reaches the agent (the snapshot is renewed within the interval)."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        answer = poll(cell, status='*', user=user)
        if answer['err']:
            return answer
        time.sleep(0.05)
    raise AssertionError('the failure never reached the agent')


def texts(page, css_class):
    """The texts of the elements of ``page`` with the class ``css_class``."""
    nodes = page.lxml.xpath(f'//*[contains(concat(" ", @class, " "), " {css_class} ")]')
    return [' '.join(node.text_content().split()) for node in nodes]


def health_logs(caplog):
    return [record for record in caplog.records if record.name == 'combo_phone_cell.health']


def test_a_configuration_error_is_notified_and_logged_once(poll, cell, connector, caplog):
    connector.behaviour = 'status'
    connector.status = 403

    with caplog.at_level(logging.WARNING, logger='combo_phone_cell'):
        answers = [poll(cell, status=502) for _ in range(3)]

    assert [(answer['state'], answer['notified']) for answer in answers] == [('config_error', True)] * 3
    assert [record.levelname for record in health_logs(caplog)] == ['ERROR']


def test_an_outage_is_notified_only_once_it_lasts(
    poll, cell, closed_port_url, cell_factory, caplog, monkeypatch
):
    cell = cell_factory(connector_url=closed_port_url)

    with caplog.at_level(logging.WARNING, logger='combo_phone_cell'):
        first = poll(cell, status=502)
        monkeypatch.setattr(health, 'OUTAGE_NOTICE', 0)
        second = poll(cell, status=502)
        third = poll(cell, status=502)

    assert (first['state'], first['notified']) == ('unavailable', False)
    assert (second['notified'], third['notified']) == (True, True)
    assert [record.levelname for record in health_logs(caplog)] == ['WARNING', 'ERROR']


def test_the_connector_back_is_logged_once_and_clears_the_outage(poll, cell, connector, caplog):
    connector.behaviour = 'status'

    with caplog.at_level(logging.WARNING, logger='combo_phone_cell'):
        poll(cell, status=502)
        connector.behaviour = 'ok'
        poll(cell)
        poll(cell)

    report = health.report(cell)
    assert report['outage_since'] is None and report['notified'] is False
    assert report['last_ok'] is not None
    assert len(health_logs(caplog)) == 2


def test_report_counts_the_agents_who_polled_and_the_errors(
    poll, cell, connector, user_factory, extension_factory
):
    other = user_factory('other')
    extension_factory(other, '43')
    poll(cell)
    poll(cell, user=other)
    connector.behaviour = 'status'
    poll_until_failing(poll, cell)
    poll_until_failing(poll, cell, user=other)

    report = health.report(cell)

    assert report['agents'] == 2
    assert [(error['cause'], error['count']) for error in report['errors']] == [('server_error', 2)]
    error = report['errors'][0]
    assert error['message'] == 'The telephony connector is failing (HTTP status 500).'
    assert error['first'] <= error['last']


def test_health_page_shows_the_last_error_and_the_agents_last_answer(poll, app, cell, connector, admin_user):
    poll(cell)
    connector.behaviour = 'status'
    poll_until_failing(poll, cell)
    app.set_user(admin_user)

    page = app.get(health_url(cell), headers={'Accept-Language': 'en'})

    assert texts(page, 'phone-call-cell-health__agents') == ['1']
    assert texts(page, 'phone-call-cell-health__last-ok') != ['None yet']
    row = page.lxml.xpath('//tr[contains(@class, "phone-call-cell-health__error--server_error")]/td')
    assert [cell.text_content() for cell in row[:2]] == [
        'The telephony connector is failing (HTTP status 500).',
        '1',
    ]


def test_settings_form_links_to_the_health_page(app, cell, admin_user):
    app.set_user(admin_user)

    page = app.get(f'/manage/pages/{cell.page.pk}/cell/{cell.get_reference()}/')

    assert page.lxml.xpath(f'//a[@href="{health_url(cell)}"]')
