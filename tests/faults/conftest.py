"""The fault tier, on the functional tier's moto stack and fixtures: AWS failures injected
through botocore event hooks on the container's own clients (moto underneath), each answered per
API.md "Conventions": a 503 `service_unavailable` with `Retry-After`, nothing half-written, and
Idempotency-Keys that keep only final outcomes.

A `before-call.<service>.<Operation>` hook that returns `(http response, parsed body)` short-cuts
the call exactly as a real error answer would (botocore raises the modelled exception, e.g.
`TransactionCanceledException` with its `CancellationReasons`); one that raises stands for the
network (connection errors and timeouts, as botocore raises them once its retries are spent).
(`injection.py` hooks `before-send` instead, to let a request commit and then lose its answer.)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import (
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from devserver.resources import stage_environment
from tests.functional.conftest import (  # fixtures and bodies shared with the functional tier
    STAGE,
    Api,
    admin_key,
    api,
    aws,
    contractor_body,
    customer_body,
    other_platform_key,
    platform_key,
    quote_body,
)

__all__ = [
    "STAGE",
    "Api",
    "admin_key",
    "api",
    "aws",
    "contractor_body",
    "customer_body",
    "other_platform_key",
    "platform_key",
    "quote_body",
]

Fault = Callable[[dict[str, Any]], Any]
URL = "https://dependency.invalid"
ENV = stage_environment(STAGE)
TABLE = ENV["JOBCOVER_TABLE_NAME"]
IDEMPOTENCY_TABLE = ENV["JOBCOVER_IDEMPOTENCY_TABLE_NAME"]


def aws_error(code: str, status: int = 400, **extra: Any) -> Fault:
    """The service answers an error `code` with HTTP `status` (extra top-level fields too)."""

    def fault(params: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
        parsed = {
            "Error": {"Code": code, "Message": f"injected {code}"},
            "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": {}},
            **extra,
        }
        return AWSResponse(URL, status, {}, None), parsed

    fault.__name__ = code
    return fault


def raising(make: Callable[[], Exception]) -> Fault:
    def fault(params: dict[str, Any]) -> Any:
        raise make()

    return fault


def cancelled(*reasons: str) -> Fault:
    """TransactWriteItems cancelled with these reason codes, one per item."""
    return aws_error(
        "TransactionCanceledException",
        CancellationReasons=[
            {"Code": code, "Message": f"injected {code}"} if code != "None" else {"Code": "None"}
            for code in reasons
        ],
    )


# Every way DynamoDB fails that is its fault, not ours: name -> fault.
DYNAMODB_FAULTS: dict[str, Fault] = {
    "provisioned_throughput": aws_error("ProvisionedThroughputExceededException"),
    "throttling": aws_error("ThrottlingException"),
    "request_limit": aws_error("RequestLimitExceeded"),
    "internal_server_error": aws_error("InternalServerError", 500),
    "service_unavailable": aws_error("ServiceUnavailable", 503),
    "endpoint_connection": raising(lambda: EndpointConnectionError(endpoint_url=URL)),
    "connection_closed": raising(lambda: ConnectionClosedError(endpoint_url=URL)),
    "read_timeout": raising(lambda: ReadTimeoutError(endpoint_url=URL)),
    "connect_timeout": raising(lambda: ConnectTimeoutError(endpoint_url=URL)),
}
TRANSACTION_FAULTS: dict[str, Fault] = {
    **DYNAMODB_FAULTS,
    "cancelled_throttling": cancelled("None", "ThrottlingError"),
    "cancelled_throughput": cancelled("ProvisionedThroughputExceeded", "None"),
}


def api_params(params: dict[str, Any]) -> dict[str, Any]:
    """The API parameters of a JSON-protocol request (DynamoDB, KMS, SSM)."""
    body = params.get("body") or b"{}"
    return dict(json.loads(body.decode() if isinstance(body, bytes) else body))


@dataclass
class Injection:
    """One hook: the calls it saw (API parameters) and how many it failed."""

    seen: list[dict[str, Any]] = field(default_factory=list)
    failed: int = 0


class Faults:
    """Hooks on the current container's clients, removed at the end of the test."""

    def __init__(self) -> None:
        self._undo: list[Callable[[], None]] = []

    def on(
        self,
        service: str,
        operation: str,
        fault: Fault | None,
        *,
        times: int | None = None,
        when: Callable[[dict[str, Any]], bool] | None = None,
    ) -> Injection:
        """Fail `operation` calls (those `when` accepts; the first `times`) with `fault`; with
        `fault=None`, only record them."""
        from chalicelib.bootstrap import container

        client = container().client(service)
        injection = Injection()

        def hook(params: dict[str, Any], **kwargs: Any) -> Any:
            request = api_params(params) if service != "s3" else {}
            if when is not None and not when(request):
                return None
            injection.seen.append(request)
            if fault is None or (times is not None and injection.failed >= times):
                return None
            injection.failed += 1
            return fault(request)

        event = f"before-call.{service}.{operation}"
        client.meta.events.register(event, hook)
        self._undo.append(lambda: client.meta.events.unregister(event, hook))
        return injection

    def clear(self) -> None:
        while self._undo:
            self._undo.pop()()


@pytest.fixture
def faults(aws: None) -> Iterator[Faults]:
    injected = Faults()
    yield injected
    injected.clear()


def on_table(name: str) -> Callable[[dict[str, Any]], bool]:
    return lambda request: request.get("TableName") == name


def items(table: str = TABLE) -> list[dict[str, Any]]:
    """Every item of a moto table (tests may Scan; the service never does)."""
    client = boto3.client("dynamodb")
    found: list[dict[str, Any]] = []
    request: dict[str, Any] = {"TableName": table}
    while True:
        page = client.scan(**request)
        found.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return found
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def assert_unavailable(response: Any) -> None:
    """503 `service_unavailable` in the contract's error shape, with a Retry-After of 1-5 s."""
    assert response.status_code == 503, response.body
    body = json.loads(response.body)
    assert body["error"]["code"] == "service_unavailable"
    assert isinstance(body["error"]["message"], str) and body["error"]["details"] == []
    assert 1 <= int(response.headers["Retry-After"]) <= 5
