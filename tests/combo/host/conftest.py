"""Fixtures for the stand-in Combo's own tests (factories with overrides)."""

import pytest
from combo.apps.search.models import DirectoryUser, OpenRequest, SearchCell
from combo.data.models import Page
from django.contrib.auth.models import Group, User

from tests.chromium import launch, require_chromium

PASSWORD = 'correct horse battery staple'


@pytest.fixture
def page_factory():
    def make(**overrides):
        fields = {'title': 'Agent portal', 'slug': 'index', 'template_name': 'standard', 'public': True}
        fields.update(overrides)
        groups = fields.pop('groups', ())
        page = Page.objects.create(**fields)
        page.groups.set(groups)
        return page

    return make


@pytest.fixture
def page(page_factory):
    return page_factory()


def _cell_factory(model, defaults):
    def make(**overrides):
        fields = dict(defaults)
        fields.update(overrides)
        groups = fields.pop('groups', ())
        cell = model.objects.create(**fields)
        cell.groups.set(groups)
        return cell

    return make


@pytest.fixture
def text_cell_factory(page):
    from tests.combo.host.sample_cells.models import TextCell

    return _cell_factory(TextCell, {'page': page, 'order': 0, 'public': True, 'text': 'Welcome, agent.'})


@pytest.fixture
def search_cell_factory(page):
    return _cell_factory(SearchCell, {'page': page, 'order': 0, 'public': False})


@pytest.fixture
def user_factory():
    def make(**overrides):
        fields = {
            'username': 'agent',
            'first_name': 'Alice',
            'last_name': 'Martin',
            'email': 'alice@example.org',
        }
        fields.update(overrides)
        groups = fields.pop('groups', ())
        user = User.objects.create_user(password=PASSWORD, **fields)
        user.groups.set(groups)
        return user

    return make


@pytest.fixture
def agent(user_factory):
    return user_factory()


@pytest.fixture
def group_factory():
    def make(name='Accueil'):
        return Group.objects.create(name=name)

    return make


@pytest.fixture
def app(django_app):
    return django_app


@pytest.fixture
def agent_app(django_app, agent):
    django_app.set_user(agent)
    return django_app


@pytest.fixture
def log_in():
    """Log in through the login form, as a person would; returns the form's response."""

    def submit(app, username='agent', password=PASSWORD, login_url='/login/'):
        form = app.get(login_url).form
        form['username'] = username
        form['password'] = password
        return form.submit()

    return submit


@pytest.fixture
def browser_log_in(live_server):
    """Log in through the login form in Chromium."""

    def submit(browser_page, username='agent', password=PASSWORD):
        browser_page.goto(f'{live_server.url}/login/')
        browser_page.fill('input[name=username]', username)
        browser_page.fill('input[name=password]', password)
        browser_page.click('form.combo-login-form button[type=submit]')
        browser_page.wait_for_selector('.combo-user-name')
        # The search script comes after the header: typing before it runs is lost.
        browser_page.wait_for_load_state('load')

    return submit


@pytest.fixture
def directory_user_factory():
    def make(**overrides):
        fields = {
            'first_name': 'Jeanne',
            'last_name': 'Dupont',
            'email': 'jeanne.dupont@example.net',
            'phone': '01 43 25 01 35',
        }
        fields.update(overrides)
        return DirectoryUser.objects.create(**fields)

    return make


@pytest.fixture
def open_request_factory():
    def make(user, **overrides):
        fields = {
            'title': 'Demande de place en crèche',
            'status': 'En cours de traitement',
            'url': 'https://demarches.example.net/creche/12/',
        }
        fields.update(overrides)
        return OpenRequest.objects.create(user=user, **fields)

    return make


@pytest.fixture
def browser_page():
    """A Chromium page (Playwright); skipped, saying why, when Debian's Chromium is not installed."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            yield browser.new_page()
        finally:
            browser.close()
