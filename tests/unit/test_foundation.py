"""Pure pieces of the foundation: IDs, JSON body rules, money rounding, key hashing."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.api.jsonbody import MAX_DEPTH, nesting_depth, parse_json_body
from chalicelib.domain.errors import MalformedRequest, PayloadTooLarge, ValidationFailed
from chalicelib.domain.ids import id_prefix, is_id_of, make_id
from chalicelib.domain.money import round_cents, round_half_up_cents, round_up_to_dollar_cents
from chalicelib.domain.parties import ApiKeyRecord, check_contractor_facts
from chalicelib.domain.roles import Role
from chalicelib.services.auth import Authenticator, generate_secret, hash_key


@given(st.integers(0, 2**48 - 1), st.integers(0, 2**48 - 1), st.binary(min_size=10, max_size=10))
def test_ids_sort_by_time(t1, t2, entropy):
    a = make_id("asg", unix_ms=t1, entropy=entropy)
    b = make_id("asg", unix_ms=t2, entropy=entropy)
    assert (a < b) == (t1 < t2)
    assert is_id_of(a, "asg") and id_prefix(a) == "asg"


def test_unknown_prefix_is_refused():
    with pytest.raises(ValueError, match="prefix"):
        make_id("zzz", unix_ms=1, entropy=bytes(10))


def test_malformed_ids_have_no_prefix():
    assert id_prefix("cus_short") is None
    assert id_prefix("cus_" + "u" * 26) is None  # 'u' is not in Crockford base32


def test_depth_counts_containers_only():
    assert nesting_depth(1) == 0
    assert nesting_depth({"a": [1]}) == 2


def test_depth_limit_is_inclusive():
    at_limit = ("[" * MAX_DEPTH + "]" * MAX_DEPTH).encode()
    assert nesting_depth(parse_json_body(at_limit, max_bytes=10_000)) == MAX_DEPTH
    with pytest.raises(MalformedRequest):
        parse_json_body(b"[" + at_limit + b"]", max_bytes=10_000)


def test_size_limit_is_inclusive():
    body = b'{"a": "' + b"x" * 93 + b'"}'
    assert len(body) == 102
    parse_json_body(body, max_bytes=102)
    with pytest.raises(PayloadTooLarge):
        parse_json_body(body, max_bytes=101)


def test_floats_parse_as_decimal():
    assert parse_json_body(b'{"m": 1.10}', max_bytes=100) == {"m": Decimal("1.10")}


def test_money_rounds_half_up():
    halves = ("0.5", "1.5", "2.5", "-0.5", "-2.5", "2.4999", "0")
    assert [round_half_up_cents(Decimal(text)) for text in halves] == [1, 2, 3, -1, -3, 2, 0]
    assert round_cents(Decimal("0.005")) == 1
    assert round_cents(Decimal("0.0049")) == 0
    assert round_up_to_dollar_cents(12301) == 12400
    assert round_up_to_dollar_cents(12300) == 12300


def test_fein_required_with_employees():
    with pytest.raises(ValidationFailed) as caught:
        check_contractor_facts(has_employees=True, employee_count=3, tin_type="ssn")
    assert caught.value.code == "fein_required"
    check_contractor_facts(has_employees=True, employee_count=3, tin_type="fein")
    check_contractor_facts(has_employees=False, employee_count=None, tin_type="ssn")


class _Keys:
    def __init__(self, records):
        self.records = {r.key_hash: r for r in records}

    def add_key(self, record):
        self.records[record.key_hash] = record

    def key_by_hash(self, key_hash):
        return self.records.get(key_hash)


class _Admin:
    def __init__(self, key):
        self.key = key

    def matches(self, secret):
        return secret == self.key


def test_keys_are_prefixed_random_and_only_hashed():
    secret = generate_secret(Role.PLATFORM)
    assert secret.startswith("jcp_") and len(secret) > 40
    assert generate_secret(Role.PLATFORM) != secret
    assert hash_key(secret) != secret
    assert len(hash_key(secret)) == 64


def test_authenticator_resolves_roles():
    from datetime import UTC, datetime

    secret = generate_secret(Role.PLATFORM)
    record = ApiKeyRecord(
        id="key_1",
        role=Role.PLATFORM,
        platform="plt_1",
        key_hash=hash_key(secret),
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    auth = Authenticator(_Keys([record]), _Admin("jca_admin"))
    assert auth.authenticate(f"Bearer {secret}").platform == "plt_1"
    assert auth.authenticate("Bearer jca_admin").role == Role.ADMIN
    for header in [None, "", "Basic abc", "Bearer ", "Bearer wrong"]:
        with pytest.raises(Exception, match=r"(?i)key|authorization"):
            auth.authenticate(header)


# Whole cents plus a fraction, ties (exactly half a cent either way) drawn often.
fractions_of_a_cent = st.sampled_from(
    [Decimal("0"), Decimal("0.5"), Decimal("-0.5"), Decimal("0.4999"), Decimal("-0.5001")]
) | st.decimals(min_value=-1, max_value=1, places=6)
amounts_in_cents = st.builds(
    lambda whole, fraction: Decimal(whole) + fraction,
    st.integers(min_value=-(10**15), max_value=10**15),
    fractions_of_a_cent,
)


@given(amounts_in_cents)
def test_round_half_up_cents_matches_exact_arithmetic(amount_cents: Decimal):
    exact = Fraction(amount_cents)
    away_from_zero = int(abs(exact) + Fraction(1, 2))
    expected = away_from_zero if exact >= 0 else -away_from_zero
    assert round_half_up_cents(amount_cents) == expected
    assert round_half_up_cents(amount_cents) == int(
        amount_cents.to_integral_value(rounding=ROUND_HALF_UP)
    )
