"""Certificates on moto: issued on bind, revised on PATCH, void on cancel, stored in S3, verified
by anyone; another platform gets 404; the California program's underwriter reviews them."""

from __future__ import annotations

import io
import json

import pytest
from pypdf import PdfReader

from tests.functional.conftest import customer_body
from tests.functional.test_assignments import dispatch, opted_in

__all__ = ["opted_in"]


def pdf_text(body: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


@pytest.fixture
def customer(api, platform_key):
    status, body = api.json("POST", "/v1/customers", platform_key, customer_body())
    assert status == 201, body
    return body["id"]


def test_a_bind_answers_a_valid_certificate_stored_in_s3(api, platform_key, opted_in, customer):
    status, assignment = dispatch(
        api, platform_key, opted_in["contractor"], customer=customer, description="Rooftop unit"
    )
    assert status == 201, assignment
    ref = assignment["certificate"]
    assert ref["status"] == "valid", ref
    assert ref["number"].startswith("COI-")
    status, certificate = api.json("GET", f"/v1/certificates/{ref['id']}", platform_key)
    assert status == 200, certificate
    print(json.dumps(certificate, indent=1))
    response = api.call("GET", f"/v1/certificates/{ref['id']}/pdf", platform_key)
    print(response.status_code, response.body, response.headers)
    response = api.call(
        "GET",
        f"/v1/certificates/{ref['id']}/pdf",
        platform_key,
        headers={"Accept": "application/pdf"},
    )
    assert response.status_code == 200
    open("/tmp/certs/functional.pdf", "wb").write(response.body)
    text = pdf_text(response.body)
    print(text)
