"""Publik request signature: ``sign_url``/``sign_query`` and ``check_url``/``check_query``."""

import base64
import datetime
import hashlib
import hmac
import urllib.parse

import pytest
from passerelle.base.signature import check_query, check_url, sign_query, sign_url

pytestmark = pytest.mark.django_db

KEY = 'combo-secret'
QUERY = 'caller=0143250135&callee=42&orig=combo.example.net'
NOON = datetime.datetime(2024, 3, 1, 12, 0, 0, tzinfo=datetime.UTC)


def never_seen(nonce):
    return False


def now(**delta):
    return datetime.datetime.now(datetime.UTC) + datetime.timedelta(**delta)


def test_sign_query_appends_algo_timestamp_nonce_then_signature():
    signed = sign_query(QUERY, KEY, timestamp=NOON, nonce='0123abcd')
    unsigned, signature = signed.split('&signature=')
    assert unsigned == QUERY + '&algo=sha256&timestamp=2024-03-01T12%3A00%3A00Z&nonce=0123abcd'
    expected = base64.b64encode(hmac.new(KEY.encode(), unsigned.encode(), hashlib.sha256).digest())
    assert signature == urllib.parse.quote(expected)


def test_sign_query_writes_aware_timestamp_in_utc():
    paris = datetime.timezone(datetime.timedelta(hours=1))
    signed = sign_query(QUERY, KEY, timestamp=NOON.astimezone(paris), nonce='0123abcd')
    assert 'timestamp=2024-03-01T12%3A00%3A00Z' in signed


def test_sign_query_draws_a_new_128_bit_nonce_each_time():
    nonces = [urllib.parse.parse_qs(sign_query(QUERY, KEY))['nonce'][0] for _ in range(2)]
    assert nonces[0] != nonces[1]
    assert all(len(nonce) == 32 and int(nonce, 16) >= 0 for nonce in nonces)


def test_sign_url_keeps_path_and_signs_query():
    url = sign_url('https://passerelle.example.net/phonecalls/ipbx/calls?' + QUERY, KEY)
    assert url.startswith('https://passerelle.example.net/phonecalls/ipbx/calls?' + QUERY + '&algo=')
    assert check_url(url, KEY, known_nonce=never_seen)


def test_signed_query_checks_with_same_key():
    assert check_query(sign_query(QUERY, KEY), KEY, known_nonce=never_seen)


def test_empty_query_can_be_signed_and_checked():
    assert check_query(sign_query('', KEY), KEY, known_nonce=never_seen)


def test_signed_query_fails_with_another_key():
    assert not check_query(sign_query(QUERY, KEY), 'other-secret', known_nonce=never_seen)


def test_tampered_parameter_fails():
    signed = sign_query(QUERY, KEY).replace('callee=42', 'callee=43')
    assert not check_query(signed, KEY, known_nonce=never_seen)


def test_signature_must_be_last():
    assert not check_query(sign_query(QUERY, KEY) + '&callee=43', KEY, known_nonce=never_seen)


def test_query_without_signature_fails():
    assert not check_query(QUERY, KEY, known_nonce=never_seen)


def test_garbled_signature_fails():
    unsigned = sign_query(QUERY, KEY).split('&signature=')[0]
    assert not check_query(unsigned + '&signature=not*base64', KEY, known_nonce=never_seen)


def test_garbled_timestamp_fails():
    signed = sign_query(QUERY, KEY, nonce='0123abcd', timestamp=now())
    unsigned = signed.split('&signature=')[0]
    garbled = unsigned.replace('timestamp=', 'timestamp=x')
    resigned = garbled + '&signature=' + signed.split('&signature=')[1]
    assert not check_query(resigned, KEY, known_nonce=never_seen)


def test_timestamp_just_inside_window_passes():
    assert check_query(sign_query(QUERY, KEY, timestamp=now(seconds=-25)), KEY, known_nonce=never_seen)


def test_timestamp_sixty_seconds_old_fails():
    assert not check_query(sign_query(QUERY, KEY, timestamp=now(seconds=-60)), KEY, known_nonce=never_seen)


def test_timestamp_sixty_seconds_ahead_fails():
    assert not check_query(sign_query(QUERY, KEY, timestamp=now(seconds=60)), KEY, known_nonce=never_seen)


def test_timedelta_widens_window():
    signed = sign_query(QUERY, KEY, timestamp=now(seconds=-60))
    assert check_query(signed, KEY, known_nonce=never_seen, timedelta=120)


def test_other_guaranteed_algorithm_passes():
    assert check_query(sign_query(QUERY, KEY, algo='sha512'), KEY, known_nonce=never_seen)


def test_algorithm_outside_guaranteed_ones_fails():
    signed = sign_query(QUERY, KEY).replace('algo=sha256', 'algo=whirlpool')
    assert not check_query(signed, KEY, known_nonce=never_seen)


def test_shake_algorithm_fails_without_error():
    signed = sign_query(QUERY, KEY).replace('algo=sha256', 'algo=shake_128')
    assert not check_query(signed, KEY, known_nonce=never_seen)


def test_replayed_nonce_fails_by_default():
    signed = sign_query(QUERY, KEY)
    assert check_query(signed, KEY)
    assert not check_query(signed, KEY)


def test_forged_query_does_not_burn_the_nonce():
    nonce = '5f1d2c3b4a5f1d2c3b4a5f1d2c3b4a5f'
    assert not check_query(sign_query(QUERY, 'forged', nonce=nonce), KEY)
    assert check_query(sign_query(QUERY, KEY, nonce=nonce), KEY)


def test_known_nonce_callable_decides_replays():
    signed = sign_query(QUERY, KEY, nonce='0123abcd')
    assert not check_query(signed, KEY, known_nonce=lambda nonce: nonce == '0123abcd')
    seen = []
    assert check_query(signed, KEY, known_nonce=lambda nonce: seen.append(nonce))
    assert seen == ['0123abcd']
