"""Moto + chalice.test.Client, with resources created from infra/resources.json."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws

from devserver import localaws
from devserver.resources import create_resources, stage_environment, stage_names
from tests.answers import CLEAN_ANSWERS
from tests.conftest import PROJECT_DIR

STAGE = "test"
ADMIN_KEY = stage_environment(STAGE)["JOBCOVER_ADMIN_KEY"]


@pytest.fixture(autouse=True, scope="session")
def _moto_at_scale() -> None:
    """moto as `make run` has it: rollback per item, queries per partition (devserver.localaws)."""
    localaws.install_at_scale()


@pytest.fixture
def dynamo(monkeypatch: pytest.MonkeyPatch) -> localaws.DynamoSemantics:
    """moto's DynamoDB applies each request atomically across threads, as `make run`'s does; a
    test may also hold transactions in flight (`transaction_seconds`)."""
    return localaws.DynamoSemantics().install(monkeypatch.setattr)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto with the test stage's resources; the stage environment is set for direct calls too."""
    env = stage_environment(STAGE)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        from chalicelib import bootstrap

        bootstrap.reset()
        create_resources(boto3.session.Session(), stage=STAGE, names=stage_names(env))
        yield
        bootstrap.reset()


class Api:
    """The test client with JSON helpers and keys."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def call(
        self,
        method: str,
        path: str,
        key: str | None = None,
        body: Any = None,
        raw: bytes | str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        sent = {"Content-Type": "application/json", **(headers or {})}
        if key is not None:
            sent["Authorization"] = f"Bearer {key}"
        payload = raw if raw is not None else (json.dumps(body) if body is not None else None)
        return self.client.http.request(method, path, headers=sent, body=payload or b"")

    def json(self, method: str, path: str, key: str | None = None, body: Any = None, **kw: Any):
        response = self.call(method, path, key, body, **kw)
        return response.status_code, json.loads(response.body) if response.body else None


@pytest.fixture
def api(aws: None) -> Iterator[Api]:
    from app import app
    from devserver.gateway import install_gateway_responses

    install_gateway_responses()
    with Client(app, stage_name=STAGE, project_dir=PROJECT_DIR) as client:
        yield Api(client)


@pytest.fixture
def admin_key() -> str:
    return ADMIN_KEY


@pytest.fixture
def platform_key(api: Api) -> str:
    status, body = api.json("POST", "/v1/platforms", ADMIN_KEY, {"name": "Acme Dispatch"})
    assert status == 201, body
    return str(body["api_key"])


@pytest.fixture
def other_platform_key(api: Api) -> str:
    status, body = api.json("POST", "/v1/platforms", ADMIN_KEY, {"name": "Rival Dispatch"})
    assert status == 201, body
    return str(body["api_key"])


def contractor_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "external_id": "tech-1",
        "legal_name": "Dana Reyes",
        "entity_type": "sole_proprietor",
        "tin_type": "ssn",
        "tin": "123-45-6789",
        "has_employees": False,
        "email": "dana@example.com",
        "address": {"line1": "1 Main St", "city": "Newark", "state": "NJ", "postal_code": "07102"},
        "years_in_business": 6,
        "experience_mod": "1.00",
    }
    body.update(overrides)
    return body


def california_contractor_body(**overrides: Any) -> dict[str, Any]:
    """A California employer the California program's guidelines accept (before referral)."""
    return contractor_body(
        entity_type="corporation",
        tin_type="fein",
        tin="12-3456789",
        has_employees=True,
        employee_count=40,
        years_in_business=12,
        prior_coverage={"status": "current"},
        losses_valued_on=(datetime.now(UTC).date() - timedelta(days=10)).isoformat(),
        material_change_in_operations=False,
        address={"line1": "1 Market", "city": "Fresno", "state": "CA", "postal_code": "93721"},
        **overrides,
    )


def quote_body(contractor: str, **overrides: Any) -> dict[str, Any]:
    """A WC + GL quote for hvac work in NJ from today on $40,000 of annual pay."""
    body: dict[str, Any] = {
        "contractor": contractor,
        "trade": "hvac",
        "work_state": "NJ",
        "lines": ["wc", "gl"],
        "effective_date": datetime.now(UTC).date().isoformat(),
        "estimated_annual_pay_cents": 4_000_000,
        "operations": CLEAN_ANSWERS,
    }
    body.update(overrides)
    return body


def customer_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Harbor Property Management",
        "address": {"line1": "9 Pier Rd", "city": "Hoboken", "state": "NJ", "postal_code": "07030"},
        "requirements": {"additional_insured": True, "waiver_of_subrogation": True},
    }
    body.update(overrides)
    return body


__all__ = [
    "Api",
    "california_contractor_body",
    "contractor_body",
    "customer_body",
    "os",
    "quote_body",
]
