"""Faults injected into the service's own boto3 clients through botocore's event hooks.

`before-send` handlers run before moto's stubber; a handler that answers or raises decides what
the client sees. `lose_answer` lets the request reach moto (it commits) and then drops the
answer with a connection error, which botocore's standard retry mode retries with the same
parameters (the same ClientRequestToken): the case DynamoDB's idempotent transactions exist for.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError
from moto.core.models import botocore_stubber


def _operation(request: AWSPreparedRequest) -> str:
    target = request.headers.get("X-Amz-Target", b"")
    text = target.decode() if isinstance(target, bytes) else str(target)
    return text.rsplit(".", 1)[-1]


def _error_response(status: int, code: str, message: str, **extra: Any) -> AWSResponse:
    body = json.dumps(
        {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message, **extra}
    )

    class Raw:
        def __init__(self, data: bytes) -> None:
            self._data = data

        def stream(self, **_: Any) -> Any:
            yield self._data

    return AWSResponse(
        "https://dynamodb.local/",
        status,
        {"x-amzn-ErrorType": code, "Content-Type": "application/x-amz-json-1.0"},
        Raw(body.encode()),  # type: ignore[arg-type]
    )


@dataclass
class Fault:
    operation: str
    action: Callable[[str, AWSPreparedRequest], AWSResponse | None]
    times: int = 1


@dataclass
class DynamoFaults:
    """Scheduled faults on one client's calls, consumed in order per operation."""

    planned: list[Fault] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)

    def install(self, client: Any) -> DynamoFaults:
        client.meta.events.register_first("before-send.dynamodb", self._before_send)
        return self

    def _before_send(self, event_name: str, request: AWSPreparedRequest, **_: Any) -> Any:
        operation = _operation(request)
        self.seen.append(operation)
        for fault in self.planned:
            if fault.operation == operation and fault.times > 0:
                fault.times -= 1
                return fault.action(event_name, request)
        return None

    # -- the fault kinds ------------------------------------------------------------------------
    def lose_answer(self, operation: str = "TransactWriteItems", then_fail: int = 0) -> None:
        """The request commits; its answer is lost. With `then_fail`, that many retries fail to
        connect as well (the SDK gives up: the client sees a dependency failure)."""

        def commit_then_drop(event_name: str, request: AWSPreparedRequest) -> None:
            botocore_stubber(event_name=event_name, request=request)
            raise ConnectionClosedError(endpoint_url=request.url)

        self.planned.append(Fault(operation, commit_then_drop))
        if then_fail:
            self.unreachable(operation, times=then_fail)

    def unreachable(self, operation: str, times: int = 3) -> None:
        def refuse(event_name: str, request: AWSPreparedRequest) -> None:
            raise EndpointConnectionError(endpoint_url=request.url)

        self.planned.append(Fault(operation, refuse, times))

    def throttle(self, operation: str, times: int = 3) -> None:
        def busy(event_name: str, request: AWSPreparedRequest) -> AWSResponse:
            return _error_response(400, "ThrottlingException", "Rate of requests exceeds")

        self.planned.append(Fault(operation, busy, times))

    def cancel_throttled(self, times: int = 3) -> None:
        """TransactionCanceledException whose reasons are throttling, not conditions."""

        def cancelled(event_name: str, request: AWSPreparedRequest) -> AWSResponse:
            items = json.loads(request.body or b"{}").get("TransactItems", [])
            reasons = [{"Code": "ThrottlingError", "Message": "Throughput exceeds"} for _ in items]
            return _error_response(
                400,
                "TransactionCanceledException",
                "Transaction cancelled, please refer cancellation reasons for specific reasons "
                "[" + ", ".join("ThrottlingError" for _ in items) + "]",
                CancellationReasons=reasons,
            )

        self.planned.append(Fault("TransactWriteItems", cancelled, times))
