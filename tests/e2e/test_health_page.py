"""The cell's health page in Chromium: after an agent's cell got answers and then failed, the
administrator sees when the agents last got an answer and the last error, with its count."""

import pytest
from playwright.sync_api import expect

from tests.e2e.widget import Cell

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

TIMEOUT = 15000


def test_health_page_shows_the_last_error_and_the_agents_last_answer(demo, login):
    from combo_phone_cell.models import PhoneCallCell

    agent = Cell(login('agent'))
    agent.expect_state('idle', timeout=TIMEOUT)
    cell = PhoneCallCell.objects.get(slug='telephonie')
    admin = login('admin')
    health_url = '%s/manage/phone-call-cell/%d/health/' % (demo.url, cell.pk)
    # While the link works, the page charts the calls from the connector's statistics.
    admin.goto(health_url)
    expect(admin.locator('.phone-call-cell-statistics figure svg')).to_have_count(3)
    # The administrator saves a wrong connector URL (the slug of another connector).
    cell.connector_url = demo.url + '/phonecalls/nope/'
    cell.save()
    agent.expect_state('config-error', timeout=TIMEOUT)

    admin.goto(health_url)

    expect(admin.locator('.phone-call-cell-health__agents')).to_have_text('1')
    expect(admin.locator('.phone-call-cell-health__last-ok')).to_contain_text('il y a')
    row = admin.locator('.phone-call-cell-health__error--no_connector td')
    expect(row.nth(0)).to_have_text(
        'Aucun connecteur de téléphonie n’a été trouvé à l’adresse saisie dans la cellule.'
    )
    expect(row.nth(1)).not_to_have_text('0')
    expect(admin.locator('.phone-call-cell-health__state--failing')).to_be_visible()
