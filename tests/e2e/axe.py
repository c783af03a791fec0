"""axe-core, the accessibility engine, injected into a Playwright page.

The npm package's tarball is fetched once from the npm registry with urllib
(no npm needed), checked against the sha512 integrity the registry publishes
for that version (pinned here), and cached under test-artifacts/.
"""

import base64
import hashlib
import io
import os
import pathlib
import tarfile
import urllib.request

import pytest

AXE_VERSION = '4.14.1'
# dist.integrity of axe-core 4.14.1 in https://registry.npmjs.org/axe-core
AXE_INTEGRITY = (
    'sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=='
)
TARBALL_URL = 'https://registry.npmjs.org/axe-core/-/axe-core-%s.tgz' % AXE_VERSION
CACHE = pathlib.Path(__file__).resolve().parents[2] / 'test-artifacts' / ('axe-core-%s.tgz' % AXE_VERSION)
BLOCKING = ('serious', 'critical')


def integrity_of(data):
    return 'sha512-' + base64.b64encode(hashlib.sha512(data).digest()).decode()


def tarball():
    """The pinned tarball's bytes, from the cache or the registry; fails when its digest differs."""
    if CACHE.exists() and integrity_of(CACHE.read_bytes()) == AXE_INTEGRITY:
        return CACHE.read_bytes()
    try:
        with urllib.request.urlopen(TARBALL_URL, timeout=60) as response:
            data = response.read()
    except OSError as error:
        pytest.fail('axe-core %s could not be fetched from %s: %s' % (AXE_VERSION, TARBALL_URL, error))
    if integrity_of(data) != AXE_INTEGRITY:
        pytest.fail('axe-core %s from %s does not match its pinned integrity' % (AXE_VERSION, TARBALL_URL))
    CACHE.parent.mkdir(exist_ok=True)
    # Written aside then renamed: test processes running side by side never read half a file.
    partial = CACHE.with_name('%s.%d' % (CACHE.name, os.getpid()))
    partial.write_bytes(data)
    os.replace(partial, CACHE)
    return data


_source = None


def source():
    global _source
    if _source is None:
        with tarfile.open(fileobj=io.BytesIO(tarball()), mode='r:gz') as archive:
            _source = archive.extractfile('package/axe.min.js').read().decode()
    return _source


class Audit:
    """Runs axe-core on the phone cell of a page and keeps the figures of every run."""

    def __init__(self):
        self.runs = []

    def check(self, page, name, selector='phone-call-cell'):
        """Audit ``selector`` on ``page``; fails on any serious or critical violation."""
        if not page.evaluate('() => !!window.axe'):
            page.add_script_tag(content=source())
        results = page.evaluate(
            """(selector) => axe.run(document.querySelectorAll(selector), {
                resultTypes: ['violations', 'incomplete', 'passes'],
            }).then((results) => ({
                violations: results.violations.map((rule) => ({
                    id: rule.id, impact: rule.impact, help: rule.help,
                    nodes: rule.nodes.map((node) => node.html.slice(0, 200)),
                })),
                checks: ['passes', 'violations', 'incomplete'].reduce((total, kind) => total
                    + results[kind].reduce((sum, rule) => sum + rule.nodes.reduce((count, node) =>
                        count + node.any.length + node.all.length + node.none.length, 0), 0), 0),
                rules: results.passes.length + results.violations.length + results.incomplete.length,
                incomplete: results.incomplete.map((rule) => rule.id),
            }))""",
            selector,
        )
        self.runs.append(dict(results, name=name))
        blocking = [rule for rule in results['violations'] if rule['impact'] in BLOCKING]
        assert blocking == [], 'axe-core on %s: %s' % (name, blocking)
        return results
