"""The policy term over HTTP against `make run`'s stack: cancel with a future date, the jobs it
cancels, reinstate; the term jobs through the admin route with `as_of`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.acceptance.test_dispatch_http import new_platform, tech, window
from tests.answers import CLEAN_ANSWERS

pytestmark = pytest.mark.acceptance


def test_cancel_reinstate_and_the_term_jobs_over_http(stack):
    key = new_platform(stack)
    contractor = tech(stack, key)
    today = datetime.now(UTC).date()
    quote = stack.call(
        "POST",
        "/v1/quotes",
        key,
        json={
            "contractor": contractor,
            "trade": "plumbing",
            "work_state": "NJ",
            "lines": ["wc"],
            "effective_date": today.isoformat(),
            "end_date": (today + timedelta(days=60)).isoformat(),
            "estimated_annual_pay_cents": 3_000_000,
            "operations": CLEAN_ANSWERS,
        },
    ).json()
    policy = stack.call(
        "POST", "/v1/policies", key, json={"quote": quote["id"], "accept_terms": True}
    ).json()
    job = stack.call(
        "POST",
        "/v1/assignments",
        key,
        json={
            "external_id": "term-1",
            "contractor": contractor,
            "trade": "plumbing",
            "work_address": {
                "line1": "3 Oak",
                "city": "Trenton",
                "state": "NJ",
                "postal_code": "08608",
            },
            "window": window(10),
            "pay": {"amount_cents": 30_000, "basis": "flat"},
            "lines": ["wc"],
        },
    ).json()
    assert job["status"] == "bound", job

    effective = (today + timedelta(days=5)).isoformat()
    cancelled = stack.call(
        "POST",
        f"/v1/policies/{policy['id']}/cancel",
        key,
        json={"reason": "insured_request", "effective_date": effective},
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancellation_pending"
    assert stack.call("GET", f"/v1/assignments/{job['id']}", key).json()["status"] == "cancelled"
    reinstated = stack.call("POST", f"/v1/policies/{policy['id']}/reinstate", key)
    assert (reinstated.status_code, reinstated.json()["status"]) == (200, "active")

    # Within 30 days of expiring: renewed by the job run for that date.
    as_of = (today + timedelta(days=30)).isoformat()
    run = stack.call("POST", "/v1/admin/jobs/renewals", stack.admin_key, json={"as_of": as_of})
    assert run.status_code == 200, run.text
    assert run.json()["renewed"] == 1
    renewed = stack.call("GET", f"/v1/policies/{policy['id']}", key).json()
    assert renewed["renewed_by"]
    for name in ("expirations", "rescissions", "audits"):
        answer = stack.call("POST", f"/v1/admin/jobs/{name}", stack.admin_key, json={})
        assert answer.status_code == 200, answer.text
