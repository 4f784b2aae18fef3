"""Certificates are never lost: with S3 down or the renderer raising, the bind stands (201, no
503), its certificate is `pending`, and the outbox job issues it once the fault is gone. Reading a
PDF while S3 is down is a 503."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError

from tests.faults.conftest import URL, Faults, assert_unavailable, aws_error, raising
from tests.functional.conftest import ADMIN_KEY, Api, contractor_body, quote_body
from tests.functional.test_assignments import address, window

S3_DOWN = raising(lambda: EndpointConnectionError(endpoint_url=URL))


@pytest.fixture
def contractor(api: Api, platform_key: str) -> str:
    contractor_id = api.json("POST", "/v1/contractors", platform_key, contractor_body())[1]["id"]
    quote = api.json("POST", "/v1/quotes", platform_key, quote_body(contractor_id))[1]
    policy = api.json(
        "POST", "/v1/policies", platform_key, {"quote": quote["id"], "accept_terms": True}
    )
    assert policy[0] == 201, policy
    return str(contractor_id)


def bind(api: Api, key: str, contractor: str, external_id: str) -> dict[str, Any]:
    status, body = api.json(
        "POST",
        "/v1/assignments",
        key,
        {
            "external_id": external_id,
            "contractor": contractor,
            "trade": "hvac",
            "work_address": address("PA"),
            "window": window(),
            "pay": {"amount_cents": 40_000, "basis": "flat"},
            "lines": ["wc", "gl"],
        },
    )
    assert status == 201, body  # the bind stands whatever happens to its certificate
    assert body["status"] == "bound"
    return dict(body)


def run_outbox(api: Api, minutes_later: int) -> dict[str, Any]:
    now = datetime.now(UTC) + timedelta(minutes=minutes_later)
    status, body = api.json(
        "POST",
        "/v1/admin/jobs/outbox",
        ADMIN_KEY,
        {"as_of": str(now.date()), "now": now.isoformat()},
    )
    assert status == 200, body
    return dict(body)


def test_with_s3_down_the_bind_stands_pending_and_the_outbox_issues_it(
    api: Api, platform_key: str, contractor: str, faults: Faults
):
    puts = faults.on("s3", "PutObject", S3_DOWN)
    job = bind(api, platform_key, contractor, "s3-down-1")
    assert puts.failed == 1
    ref = job["certificate"]
    assert (ref["status"], ref["url"]) == ("pending", None)
    status, error = api.json(
        "GET",
        f"/v1/certificates/{ref['id']}/pdf",
        platform_key,
        headers={"Accept": "application/pdf"},
    )
    assert (status, error["error"]["code"]) == (409, "certificate_pending")
    assert api.json("GET", f"/v1/verify/{ref['number']}")[1]["status"] == "pending"

    failed = run_outbox(api, minutes_later=0)  # still down: handed back with a backoff
    assert failed["retried"] >= 1
    assert {f["consumer"] for f in failed["failures"]} == {"certificates"}
    faults.clear()
    assert run_outbox(api, minutes_later=0)["processed"] == 0  # not due before its backoff
    done = run_outbox(api, minutes_later=2)
    assert "failures" not in done, done
    certificate = api.json("GET", f"/v1/certificates/{ref['id']}", platform_key)[1]
    assert certificate["status"] == "valid" and certificate["url"]
    response = api.call(
        "GET",
        f"/v1/certificates/{ref['id']}/pdf",
        platform_key,
        headers={"Accept": "application/pdf"},
    )
    assert response.status_code == 200 and response.body.startswith(b"%PDF")


def test_with_the_renderer_raising_the_bind_stands_and_the_outbox_issues_it(
    api: Api, platform_key: str, contractor: str, monkeypatch: pytest.MonkeyPatch
):
    from chalicelib.adapters.certificates.acord25 import Acord25Renderer

    def broken(self: Any, content: Any, url: str) -> bytes:
        raise RuntimeError("renderer bug")

    monkeypatch.setattr(Acord25Renderer, "render", broken)
    job = bind(api, platform_key, contractor, "render-1")
    assert job["certificate"]["status"] == "pending"
    monkeypatch.undo()
    run_outbox(api, minutes_later=0)  # the first outbox run issues it (never tried yet there)
    certificate = api.json("GET", f"/v1/certificates/{job['certificate']['id']}", platform_key)
    assert certificate[1]["status"] == "valid"


def test_one_put_per_bind_and_reading_a_pdf_while_s3_fails_is_a_503(
    api: Api, platform_key: str, contractor: str, faults: Faults, subtests: Any
):
    puts = faults.on("s3", "PutObject", None)
    job = bind(api, platform_key, contractor, "read-1")
    assert job["certificate"]["status"] == "valid"
    assert len(puts.seen) == 1  # one PUT per bind
    path = f"/v1/certificates/{job['certificate']['id']}/pdf"
    for kind, fault in {
        "down": S3_DOWN,
        "slow_down": aws_error("SlowDown", 503),
        "internal": aws_error("InternalError", 500),
    }.items():
        with subtests.test(kind):
            faults.on("s3", "GetObject", fault)
            response = api.call("GET", path, platform_key, headers={"Accept": "application/pdf"})
            assert_unavailable(response)
        faults.clear()
    response = api.call("GET", path, platform_key, headers={"Accept": "application/pdf"})
    assert response.status_code == 200
