"""The phone cell's element seen through its DOM contract (the cell template), shared by the browser tests.

Texts are read from the element's data-text-* attributes, so the tests hold
in any language; where a test pins the French wording it says so.
"""

import re

from playwright.sync_api import expect

CELL = 'phone-call-cell'


class Cell:
    """The <phone-call-cell> of a page (the first one)."""

    def __init__(self, page):
        self.page = page

    @property
    def element(self):
        return self.page.locator(CELL).first

    def role(self, name):
        return self.element.locator('[data-role="%s"]' % name)

    def text(self, key):
        return self.element.get_attribute('data-text-' + key)

    def sentence(self, key, caller):
        return self.text(key).replace('{caller}', caller)

    @property
    def status(self):
        return self.role('status')

    def expect_state(self, state, timeout=None):
        expect(self.element).to_have_attribute('data-state', state, timeout=timeout)

    @property
    def search(self):
        """The input the cell types into: the first search input of the page's first search cell."""
        return self.page.locator('div.searchcell input[type=search]').first

    @property
    def results(self):
        return self.page.locator('div.searchcell .combo-search-results').first

    @property
    def recent_items(self):
        return self.element.locator('.phone-call-cell__recent-item')

    def visible_text(self):
        """What the agent reads in the cell (hidden parts left out)."""
        return re.sub(r'\s+', ' ', self.element.inner_text()).strip()
