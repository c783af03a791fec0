"""Publik's signature as the stand-in writes and checks it (``passerelle.base.signature``)."""

import base64
import datetime
import hashlib
import hmac
import json
import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
from django.db import connection
from passerelle.base.signature import check_query, sign_query

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
QUERY = 'caller=0143250135&callee=42&orig=combo.example.net'
NOON = datetime.datetime(2024, 3, 1, 12, 0, tzinfo=datetime.UTC)


def test_signature_is_the_hmac_of_the_whole_query_appended_last():
    signed = sign_query(QUERY, 'key', timestamp=NOON, nonce='0123abcd')

    unsigned, signature = signed.split('&signature=')
    assert unsigned == QUERY + '&algo=sha256&timestamp=2024-03-01T12%3A00%3A00Z&nonce=0123abcd'
    digest = hmac.new(b'key', unsigned.encode(), hashlib.sha256).digest()
    assert urllib.parse.unquote(signature) == base64.b64encode(digest).decode()


@pytest.mark.parametrize('algo', ['sha256', 'sha512'])
def test_fresh_query_signed_with_the_key_checks_once(algo):
    signed = sign_query(QUERY, 'key', algo=algo)

    assert check_query(signed, 'key')
    assert not check_query(signed, 'key')


@pytest.mark.parametrize(
    'make_query',
    [
        lambda: sign_query(QUERY, 'other-key'),
        lambda: QUERY,
        lambda: sign_query(QUERY, 'key').replace('callee=42', 'callee=43'),
        lambda: sign_query(QUERY, 'key').replace('algo=sha256', 'algo=whirlpool'),
        lambda: sign_query(QUERY, 'key').replace('algo=sha256', 'algo=shake_128'),
        lambda: sign_query(QUERY + '&nonce=1', 'key'),
        lambda: sign_query(QUERY, 'key').split('&signature=')[0] + '&signature=not*base64',
    ],
    ids=['other-key', 'unsigned', 'tampered', 'unknown-algorithm', 'shake', 'two-nonces', 'garbled'],
)
def test_query_not_signed_with_the_key_is_refused(make_query):
    assert not check_query(make_query(), 'key')


@pytest.mark.parametrize('seconds', [-40, 40])
def test_timestamp_more_than_thirty_seconds_away_is_refused(seconds):
    timestamp = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=seconds)

    assert not check_query(sign_query(QUERY, 'key', timestamp=timestamp), 'key')


def test_forged_query_does_not_burn_the_nonce_of_a_genuine_one():
    assert not check_query(sign_query(QUERY, 'forged', nonce='5f1d2c3b'), 'key')
    assert check_query(sign_query(QUERY, 'key', nonce='5f1d2c3b'), 'key')


def check_in_another_process(query, key):
    """``check_query`` in a second process on the same database, as another gunicorn worker would."""
    settings_dict = connection.settings_dict
    database = {key: settings_dict[key] for key in ('NAME', 'HOST', 'PORT') if key in settings_dict}
    env = {**os.environ, 'HOSTS_TEST_DATABASE': json.dumps(database), 'PYTHONPATH': str(ROOT)}
    output = subprocess.run(
        [sys.executable, '-m', 'tests.hosts.passerelle.nonce_check', query, key],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    return {'True\n': True, 'False\n': False}[output]


@pytest.mark.django_db(transaction=True)
def test_a_signed_query_is_accepted_once_across_processes():
    first, second = sign_query(QUERY, 'key'), sign_query(QUERY, 'key')

    assert check_in_another_process(first, 'key') is True
    assert not check_query(first, 'key')
    assert check_query(second, 'key')
    assert check_in_another_process(second, 'key') is False
