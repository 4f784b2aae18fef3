"""Certificates on moto: issued in the binding request and stored in S3 (private, encrypted, hash
in metadata), a presigned link to the same bytes, revisions on PATCH, void on cancel, expired
after the window, verified by anyone without a key, invisible to another platform, and the
California program's underwriter review."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import boto3
import pytest
import requests
from pypdf import PdfReader

from chalicelib.adapters.system import SystemClock
from tests.functional.conftest import (
    ADMIN_KEY,
    california_contractor_body,
    customer_body,
    quote_body,
)
from tests.functional.test_assignments import dispatch, opted_in, window
from tests.unit.test_certificate_pdf import ARTIFACTS

__all__ = ["opted_in"]
PDF = {"Accept": "application/pdf"}
TODAY = datetime.now(UTC).date()


def keep_picture(pdf: bytes, name: str) -> None:
    """The page as a PNG next to the unit tier's (build/test-artifacts), to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.pdf"
    path.write_bytes(pdf)
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm missing: `make poppler`"
    command = [pdftoppm, "-png", "-r", "110", "-singlefile", str(path), str(path.with_suffix(""))]
    subprocess.run(command, check=True, timeout=60)


def pdf_text(body: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    return " ".join(text.split())


@pytest.fixture
def customer(api, platform_key):
    status, body = api.json("POST", "/v1/customers", platform_key, customer_body())
    assert status == 201, body
    return body["id"]


@pytest.fixture
def underwriter_key(api):
    return api.json("POST", "/v1/api-keys", ADMIN_KEY, {"role": "underwriter"})[1]["api_key"]


@pytest.fixture
def bound(api, platform_key, opted_in, customer):
    status, assignment = dispatch(
        api, platform_key, opted_in["contractor"], customer=customer, description="Rooftop unit"
    )
    assert status == 201, assignment
    return assignment


def get_pdf(api, key, certificate_id, revision=None):
    query = f"?revision={revision}" if revision else ""
    return api.call("GET", f"/v1/certificates/{certificate_id}/pdf{query}", key, headers=PDF)


def test_the_binding_request_answers_a_valid_certificate(api, platform_key, bound):
    ref = bound["certificate"]
    assert ref["status"] == "valid", ref
    assert ref["revision"] == 1
    assert ref["number"].startswith("COI-") and len(ref["number"]) == 27
    status, certificate = api.json("GET", f"/v1/certificates/{ref['id']}", platform_key)
    assert status == 200, certificate
    assert certificate["subject"] == {"type": "assignment", "id": bound["id"]}
    assert certificate["insured"]["name"] == "Dana Reyes"
    assert certificate["holder"]["name"] == "Harbor Property Management"
    assert [line["line"] for line in certificate["lines"]] == ["gl", "wc"]
    assert certificate["period"]["kind"] == "dispatch_window"
    assert certificate["period"]["start"] == bound["window"]["start"].replace("+00:00", "Z")
    assert certificate["review"] is None
    # The assignment answers the same certificate when read again.
    again = api.json("GET", f"/v1/assignments/{bound['id']}", platform_key)[1]
    assert again["certificate"]["id"] == ref["id"]


def test_the_pdf_is_stored_privately_encrypted_with_its_hash_and_the_link_fetches_it(
    api, platform_key, bound
):
    certificate_id = bound["certificate"]["id"]
    path = f"/v1/certificates/{certificate_id}/pdf"
    refused = api.call("GET", path, platform_key, headers={"Accept": "text/html"})
    assert refused.status_code == 406 and b"not_acceptable" in refused.body
    anything = api.call("GET", path, platform_key, headers={"Accept": "*/*"})
    assert anything.status_code == 200
    response = get_pdf(api, platform_key, certificate_id)
    assert response.status_code == 200
    assert response.body == anything.body
    assert response.headers["Content-Type"] == "application/pdf"
    body = response.body
    assert body.startswith(b"%PDF")
    text = pdf_text(body)
    assert "CERTIFICATE OF LIABILITY INSURANCE" in text and "Harbor Property Management" in text
    revisions = api.json("GET", f"/v1/certificates/{certificate_id}/revisions", platform_key)[1]
    stored = revisions["data"][0]
    assert stored["sha256"] == hashlib.sha256(body).hexdigest()
    assert stored["size"] == len(body) <= 30 * 1024

    s3 = boto3.client("s3")
    bucket = os.environ["JOBCOVER_BUCKET_NAME"]  # named as in AWS: the stage and the account
    objects = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert len(objects) == 2  # the policy's standing certificate and this one
    key = next(o["Key"] for o in objects if certificate_id in o["Key"])
    assert key.startswith("certificates/plt_") and key.endswith("/r0001.pdf")
    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["Metadata"]["sha256"] == stored["sha256"]
    assert head["ContentType"] == "application/pdf"
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values())

    url = api.json("GET", f"/v1/certificates/{certificate_id}", platform_key)[1]["url"]
    assert "X-Amz-Expires=600" in url  # signature V4, at most 15 minutes
    fetched = requests.get(url, timeout=10)
    assert fetched.status_code == 200
    assert fetched.content == body


def test_patch_revises_and_verify_shows_the_old_revision_superseded(api, platform_key, bound):
    ref = bound["certificate"]
    moved = window(days_from_now=2)
    status, patched = api.json(
        "PATCH", f"/v1/assignments/{bound['id']}", platform_key, {"window": moved}
    )
    assert status == 200, patched
    assert patched["certificate"]["revision"] == 2
    assert patched["certificate"]["number"] == ref["number"]
    assert patched["certificate"]["status"] == "valid"
    revisions = api.json("GET", f"/v1/certificates/{ref['id']}/revisions", platform_key)[1]
    assert [(r["revision"], r["status"]) for r in revisions["data"]] == [
        (2, "valid"),
        (1, "superseded"),
    ]
    # Both revisions stay downloadable; each PDF names its own revision.
    assert "revision 1" in pdf_text(get_pdf(api, platform_key, ref["id"], 1).body)
    assert "revision 2" in pdf_text(get_pdf(api, platform_key, ref["id"]).body)
    # Public verify: no key at all, and only what a property manager needs.
    status, old = api.json("GET", f"/v1/verify/{ref['number']}?revision=1")
    assert status == 200, old
    assert old["status"] == "superseded" and old["current_revision"] == 2
    status, current = api.json("GET", f"/v1/verify/{ref['number']}")
    assert (current["revision"], current["status"]) == (2, "valid")
    assert set(current) == {
        "number",
        "revision",
        "current_revision",
        "status",
        "insured_name",
        "holder_name",
        "period",
        "lines",
        "review",
    }
    assert current["insured_name"] == "Dana Reyes"
    assert current["holder_name"] == "Harbor Property Management"
    assert current["period"]["start"].startswith(moved["start"][:16])
    assert "premium" not in str(current) and "tin" not in str(current).lower()


def test_cancel_voids_it_and_verify_says_void(api, platform_key, bound):
    number = bound["certificate"]["number"]
    status, cancelled = api.json(
        "POST", f"/v1/assignments/{bound['id']}/cancel", platform_key, {"reason": "client_request"}
    )
    assert status == 200, cancelled
    assert cancelled["certificate"]["status"] == "void"
    assert api.json("GET", f"/v1/verify/{number}")[1]["status"] == "void"


def test_after_the_window_it_reads_expired(api, platform_key, bound, monkeypatch):
    number = bound["certificate"]["number"]
    after = datetime.fromisoformat(bound["window"]["end"]) + timedelta(minutes=1)
    monkeypatch.setattr(SystemClock, "now", lambda self: after)
    assert api.json("GET", f"/v1/verify/{number}")[1]["status"] == "expired"
    certificate = api.json("GET", f"/v1/certificates/{bound['certificate']['id']}", platform_key)
    assert certificate[1]["status"] == "expired"


def test_another_platform_gets_404_and_unknown_numbers_too(
    api, platform_key, other_platform_key, bound
):
    certificate_id = bound["certificate"]["id"]
    for path in ("", "/revisions"):
        status, body = api.json(
            "GET", f"/v1/certificates/{certificate_id}{path}", other_platform_key
        )
        assert status == 404, body
    assert get_pdf(api, other_platform_key, certificate_id).status_code == 404
    assert api.json("GET", "/v1/verify/COI-00000-00000-00000-00000")[0] == 404
    assert api.json("GET", f"/v1/certificates/{certificate_id}")[0] == 401
    assert api.json("GET", "/v1/certificates?review=pending", platform_key)[0] == 403


def test_the_policy_has_a_standing_certificate(api, platform_key, opted_in):
    policy = opted_in["policy"]
    status, certificate = api.json("GET", f"/v1/policies/{policy['id']}/certificate", platform_key)
    assert status == 200, certificate
    assert certificate["status"] == "valid"
    assert certificate["subject"] == {"type": "policy", "id": policy["id"]}
    assert certificate["holder"] is None
    assert certificate["period"]["kind"] == "policy_term"
    assert certificate["period"]["start"].startswith(policy["effective_date"])
    assert {line["policy_number"] for line in certificate["lines"]} == {policy["number"]}


# --- the California program: an underwriter reviews each certificate ---------------------------


@pytest.fixture
def california_policy(api, platform_key, underwriter_key):
    """An active California WC policy (referred, approved, down payment paid)."""
    contractor = api.json("POST", "/v1/contractors", platform_key, california_contractor_body())[1][
        "id"
    ]
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
            estimated_annual_pay_cents=400_000_000,
            hourly_wage_cents=4000,
        ),
    )
    assert status == 201, quote
    assert quote["lines"]["wc"]["program"] == "california-wc", quote
    api.json("POST", f"/v1/referrals/{quote['referral']['id']}/approve", underwriter_key, {})
    policy = api.json(
        "POST", "/v1/policies", platform_key, {"quote": quote["id"], "accept_terms": True}
    )[1]
    paid = api.json(
        "POST",
        f"/v1/policies/{policy['id']}/payments",
        platform_key,
        {"amount_cents": policy["down_payment_due_cents"], "reference": "chk-1"},
    )
    assert paid[0] == 201, paid
    return {"contractor": contractor, "policy": policy}


def california_job(api, key, contractor, customer):
    day = TODAY + timedelta(days=22)
    return api.json(
        "POST",
        "/v1/assignments",
        key,
        {
            "external_id": "ca-job-7",
            "contractor": contractor,
            "customer": customer,
            "trade": "plumbing",
            "description": "Replace the water heater in unit 12",
            "work_address": {
                "line1": "2 Olive Ave",
                "city": "Fresno",
                "state": "CA",
                "postal_code": "93721",
            },
            "window": {"start": f"{day}T08:00:00-08:00", "end": f"{day}T16:00:00-08:00"},
            "pay": {"amount_cents": 48_000, "basis": "flat"},
            "lines": ["wc"],
        },
    )


def test_a_california_certificate_goes_through_review(
    api, platform_key, underwriter_key, california_policy
):
    policy = california_policy["policy"]
    standing = api.json("GET", f"/v1/policies/{policy['id']}/certificate", platform_key)[1]
    assert standing["review"] == "pending"
    body = customer_body(
        name="Valley Apartments LLC",
        address={"line1": "40 Fig St", "city": "Fresno", "state": "CA", "postal_code": "93721"},
        requirements={"waiver_of_subrogation": True},
    )
    customer = api.json("POST", "/v1/customers", platform_key, body)[1]["id"]
    status, job = california_job(api, platform_key, california_policy["contractor"], customer)
    assert status == 201, job
    assert job["coverage"]["wc"]["program"] == "california-wc"
    ref = job["certificate"]
    certificate = api.json("GET", f"/v1/certificates/{ref['id']}", platform_key)[1]
    assert certificate["review"] == "pending"
    assert certificate["lines"][0]["waiver_of_subrogation"] is True
    assert certificate["lines"][0]["period"]["kind"] == "policy_term"  # an annual program
    # What the California guidelines require on a waiver certificate.
    body = get_pdf(api, platform_key, ref["id"]).body
    keep_picture(body, "certificate-california-waiver")
    text = pdf_text(body)
    for required in (
        "Length of job: 8 hours",
        "UTC-08:00",
        "Work performed: Replace the water heater in unit 12",
        "Job reference: ca-job-7",
        "location: 2 Olive Ave, Fresno, CA 93721",
        "Requesting party: Valley Apartments LLC, 40 Fig St, Fresno, CA 93721",
        f"WC class {job['coverage']['wc']['class_code']}",
        "payroll for this job $480.00",
        "Issued subject to the underwriter's review of Insurance Company of the West",
    ):
        assert required in text, required
    assert api.json("GET", f"/v1/verify/{ref['number']}")[1]["review"] == "pending"

    # The underwriter reads any platform's certificate and its PDF.
    status, seen = api.json("GET", f"/v1/certificates/{ref['id']}", underwriter_key)
    assert (status, seen["number"]) == (200, ref["number"])
    assert get_pdf(api, underwriter_key, ref["id"]).status_code == 200
    # The underwriter's queue (across platforms) holds both; a platform cannot decide.
    queue = api.json("GET", "/v1/certificates?review=pending", underwriter_key)[1]
    assert {c["id"] for c in queue["data"]} == {standing["id"], ref["id"]}
    assert api.json("POST", f"/v1/certificates/{ref['id']}/approve", platform_key, {})[0] == 403
    status, approved = api.json(
        "POST", f"/v1/certificates/{standing['id']}/approve", underwriter_key, {"note": "fine"}
    )
    assert status == 200, approved
    assert (approved["review"], approved["status"]) == ("approved", "valid")
    status, rejected = api.json(
        "POST", f"/v1/certificates/{ref['id']}/reject", underwriter_key, {"note": "wrong holder"}
    )
    assert (rejected["review"], rejected["status"], rejected["review_note"]) == (
        "rejected",
        "void",
        "wrong holder",
    )
    verified = api.json("GET", f"/v1/verify/{ref['number']}")[1]
    assert (verified["status"], verified["review"]) == ("void", "rejected")
    again = api.json("POST", f"/v1/certificates/{ref['id']}/approve", underwriter_key, {})
    assert again[0] == 409
    assert api.json("GET", "/v1/certificates?review=pending", underwriter_key)[1]["data"] == []
