"""Debian's Chromium, launched the same way by every browser test and benchmark."""

import contextlib
import os

import pytest

CHROMIUM = '/usr/bin/chromium'
# Headless as root, and quiet on a machine whose network is closed: without
# the background-networking flags Chromium keeps trying to reach its vendor.
CHROMIUM_ARGS = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
]


def launch(playwright):
    """A Playwright browser running Debian's Chromium (a test tool's own browser cannot be downloaded here)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


@contextlib.contextmanager
def chromium():
    """Debian's Chromium, through Playwright, for the ``with`` block (``require_chromium()`` first)."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            yield browser
        finally:
            browser.close()


def require_chromium():
    """Skip the calling test when Chromium is missing, saying why; fail instead when CI=true."""
    if os.path.exists(CHROMIUM):
        return
    reason = '%s is missing (apt-get install chromium): browser tests cannot run' % CHROMIUM
    if os.environ.get('CI', '').lower() in ('1', 'true', 'yes'):
        pytest.fail(reason)
    pytest.skip(reason)
