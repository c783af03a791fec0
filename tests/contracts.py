"""The two contracts of the product, as JSON Schemas in ``docs/contracts/``, and their examples.

Contract A is what the connector serves (a call, the ``calls`` answer);
contract B what the cell's poll view answers its widget. The connector's
tests validate what it serves and write the example of contract A; the
cell's tests serve that example as the connector's answer, validate the
poll answer they get and write the example of contract B, which the widget
harness plays. An example is written by its test only when
``WRITE_CONTRACT_EXAMPLES=1``; otherwise a test fails when the product no
longer gives it, so a change to either contract shows in the diff of these
files.
"""

import datetime
import json
import os
import pathlib

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

CONTRACTS = pathlib.Path(__file__).resolve().parent.parent / 'docs' / 'contracts'
EXAMPLES = CONTRACTS / 'examples'
# The moment the examples are dated from, so that they do not change with the day they are written.
EXAMPLE_NOW = datetime.datetime(2026, 1, 5, 9, 30, tzinfo=datetime.UTC)


def _registry():
    resources = []
    for path in sorted(CONTRACTS.glob('*.schema.json')):
        schema = json.loads(path.read_text())
        resources.append((schema['$id'], Resource.from_contents(schema)))
    return Registry().with_resources(resources)


def validator(name):
    """The validator of the schema ``docs/contracts/<name>.schema.json`` (formats checked)."""
    registry = _registry()
    schema = registry.contents(f'{name}.schema.json')
    return Draft202012Validator(schema, registry=registry, format_checker=FormatChecker())


def assert_valid(name, document):
    """Fail with every error when ``document`` is not valid against the schema ``name``."""
    errors = sorted(validator(name).iter_errors(document), key=lambda error: list(error.path))
    assert not errors, '\n'.join(f'{list(error.path)}: {error.message}' for error in errors)


def load_example(name):
    return json.loads((EXAMPLES / f'{name}.json').read_text())


def check_example(name, document):
    """Compare ``document`` with the example ``name``; write it instead when asked to."""
    if os.environ.get('WRITE_CONTRACT_EXAMPLES') == '1':
        EXAMPLES.mkdir(exist_ok=True)
        (EXAMPLES / f'{name}.json').write_text(json.dumps(document, indent=2, ensure_ascii=False) + '\n')
        return
    assert document == load_example(name), (
        f'docs/contracts/examples/{name}.json is not what the product gives: '
        'run the test again with WRITE_CONTRACT_EXAMPLES=1 and review the diff'
    )


def dated_from(document, now, times=('start', 'end')):
    """``document`` with the ISO times under the keys ``times`` moved as if ``now`` were ``EXAMPLE_NOW``."""
    if isinstance(document, list):
        return [dated_from(item, now, times) for item in document]
    if not isinstance(document, dict):
        return document
    moved = {}
    for key, value in document.items():
        if key in times and isinstance(value, str):
            value = (EXAMPLE_NOW + (datetime.datetime.fromisoformat(value) - now)).isoformat()
        moved[key] = dated_from(value, now, times)
    return moved
