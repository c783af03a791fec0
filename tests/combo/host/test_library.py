"""Cell registry and CellBase API of the stand-in Combo."""

import pytest
from combo.apps.search.models import SearchCell
from combo.data.library import check_cell_templates, get_cell_class, get_cell_classes, register_cell_class
from combo.data.models import CellBase
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

pytestmark = pytest.mark.django_db


@pytest.fixture
def text_cell_class():
    from tests.combo.host.sample_cells.models import TextCell

    return TextCell


def test_registering_a_cell_class_twice_is_refused(text_cell_class):
    before = get_cell_classes()

    with pytest.raises(ImproperlyConfigured, match='already registered'):
        register_cell_class(text_cell_class)

    assert get_cell_classes() == before


def test_cell_classes_are_found_by_reference_prefix(text_cell_class):
    assert get_cell_class('sample_cells_textcell') is text_cell_class
    assert get_cell_class('search_searchcell') is SearchCell
    assert get_cell_class('search_nosuchcell') is None


def test_cell_reference_is_app_label_model_name_and_pk(text_cell_factory, search_cell_factory):
    text_cell = text_cell_factory()
    search_cell = search_cell_factory()

    assert text_cell.get_reference() == f'sample_cells_textcell-{text_cell.pk}'
    assert search_cell.get_reference() == f'search_searchcell-{search_cell.pk}'


def test_get_cells_returns_only_cells_of_the_given_page(page_factory, text_cell_factory, search_cell_factory):
    other_page = page_factory(slug='other')
    search_cell = search_cell_factory(order=5)
    text_cell = text_cell_factory(order=1)
    text_cell_factory(page=other_page, order=2)

    assert CellBase.get_cells(page=text_cell.page) == [text_cell, search_cell]


def test_get_cells_skips_disabled_cell_classes(text_cell_factory, search_cell_factory, monkeypatch):
    text_cell = text_cell_factory()
    search_cell_factory()
    monkeypatch.setattr(SearchCell, 'is_enabled', classmethod(lambda cls: False))

    assert CellBase.get_cells(page=text_cell.page) == [text_cell]


def test_cell_render_uses_its_template_with_the_cell_in_context(text_cell_factory):
    cell = text_cell_factory(text='Bonjour <b>à tous</b>')

    html = cell.render({})

    assert '<div class="text-content">Bonjour &lt;b&gt;à tous&lt;/b&gt;</div>' in html


def test_default_form_has_only_the_fields_a_cell_type_adds(search_cell_factory):
    form_class = search_cell_factory().get_default_form_class()

    assert list(form_class.base_fields) == ['title', 'input_placeholder']


def test_cell_class_whose_template_is_missing_fails_system_check(text_cell_class, monkeypatch):
    monkeypatch.setattr(text_cell_class, 'default_template_name', 'sample_cells/missing.html')

    errors = check_cell_templates()

    assert [(error.id, error.obj) for error in errors] == [('combo.E001', text_cell_class)]


def test_registered_cell_templates_pass_system_checks():
    errors = checks.run_checks(tags=[checks.Tags.templates])

    assert [error for error in errors if error.id == 'combo.E001'] == []


def test_cell_base_defaults_match_combo(page):
    cell = SearchCell.objects.create(page=page, order=0)

    assert (cell.placeholder, cell.ajax_refresh, cell.manager_form_template) == ('content', 0, None)
    assert (cell.public, cell.restricted_to_unlogged) == (False, False)
    assert SearchCell.is_enabled() is True
    assert cell.css_class_names == 'search-cell searchcell'
