"""The policy term over HTTP on moto: cancel, reinstate, the final audit route; who may do what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.functional.conftest import ADMIN_KEY, contractor_body, quote_body

TODAY = datetime.now(UTC).date()


@pytest.fixture
def underwriter_key(api):
    return api.json("POST", "/v1/api-keys", ADMIN_KEY, {"role": "underwriter"})[1]["api_key"]


def opt_in(api, key: str, external_id: str = "tech-1") -> dict[str, Any]:
    contractor = api.json("POST", "/v1/contractors", key, contractor_body(external_id=external_id))[
        1
    ]["id"]
    quote = api.json("POST", "/v1/quotes", key, quote_body(contractor))[1]
    status, policy = api.json(
        "POST", "/v1/policies", key, {"quote": quote["id"], "accept_terms": True}
    )
    assert status == 201, policy
    return policy


def dispatch(api, key: str, contractor: str, external_id: str, days_out: int) -> dict[str, Any]:
    day = TODAY + timedelta(days=days_out)
    status, body = api.json(
        "POST",
        "/v1/assignments",
        key,
        {
            "external_id": external_id,
            "contractor": contractor,
            "trade": "hvac",
            "work_address": {
                "line1": "5 Elm",
                "city": "Newark",
                "state": "NJ",
                "postal_code": "07102",
            },
            "window": {"start": f"{day}T09:00:00+00:00", "end": f"{day}T13:00:00+00:00"},
            "pay": {"amount_cents": 40_000, "basis": "flat"},
            "lines": ["wc", "gl"],
        },
    )
    assert status == 201, body
    return body


def test_platform_cancels_at_the_insureds_request_and_jobs_after_it_are_refunded(api, platform_key):
    policy = opt_in(api, platform_key)
    soon = dispatch(api, platform_key, policy["contractor"], "soon", 1)
    later = dispatch(api, platform_key, policy["contractor"], "later", 10)
    effective = (TODAY + timedelta(days=5)).isoformat()
    status, body = api.json(
        "POST",
        f"/v1/policies/{policy['id']}/cancel",
        platform_key,
        {"reason": "insured_request", "effective_date": effective},
    )
    assert status == 200, body
    assert body["status"] == "cancellation_pending"
    c = body["cancellation"]
    assert (c["reason"], c["effective_date"], c["method"]) == (
        "insured_request",
        effective,
        "short_rate",
    )
    # Per-dispatch lines write no term premium: nothing earned or returned at the policy level.
    assert (c["earned_cents"], c["return_premium_cents"]) == (0, 0)
    assert (
        api.json("GET", f"/v1/assignments/{later['id']}", platform_key)[1]["status"] == "cancelled"
    )
    assert api.json("GET", f"/v1/assignments/{soon['id']}", platform_key)[1]["status"] == "bound"
    ledger = api.json("GET", f"/v1/ledger?assignment={later['id']}", platform_key)[1]
    assert ledger["total_cents"] == 0
    assert "refund" in {entry["type"] for entry in ledger["data"]}
    # Withdrawn by reinstating; the cancelled job stays cancelled.
    status, body = api.json("POST", f"/v1/policies/{policy['id']}/reinstate", platform_key)
    assert status == 200, body
    assert (body["status"], body["cancellation"]) == ("active", None)
    assert (
        api.json("GET", f"/v1/assignments/{later['id']}", platform_key)[1]["status"] == "cancelled"
    )


def test_company_reasons_are_the_underwriters(api, platform_key, underwriter_key):
    policy = opt_in(api, platform_key)
    path = f"/v1/policies/{policy['id']}/cancel"
    status, body = api.json("POST", path, platform_key, {"reason": "nonpayment"})
    assert status == 403, body
    status, body = api.json(
        "POST", path, underwriter_key, {"reason": "nonpayment", "effective_date": TODAY.isoformat()}
    )
    assert status == 422, body
    assert body["error"]["details"][0]["loc"] == ["body", "effective_date"]
    status, body = api.json("POST", path, underwriter_key, {"reason": "nonpayment"})
    assert status == 200, body
    assert body["cancellation"]["effective_date"] == (TODAY + timedelta(days=10)).isoformat()
    assert body["cancellation"]["method"] == "pro_rata"
    assert [n["kind"] for n in body["notices"]] == ["cancellation"]
    assert body["notices"][0]["reason"] == "nonpayment"
    # The platform sees the same policy; another platform does not.
    assert api.json("GET", f"/v1/policies/{policy['id']}", platform_key)[1]["status"] == (
        "cancellation_pending"
    )


def test_cancel_today_is_cancelled_and_answers_the_contracts_shape(api, platform_key):
    policy = opt_in(api, platform_key)
    status, body = api.json(
        "POST", f"/v1/policies/{policy['id']}/cancel", platform_key, {"reason": "insured_request"}
    )
    assert status == 200, body
    assert body["status"] == "cancelled"
    assert body["cancellation"]["method"] == "flat"  # today is the inception date
    assert set(body["cancellation"]) >= {
        "reason",
        "effective_date",
        "method",
        "earned_cents",
        "return_premium_cents",
    }
    status, body = api.json(
        "POST", f"/v1/policies/{policy['id']}/cancel", platform_key, {"reason": "insured_request"}
    )
    assert status == 409
    assert body["error"]["code"] == "policy_not_cancellable"


def test_unknown_reason_and_unknown_policy(api, platform_key, other_platform_key):
    policy = opt_in(api, platform_key)
    status, _body = api.json(
        "POST", f"/v1/policies/{policy['id']}/cancel", platform_key, {"reason": "bored"}
    )
    assert status == 422
    status, _ = api.json(
        "POST",
        f"/v1/policies/{policy['id']}/cancel",
        other_platform_key,
        {"reason": "insured_request"},
    )
    assert status == 404


def test_audit_route_is_the_underwriters_and_needs_a_requested_audit(
    api, platform_key, underwriter_key
):
    policy = opt_in(api, platform_key)
    body = {"audited_pay_cents": {"5537": 100_000}, "completed_at": f"{TODAY}T00:00:00+00:00"}
    status, _ = api.json("POST", f"/v1/policies/{policy['id']}/audit", platform_key, body)
    assert status == 403
    status, answer = api.json("POST", f"/v1/policies/{policy['id']}/audit", underwriter_key, body)
    assert status == 409, answer
    assert answer["error"]["code"] == "no_audit_requested"
