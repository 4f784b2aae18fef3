"""The term jobs on moto: over HTTP with `as_of` on both sides of each date boundary, and as the
scheduled functions (the test client's lambda invoke with a CloudWatch event)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.adapters.dynamodb.assignments import assignment_item
from chalicelib.adapters.dynamodb.table import to_attributes
from chalicelib.bootstrap import container
from chalicelib.domain.assignments import Window
from tests.functional.conftest import (
    ADMIN_KEY,
    Api,
    california_contractor_body,
    contractor_body,
    quote_body,
)

TODAY = datetime.now(UTC).date()
TERM_JOBS = ("renewals", "expirations", "rescissions", "audits")


@pytest.fixture
def underwriter_key(api):
    return api.json("POST", "/v1/api-keys", ADMIN_KEY, {"role": "underwriter"})[1]["api_key"]


def run(api: Api, name: str, as_of=None, **extra: Any) -> dict[str, Any]:
    body = {"as_of": as_of.isoformat(), **extra} if as_of else extra
    status, answer = api.json("POST", f"/v1/admin/jobs/{name}", ADMIN_KEY, body)
    assert status == 200, answer
    assert answer["job"] == name
    return dict(answer)


def invoke(api: Api, name: str) -> dict[str, Any]:
    event = api.client.events.generate_cw_event(
        source="aws.events",
        detail_type="Scheduled Event",
        detail={},
        resources=[f"arn:aws:events:us-east-1:123456789012:rule/jobcover-test-{name}"],
    )
    return dict(api.client.lambda_.invoke(name, event).payload)


def opt_in(api: Api, key: str, **quote: Any) -> dict[str, Any]:
    # external_id is unique per platform: each tech opted in here is another one.
    body = contractor_body(external_id=f"tech-{uuid.uuid4().hex}")
    contractor = api.json("POST", "/v1/contractors", key, body)[1]["id"]
    quoted = api.json("POST", "/v1/quotes", key, quote_body(contractor, **quote))[1]
    status, policy = api.json(
        "POST", "/v1/policies", key, {"quote": quoted["id"], "accept_terms": True}
    )
    assert status == 201, policy
    return dict(policy)


def get(api: Api, key: str, path: str) -> dict[str, Any]:
    status, body = api.json("GET", path, key)
    assert status == 200, body
    return dict(body)


@pytest.mark.parametrize("name", TERM_JOBS)
def test_each_term_job_is_a_schedule_and_an_admin_run(api, name):
    assert invoke(api, name)["processed"] == 0
    assert run(api, name)["processed"] == 0


def test_renewals_over_http_on_both_sides_of_the_window_and_as_the_schedule(api, platform_key):
    policy = opt_in(api, platform_key, end_date=(TODAY + timedelta(days=45)).isoformat())
    expiration = datetime.fromisoformat(policy["expiration_date"]).date()
    assert run(api, "renewals", expiration - timedelta(days=31))["processed"] == 0
    # A business date in the future moves the clock on the test stage.
    result = run(api, "renewals", expiration - timedelta(days=30))
    assert (result["processed"], result["renewed"]) == (1, 1)
    old = get(api, platform_key, f"/v1/policies/{policy['id']}")
    renewal = get(api, platform_key, f"/v1/policies/{old['renewed_by']}")
    assert (renewal["number"], renewal["renewal_of"]) == (policy["number"], policy["id"])
    assert renewal["effective_date"] == policy["expiration_date"]
    assert run(api, "renewals", expiration - timedelta(days=29))["processed"] == 0
    # Expiring within 30 days of today: the scheduled function renews it today.
    soon = opt_in(api, platform_key, end_date=(TODAY + timedelta(days=20)).isoformat())
    assert invoke(api, "renewals")["renewed"] == 1
    assert get(api, platform_key, f"/v1/policies/{soon['id']}")["renewed_by"]


def test_expirations_on_both_sides_of_the_dates(api, platform_key):
    policy = opt_in(api, platform_key, end_date=(TODAY + timedelta(days=45)).isoformat())
    # Auto-renewal happens first in the window; expire a term that was renewed.
    expiration = datetime.fromisoformat(policy["expiration_date"]).date()
    run(api, "renewals", expiration - timedelta(days=30))
    assert run(api, "expirations", expiration - timedelta(days=1))["processed"] == 0
    assert run(api, "expirations", expiration)["expired"] == 1
    assert get(api, platform_key, f"/v1/policies/{policy['id']}")["status"] == "expired"


def test_a_scheduled_cancellation_takes_effect_on_its_date(api, platform_key):
    policy = opt_in(api, platform_key)
    effective = TODAY + timedelta(days=7)
    api.json(
        "POST",
        f"/v1/policies/{policy['id']}/cancel",
        platform_key,
        {"reason": "insured_request", "effective_date": effective.isoformat()},
    )
    assert run(api, "expirations", effective - timedelta(days=1))["processed"] == 0
    assert run(api, "expirations", effective)["cancelled"] == 1
    assert get(api, platform_key, f"/v1/policies/{policy['id']}")["status"] == "cancelled"


def dispatch(api: Api, key: str, contractor: str, external_id: str) -> dict[str, Any]:
    day = TODAY + timedelta(days=1)
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
    return dict(body)


def test_unreported_windows_and_their_audit_requests(api, platform_key):
    policy = opt_in(api, platform_key)
    job = dispatch(api, platform_key, policy["contractor"], "j-1")
    window_end = datetime.fromisoformat(job["window"]["end"])
    assert run(api, "expirations", window_end.date())["processed"] == 0
    day_after = window_end.date() + timedelta(days=1)
    assert run(api, "expirations", day_after)["unreported"] == 1
    assert get(api, platform_key, f"/v1/assignments/{job['id']}")["status"] == "unreported"
    assert run(api, "audits", day_after)["audit_requested"] == 1
    assert run(api, "audits", day_after)["processed"] == 0


def test_the_expirations_schedule_marks_a_window_that_ended_yesterday(api, platform_key):
    policy = opt_in(api, platform_key)
    job = dispatch(api, platform_key, policy["contractor"], "j-2")
    # Move the stored window into the past (as if bound days ago), straight in the table.
    table = container().table
    stored = container().assignments.get(platform_of(platform_key), job["id"])
    start = datetime.combine(TODAY - timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    moved = stored.model_copy(
        update={"window": Window(start=start, end=start + timedelta(hours=4))}
    )
    table.client.put_item(TableName=table.name, Item=to_attributes(assignment_item(moved)))
    assert invoke(api, "expirations")["unreported"] == 1
    assert get(api, platform_key, f"/v1/assignments/{job['id']}")["status"] == "unreported"


def platform_of(key: str) -> str:
    return str(container().auth.authenticate(f"Bearer {key}").platform)


def test_rescissions_on_both_sides_of_the_due_date(api, platform_key, underwriter_key):
    contractor = api.json("POST", "/v1/contractors", platform_key, california_contractor_body())[1][
        "id"
    ]
    quote = api.json(
        "POST",
        "/v1/quotes",
        platform_key,
        quote_body(
            contractor,
            trade="plumbing",
            work_state="CA",
            lines=["wc"],
            effective_date=(TODAY + timedelta(days=21)).isoformat(),
            estimated_annual_pay_cents=400_000_000,
            hourly_wage_cents=4000,
        ),
    )[1]
    api.json(
        "POST", f"/v1/referrals/{quote['referral']['id']}/approve", underwriter_key, {"note": "ok"}
    )
    policy = api.json(
        "POST", "/v1/policies", platform_key, {"quote": quote["id"], "accept_terms": True}
    )[1]
    due_by = datetime.fromisoformat(policy["down_payment_due_by"]).date()
    assert run(api, "rescissions", due_by)["processed"] == 0
    assert run(api, "rescissions", due_by + timedelta(days=1))["rescinded"] == 1
    rescinded = get(api, platform_key, f"/v1/policies/{policy['id']}")
    assert rescinded["status"] == "rescinded"
    assert rescinded["notices"][0]["kind"] == "rescinding_bind"
    ledger = get(api, platform_key, f"/v1/ledger?policy={policy['id']}")
    assert ledger["total_cents"] == 0
    status, _ = api.json("POST", f"/v1/policies/{policy['id']}/reinstate", platform_key)
    assert status == 403
    status, body = api.json("POST", f"/v1/policies/{policy['id']}/reinstate", underwriter_key)
    assert (status, body["status"]) == (200, "pending_payment")
