"""Pages, cells and profiles for the Combo stand-in's tests."""

import pytest
from combo.apps.search.models import ProfileAttribute, SearchCell
from combo.data.models import Page

from tests.chromium import chromium
from tests.hosts.combo.sample_cells.models import TextCell


@pytest.fixture
def page_factory(db):
    def make(slug='index', groups=(), **fields):
        page = Page.objects.create(title=fields.pop('title', 'Portail agent'), slug=slug, **fields)
        page.groups.set(groups)
        return page

    return make


@pytest.fixture
def page(page_factory):
    return page_factory()


@pytest.fixture
def cell_factory(page):
    def make(model=TextCell, groups=(), **fields):
        cell = model.objects.create(**{'page': page, 'order': 0, 'public': True, **fields})
        cell.groups.set(groups)
        return cell

    return make


@pytest.fixture
def search_cell(cell_factory):
    return cell_factory(SearchCell, public=False, slug='recherche')


@pytest.fixture
def citizen_factory(user_factory):
    """A user whose profile holds ``attributes``: ``(label, kind, value)``."""

    def make(username, first_name, last_name, *attributes):
        user = user_factory(username, first_name=first_name, last_name=last_name)
        for label, kind, value in attributes:
            ProfileAttribute.objects.create(user=user, label=label, kind=kind, value=value)
        return user

    return make


@pytest.fixture
def browser_page():
    with chromium() as browser:
        yield browser.new_page(locale='fr-FR')
