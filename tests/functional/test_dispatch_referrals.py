"""Referred dispatches (backdated windows) and how the underwriter's decision lands."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.functional.conftest import (
    ADMIN_KEY,
    california_contractor_body,
    contractor_body,
    quote_body,
)
from tests.functional.test_assignments import TODAY, dispatch, ledger, window


@pytest.fixture
def underwriter(api):
    return api.json("POST", "/v1/api-keys", ADMIN_KEY, {"role": "underwriter"})[1]["api_key"]


@pytest.fixture
def backdated_tech(api, platform_key, underwriter):
    """A tech whose (approved) policy started 5 days ago, so a window from yesterday is in term."""
    contractor = api.json("POST", "/v1/contractors", platform_key, contractor_body())[1]["id"]
    _, quote = api.json(
        "POST",
        "/v1/quotes",
        platform_key,
        quote_body(contractor, effective_date=(TODAY - timedelta(days=5)).isoformat()),
    )
    api.json(
        "POST", f"/v1/referrals/{quote['referral']['id']}/approve", underwriter, {"note": "ok"}
    )
    status, _ = api.json(
        "POST", "/v1/policies", platform_key, {"quote": quote["id"], "accept_terms": True}
    )
    assert status == 201
    return contractor


def referred_job(api, platform_key, contractor, external_id):
    _, body = dispatch(
        api, platform_key, contractor, external_id, window=window(days_from_now=-1, hours=72)
    )
    # Both programs send backdating to an underwriter (Pie's rule; the GL appetite's).
    assert body["coverage"]["wc"]["status"] == "referred"
    assert body["coverage"]["gl"]["status"] == "referred"
    assert body["status"] == "referred"
    return body


def test_approval_after_cancel_books_nothing(api, platform_key, underwriter, backdated_tech):
    job = referred_job(api, platform_key, backdated_tech, "c1")
    api.json(
        "POST", f"/v1/assignments/{job['id']}/cancel", platform_key, {"reason": "client_request"}
    )
    status, _ = api.json("POST", f"/v1/referrals/{job['referral']['id']}/approve", underwriter, {})
    assert status == 200
    _, after = api.json("GET", f"/v1/assignments/{job['id']}", platform_key)
    assert after["status"] == "cancelled"
    assert after["premium_cents"] == 0
    assert ledger(api, platform_key, assignment=job["id"])["total_cents"] == 0


def test_a_decision_survives_later_changes(api, platform_key, underwriter, backdated_tech):
    job = referred_job(api, platform_key, backdated_tech, "c3")
    _, found = api.json("GET", f"/v1/referrals?assignment={job['id']}", underwriter)
    [referral] = found["data"]
    subject = referral["subject"]
    assert (subject["type"], subject["work_state"], subject["trade"]) == (
        "assignment",
        "NJ",
        "hvac",
    )
    assert subject["lines"]["wc"]["status"] == "referred"
    assert subject["lines"]["wc"]["premium_total_cents"] > 0
    api.json("POST", f"/v1/referrals/{job['referral']['id']}/approve", underwriter, {})
    _, patched = api.json(
        "PATCH", f"/v1/assignments/{job['id']}", platform_key, {"description": "add a note"}
    )
    assert patched["coverage"]["wc"]["status"] == "bound"
    assert patched["coverage"]["gl"]["status"] == "bound"
    assert patched["status"] == "bound"
    assert (
        ledger(api, platform_key, assignment=job["id"])["total_cents"] == (patched["premium_cents"])
    )


def test_annual_program_jobs_are_exposure_not_premium(api, platform_key, underwriter):
    contractor = api.json("POST", "/v1/contractors", platform_key, california_contractor_body())[1][
        "id"
    ]
    _, quote = api.json(
        "POST",
        "/v1/quotes",
        platform_key,
        quote_body(
            contractor,
            trade="plumbing",
            work_state="CA",
            lines=["wc"],
            estimated_annual_pay_cents=400000000,
            hourly_wage_cents=4000,
        ),
    )
    api.json("POST", f"/v1/referrals/{quote['referral']['id']}/approve", underwriter, {})
    _, policy = api.json(
        "POST", "/v1/policies", platform_key, {"quote": quote["id"], "accept_terms": True}
    )
    api.json(
        "POST",
        f"/v1/policies/{policy['id']}/payments",
        platform_key,
        {"amount_cents": policy["down_payment_due_cents"], "reference": "dp"},
    )
    _, job = dispatch(api, platform_key, contractor, "ca-1", "CA", lines=["wc"], trade="plumbing")
    wc = job["coverage"]["wc"]
    assert wc["status"] == "bound"
    assert wc["premium_cents"] == 0
    assert "annual_program_exposure" in [r["code"] for r in wc["reasons"]]
    total = ledger(api, platform_key, contractor=contractor)["total_cents"]
    assert total == policy["balance_due_cents"]  # only the policy's annual charge


def test_an_approved_annual_line_waits_for_its_down_payment(api, platform_key, underwriter):
    contractor = api.json("POST", "/v1/contractors", platform_key, california_contractor_body())[1][
        "id"
    ]
    _, quote = api.json(
        "POST",
        "/v1/quotes",
        platform_key,
        quote_body(
            contractor,
            trade="plumbing",
            work_state="CA",
            estimated_annual_pay_cents=400000000,
            hourly_wage_cents=4000,
        ),
    )
    assert (quote["lines"]["wc"]["status"], quote["lines"]["gl"]["status"]) == (
        "referred",
        "eligible",
    )
    _, policy = api.json(
        "POST", "/v1/policies", platform_key, {"quote": quote["id"], "accept_terms": True}
    )
    assert (policy["status"], set(policy["lines"])) == ("active", {"gl"})
    api.json("POST", f"/v1/referrals/{quote['referral']['id']}/approve", underwriter, {})
    _, extended = api.json("GET", f"/v1/policies/{policy['id']}", platform_key)
    assert extended["lines"]["wc"]["awaiting_down_payment"] is True
    _, job = dispatch(api, platform_key, contractor, "dp-1", "CA", trade="plumbing")
    assert job["coverage"]["gl"]["status"] == "bound"  # the per-dispatch line goes on binding
    assert job["coverage"]["wc"]["reasons"][0]["code"] == "policy_pending_payment"
    api.json(
        "POST",
        f"/v1/policies/{policy['id']}/payments",
        platform_key,
        {"amount_cents": extended["down_payment_due_cents"], "reference": "dp"},
    )
    _, later = dispatch(api, platform_key, contractor, "dp-2", "CA", trade="plumbing")
    assert later["coverage"]["wc"]["status"] == "bound"
