"""The wheel carries both apps whole, and nothing of the stand-ins, the demo or the tests."""

import subprocess
import sys
import zipfile

import pytest

REQUIRED = [
    'passerelle_phonecalls/models.py',
    'passerelle_phonecalls/migrations/0001_initial.py',
    'passerelle_phonecalls/locale/fr/LC_MESSAGES/django.mo',
    'combo_phone_cell/models.py',
    'combo_phone_cell/migrations/0001_initial.py',
    'combo_phone_cell/templates/combo_phone_cell/phone_call_cell.html',
    'combo_phone_cell/static/combo_phone_cell/phone-call-cell.js',
    'combo_phone_cell/static/combo_phone_cell/phone-call-cell.css',
    'combo_phone_cell/locale/fr/LC_MESSAGES/django.mo',
]


@pytest.fixture(scope='module')
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp('wheel')
    subprocess.run(
        [
            sys.executable,
            '-m',
            'pip',
            'wheel',
            '--no-deps',
            '--no-build-isolation',
            '-q',
            '-w',
            str(out),
            '.',
        ],
        check=True,
    )
    (path,) = out.glob('*.whl')
    with zipfile.ZipFile(path) as archive:
        yield archive


@pytest.fixture(scope='module')
def wheel_names(wheel):
    return wheel.namelist()


@pytest.mark.parametrize('path', REQUIRED)
def test_wheel_carries_the_apps_files(wheel_names, path):
    assert path in wheel_names


def test_wheel_ships_only_the_two_apps(wheel_names):
    top_levels = {name.split('/')[0] for name in wheel_names if not name.split('/')[0].endswith('.dist-info')}
    assert top_levels == {'passerelle_phonecalls', 'combo_phone_cell'}


def test_wheel_runtime_dependencies_are_django_requests_urllib3_and_phonenumbers(wheel, wheel_names):
    (metadata,) = [name for name in wheel_names if name.endswith('.dist-info/METADATA')]
    requirements = [
        line.split(':', 1)[1].strip()
        for line in wheel.read(metadata).decode().splitlines()
        # Extras count too: test, demo and bench tools (gadjo included) are never the wheel's.
        if line.startswith('Requires-Dist:')
    ]
    names = {
        requirement.split('<')[0].split('>')[0].split('=')[0].strip().lower() for requirement in requirements
    }
    assert names == {'django', 'requests', 'urllib3', 'phonenumbers'}
    # The oldest versions the suites run on (Debian 12's: requirements/debian-bookworm.txt).
    assert set(requirements) == {'Django<6.0,>=4.2', 'requests>=2.28', 'urllib3>=1.26', 'phonenumbers>=8.12'}
