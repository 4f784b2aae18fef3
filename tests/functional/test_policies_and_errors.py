"""Down payments on the annual California program, referral declines, and unexpected errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.functional.conftest import (
    ADMIN_KEY,
    california_contractor_body,
    contractor_body,
    quote_body,
)

TODAY = datetime.now(UTC).date()


@pytest.fixture
def underwriter_key(api):
    return api.json("POST", "/v1/api-keys", ADMIN_KEY, {"role": "underwriter"})[1]["api_key"]


@pytest.fixture
def california_quote(api, platform_key):
    """A California risk the California program takes (always referred: the carrier binds)."""
    body = california_contractor_body()
    contractor = api.json("POST", "/v1/contractors", platform_key, body)[1]["id"]
    status, quote = api.json(
        "POST",
        "/v1/quotes",
        platform_key,
        quote_body(
            contractor,
            trade="plumbing",
            work_state="CA",
            lines=["wc"],
            effective_date=(TODAY + timedelta(days=21)).isoformat(),
            estimated_annual_pay_cents=400000000,
            hourly_wage_cents=4000,
        ),
    )
    assert status == 201
    assert quote["lines"]["wc"]["program"] == "california-wc", quote["lines"]["wc"]["considered"]
    assert quote["status"] == "referred"
    return quote


def test_california_policy_waits_for_its_down_payment(
    api, platform_key, underwriter_key, california_quote
):
    referral = california_quote["referral"]["id"]
    api.json("POST", f"/v1/referrals/{referral}/approve", underwriter_key, {"note": "ok"})
    status, policy = api.json(
        "POST",
        "/v1/policies",
        platform_key,
        {"quote": california_quote["id"], "accept_terms": True},
    )
    assert status == 201, policy
    assert policy["status"] == "pending_payment"
    eap = policy["estimated_annual_premium_cents"]
    assert eap == california_quote["lines"]["wc"]["premium"]["total_cents"]
    assert policy["balance_due_cents"] >= eap
    down = policy["down_payment_due_cents"]
    assert 0 < down < policy["balance_due_cents"]
    due_by = datetime.fromisoformat(policy["down_payment_due_by"]).date()
    assert TODAY < due_by <= TODAY + timedelta(days=9)  # 5 business days, weekends and holidays

    # Nothing binds under a pending policy.
    _, job = api.json(
        "POST",
        "/v1/assignments",
        platform_key,
        {
            "external_id": "ca-1",
            "contractor": california_quote["contractor"],
            "trade": "plumbing",
            "work_address": {
                "line1": "2 A",
                "city": "Fresno",
                "state": "CA",
                "postal_code": "93721",
            },
            "window": {
                "start": f"{TODAY + timedelta(days=22)}T09:00:00+00:00",
                "end": f"{TODAY + timedelta(days=22)}T12:00:00+00:00",
            },
            "pay": {"amount_cents": 30_000, "basis": "flat"},
            "lines": ["wc"],
        },
    )
    assert job["coverage"]["wc"]["reasons"][0]["code"] == "policy_pending_payment"

    short = api.json(
        "POST",
        f"/v1/policies/{policy['id']}/payments",
        platform_key,
        {"amount_cents": down - 1, "reference": "chk-1"},
    )
    assert short[0] == 201
    assert api.json("GET", f"/v1/policies/{policy['id']}", platform_key)[1]["status"] == (
        "pending_payment"
    )
    api.json(
        "POST",
        f"/v1/policies/{policy['id']}/payments",
        platform_key,
        {"amount_cents": 1, "reference": "chk-2"},
    )
    paid = api.json("GET", f"/v1/policies/{policy['id']}", platform_key)[1]
    assert paid["status"] == "active"
    assert paid["balance_due_cents"] == policy["balance_due_cents"] - down
    too_much = api.json(
        "POST",
        f"/v1/policies/{policy['id']}/payments",
        platform_key,
        {"amount_cents": paid["balance_due_cents"] + 1, "reference": "x"},
    )
    assert too_much[0] == 422
    charges = api.json("GET", f"/v1/ledger?policy={policy['id']}", platform_key)[1]
    assert [e["type"] for e in charges["data"]] == ["policy_charge"]
    assert charges["total_cents"] == policy["balance_due_cents"]


def test_declined_referral_is_never_bindable(api, platform_key, underwriter_key, california_quote):
    referral = california_quote["referral"]["id"]
    status, declined = api.json(
        "POST", f"/v1/referrals/{referral}/decline", underwriter_key, {"note": "loss history"}
    )
    assert (status, declined["status"]) == (200, "declined")
    status, body = api.json(
        "POST",
        "/v1/policies",
        platform_key,
        {"quote": california_quote["id"], "accept_terms": True},
    )
    assert status == 409
    assert body["error"]["code"] == "quote_not_bindable"


def test_unexpected_error_is_a_500_that_leaks_nothing(api, platform_key, monkeypatch):
    from chalicelib.services.parties import PartyServices

    def explode(*args, **kwargs):
        raise RuntimeError("secret table name jobcover-test and a stack trace")

    monkeypatch.setattr(PartyServices, "list_customers", explode)
    response = api.call("GET", "/v1/customers", platform_key, headers={"X-Request-Id": "corr-9"})
    assert response.status_code == 500
    body = response.json_body
    assert body["error"]["code"] == "internal_error"
    assert "secret" not in response.body.decode()
    assert response.headers["X-Request-Id"] == "corr-9"


def test_store_throttling_is_a_503_with_retry_after(api, platform_key, monkeypatch):
    from botocore.exceptions import ClientError

    from chalicelib.adapters.dynamodb.parties import DynamoParties

    def throttled(*args, **kwargs):
        from chalicelib.adapters.dynamodb.table import map_client_error

        error = ClientError(
            {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow"}},
            "Query",
        )
        raise map_client_error(error, conflict_message="")

    monkeypatch.setattr(DynamoParties, "list_customers", throttled)
    response = api.call("GET", "/v1/customers", platform_key)
    assert (response.status_code, response.json_body["error"]["code"]) == (
        503,
        "service_unavailable",
    )
    assert response.headers["Retry-After"] == "1"


def test_approval_adds_referred_lines_to_the_policy_already_bound(
    api, platform_key, underwriter_key
):
    contractor = api.json("POST", "/v1/contractors", platform_key, contractor_body())[1]["id"]
    _, quote = api.json(
        "POST",
        "/v1/quotes",
        platform_key,
        quote_body(
            contractor,
            work_state="TX",
            estimated_annual_pay_cents=3000000,
            employers_liability_limits="2000/2000/2000",
        ),
    )
    assert quote["lines"]["wc"]["status"] == "referred"  # EL limits above 1M/1M/1M
    assert quote["lines"]["gl"]["status"] == "eligible"
    status, policy = api.json(
        "POST", "/v1/policies", platform_key, {"quote": quote["id"], "accept_terms": True}
    )
    assert status == 201
    assert set(policy["lines"]) == {"gl"}
    referral = quote["referral"]["id"]
    status, error = api.json(
        "POST", f"/v1/referrals/{referral}/approve", underwriter_key, {"note": "EL limits agreed"}
    )
    assert (status, error["error"]["code"]) == (422, "el_limits_factor_required")
    status, decided = api.json(
        "POST",
        f"/v1/referrals/{referral}/approve",
        underwriter_key,
        {"note": "EL limits agreed", "el_limits_factor": "1.045"},
    )
    assert (status, decided["el_limits_factor"]) == (200, "1.045")
    after = api.json("GET", f"/v1/policies/{policy['id']}", platform_key)[1]
    assert set(after["lines"]) == {"wc", "gl"}
    assert after["lines"]["wc"]["el_limits"] == "2000/2000/2000"
    assert after["lines"]["wc"]["el_limits_factor"] == "1.045"
