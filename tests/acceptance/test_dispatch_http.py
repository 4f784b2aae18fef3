"""Opt in once, cover every dispatch: the contract's quote -> policy -> assignment -> ledger flow
over HTTP against `make run`'s stack."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.answers import CLEAN_ANSWERS

pytestmark = pytest.mark.acceptance


def new_platform(stack) -> str:
    answer = stack.call("POST", "/v1/platforms", stack.admin_key, json={"name": "Flow Dispatch"})
    assert answer.status_code == 201
    return answer.json()["api_key"]


def tech(stack, key) -> str:
    answer = stack.call(
        "POST",
        "/v1/contractors",
        key,
        json={
            "external_id": "tech-77",
            "legal_name": "Robin Vega",
            "entity_type": "sole_proprietor",
            "tin_type": "ssn",
            "tin": "123-45-6789",
            "has_employees": False,
            "email": "robin@example.com",
            "address": {"line1": "3 Oak", "city": "Trenton", "state": "NJ", "postal_code": "08608"},
            "years_in_business": 4,
        },
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def window(day_offset: int = 1) -> dict[str, str]:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=day_offset)
    return {"start": start.isoformat(), "end": (start + timedelta(hours=3)).isoformat()}


def test_opt_in_once_then_every_dispatch_binds_by_work_state(stack):
    key = new_platform(stack)
    contractor = tech(stack, key)
    today = datetime.now(UTC).date().isoformat()
    quote = stack.call(
        "POST",
        "/v1/quotes",
        key,
        json={
            "contractor": contractor,
            "trade": "plumbing",
            "work_state": "NJ",
            "lines": ["wc", "gl"],
            "effective_date": today,
            "estimated_annual_pay_cents": 3_000_000,
            "operations": CLEAN_ANSWERS,
        },
    ).json()
    assert quote["status"] == "eligible", quote
    assert quote["lines"]["wc"]["premium"]["total_cents"] > 0
    policy = stack.call(
        "POST",
        "/v1/policies",
        key,
        json={"quote": quote["id"], "accept_terms": True},
        headers={"Idempotency-Key": f"opt-in-{quote['id']}"},
    )
    assert policy.status_code == 201
    policy = policy.json()
    assert policy["status"] == "active"

    customer = stack.call(
        "POST",
        "/v1/customers",
        key,
        json={
            "name": "Keystone Apartments",
            "address": {
                "line1": "1 Broad",
                "city": "Philadelphia",
                "state": "PA",
                "postal_code": "19107",
            },
            "requirements": {"additional_insured": True},
        },
    ).json()["id"]

    jobs = {}
    for state, postal in (("NJ", "07102"), ("PA", "19107")):
        answer = stack.call(
            "POST",
            "/v1/assignments",
            key,
            json={
                "external_id": f"ticket-{state}",
                "contractor": contractor,
                "customer": customer,
                "trade": "plumbing",
                "work_address": {
                    "line1": "9 Job",
                    "city": "X",
                    "state": state,
                    "postal_code": postal,
                },
                "window": window(),
                "pay": {"amount_cents": 2_500, "basis": "hourly", "estimated_hours": 4},
                "lines": ["wc", "gl"],
            },
        )
        assert answer.status_code == 201, answer.text
        jobs[state] = answer.json()
    assert jobs["NJ"]["status"] == jobs["PA"]["status"] == "bound"
    assert jobs["NJ"]["coverage"]["wc"]["policy"] == jobs["PA"]["coverage"]["wc"]["policy"]
    assert jobs["NJ"]["coverage"]["wc"]["state"] == "NJ"
    assert jobs["PA"]["coverage"]["wc"]["state"] == "PA"
    assert jobs["PA"]["coverage"]["gl"]["additional_insureds"][0]["name"] == "Keystone Apartments"

    duplicate = stack.call(
        "POST",
        "/v1/assignments",
        key,
        json={
            "external_id": "ticket-NJ",
            "contractor": contractor,
            "trade": "plumbing",
            "work_address": {"line1": "9 Job", "city": "X", "state": "NJ", "postal_code": "07102"},
            "window": window(),
            "pay": {"amount_cents": 100, "basis": "flat"},
            "lines": ["wc"],
        },
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["details"][0]["id"] == jobs["NJ"]["id"]

    nj = jobs["NJ"]["id"]
    assert stack.call("POST", f"/v1/assignments/{nj}/start", key, json={}).status_code == 200
    done = stack.call(
        "POST", f"/v1/assignments/{nj}/complete", key, json={"actual_pay_cents": 12_500}
    ).json()
    assert done["status"] == "completed"
    pa = jobs["PA"]["id"]
    cancelled = stack.call(
        "POST", f"/v1/assignments/{pa}/cancel", key, json={"reason": "client_request"}
    ).json()
    assert cancelled["status"] == "cancelled"

    ledger = stack.call("GET", f"/v1/ledger?contractor={contractor}&limit=2", key).json()
    assert ledger["has_more"] is True  # total covers every entry, not just this page
    assert ledger["total_cents"] == done["premium_cents"]
    by_job = stack.call("GET", f"/v1/ledger?assignment={pa}", key).json()
    assert by_job["total_cents"] == 0
    assert {e["type"] for e in by_job["data"]} == {"premium_estimate", "refund"}


def test_referred_quote_needs_an_underwriter_before_it_binds(stack):
    key = new_platform(stack)
    contractor = tech(stack, key)
    stack.call("PATCH", f"/v1/contractors/{contractor}", key, json={"experience_mod": "0.30"})
    quote = stack.call(
        "POST",
        "/v1/quotes",
        key,
        json={
            "contractor": contractor,
            "trade": "electrical",
            "work_state": "TX",
            "lines": ["wc"],
            "effective_date": datetime.now(UTC).date().isoformat(),
            "estimated_annual_pay_cents": 3_000_000,
            "operations": CLEAN_ANSWERS,
        },
    ).json()
    assert quote["status"] == "referred"
    blocked = stack.call(
        "POST", "/v1/policies", key, json={"quote": quote["id"], "accept_terms": True}
    )
    assert blocked.status_code == 409
    underwriter = stack.call(
        "POST", "/v1/api-keys", stack.admin_key, json={"role": "underwriter"}
    ).json()["api_key"]
    referrals = stack.call("GET", f"/v1/referrals?quote={quote['id']}", underwriter).json()
    referral = referrals["data"][0]
    assert referral["status"] == "open"
    assert any("0.40" in reason["message"] for reason in referral["reasons"])
    approved = stack.call(
        "POST",
        f"/v1/referrals/{referral['id']}/approve",
        underwriter,
        json={"note": "Verified the bureau mod worksheet"},
    )
    assert approved.status_code == 200
    bound = stack.call(
        "POST", "/v1/policies", key, json={"quote": quote["id"], "accept_terms": True}
    )
    assert bound.status_code == 201
