"""Fixtures of the search-app-less suite: a page with the phone cell, an agent on extension 42, a connector."""

import pytest
from combo.data.models import Page
from django.contrib.auth.models import User

from combo_phone_cell.models import AgentExtension, PhoneCallCell
from tests.combo.support import FakeConnector, connector_call


@pytest.fixture
def connector():
    fake = FakeConnector()
    fake.start()
    fake.current = [connector_call()]
    yield fake
    fake.stop()


@pytest.fixture
def cell(db, connector):
    page = Page.objects.create(title='Accueil agent', slug='index', template_name='standard', public=False)
    return PhoneCallCell.objects.create(
        page=page, order=1, connector_url=connector.base_url, api_key='abcdef'
    )


@pytest.fixture
def agent(db):
    user = User.objects.create_user(username='agent', email='agent@ville.example')
    AgentExtension.objects.create(user=user, extension='42')
    return user


@pytest.fixture
def admin_user(db):
    return User.objects.create_user(username='admin', is_staff=True)
