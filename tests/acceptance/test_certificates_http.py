"""Certificates over HTTP against `make run`'s stack: the presigned link opens from the host
against the local emulator and serves the same bytes as `/pdf`; the PDF's verify address is this
server's and answers without a key."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
import requests
from pypdf import PdfReader

from tests.acceptance.test_dispatch_http import new_platform, tech, window
from tests.answers import CLEAN_ANSWERS

pytestmark = pytest.mark.acceptance


def test_a_bound_dispatch_has_a_certificate_the_host_can_download_and_verify(stack):
    key = new_platform(stack)
    contractor = tech(stack, key)
    quote = stack.call(
        "POST",
        "/v1/quotes",
        key,
        json={
            "contractor": contractor,
            "trade": "plumbing",
            "work_state": "NJ",
            "lines": ["wc", "gl"],
            "effective_date": datetime.now(UTC).date().isoformat(),
            "estimated_annual_pay_cents": 3_000_000,
            "operations": CLEAN_ANSWERS,
        },
    ).json()
    policy = stack.call(
        "POST", "/v1/policies", key, json={"quote": quote["id"], "accept_terms": True}
    )
    assert policy.status_code == 201, policy.text
    job = stack.call(
        "POST",
        "/v1/assignments",
        key,
        json={
            "external_id": "cert-http-1",
            "contractor": contractor,
            "trade": "plumbing",
            "work_address": {
                "line1": "8 Canal St",
                "city": "Trenton",
                "state": "NJ",
                "postal_code": "08608",
            },
            "window": window(),
            "pay": {"amount_cents": 30_000, "basis": "flat"},
            "lines": ["wc", "gl"],
        },
    )
    assert job.status_code == 201, job.text
    ref = job.json()["certificate"]
    assert ref["status"] == "valid"
    pdf = stack.call(
        "GET", f"/v1/certificates/{ref['id']}/pdf", key, headers={"Accept": "application/pdf"}
    )
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["Content-Type"] == "application/pdf"
    # The presigned link points at the local emulator and opens from the host.
    url = stack.call("GET", f"/v1/certificates/{ref['id']}", key).json()["url"]
    assert url.startswith(stack.aws_url), (url, stack.aws_url)
    fetched = requests.get(url, timeout=30)
    assert fetched.status_code == 200
    assert fetched.content == pdf.content
    # The verify address printed on the PDF is this server's, and needs no key.
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert f"{stack.base_url}/v1/verify/{ref['number']}?revision=1" in text
    verified = stack.call("GET", f"/v1/verify/{ref['number']}?revision=1")
    assert verified.status_code == 200
    assert verified.json()["status"] == "valid"
