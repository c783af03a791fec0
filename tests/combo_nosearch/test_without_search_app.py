"""On a Combo without the search app, the cell still starts, renders, polls, and types into the first search cell."""

import pytest
from django.apps import apps

from combo_phone_cell import host

pytestmark = pytest.mark.django_db


def test_this_combo_has_no_search_app():
    assert not apps.is_installed('combo.apps.search')
    assert host.search_cell_model() is None


def test_the_cell_renders_on_the_agent_portal_and_targets_the_first_search_cell(django_app, cell, agent):
    response = django_app.get('/', user=agent)

    widget = response.lxml.xpath('//*[@data-poll-url]')[0]
    assert widget.get('data-poll-url') == f'/api/phone-call-cell/{cell.pk}/poll/'
    assert widget.get('data-search-cell-index') == '0'


def test_the_cell_polls_its_connector(django_app, cell, agent):
    answer = django_app.get(f'/api/phone-call-cell/{cell.pk}/poll/', user=agent).json

    assert answer['state'] == 'ok'
    assert answer['data']['current'][0]['search_value'] == '0143250135'


def test_the_settings_form_offers_only_the_first_search_cell(django_app, cell, admin_user):
    response = django_app.get(f'/manage/pages/{cell.page.pk}/cell/{cell.get_reference()}/', user=admin_user)

    form = response.forms[f'combo-cell-form-{cell.get_reference()}']
    assert [value for value, _selected, _label in form['search_cell'].options] == ['']
    response = form.submit()
    assert response.status_code == 302
