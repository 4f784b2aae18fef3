"""S3 faults on the service's own S3 client, through botocore's `before-send` hook (the S3 twin of
`injection.DynamoFaults`): an operation that cannot reach S3, or that S3 answers with a 503."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.exceptions import EndpointConnectionError


class _Raw:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Any:
        yield self._data


def _slow_down() -> AWSResponse:
    body = (
        b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
    )
    return AWSResponse("https://s3.local/", 503, {"Content-Type": "application/xml"}, _Raw(body))  # type: ignore[arg-type]


@dataclass
class S3Faults:
    """`down()`: every S3 call fails to connect until `up()`; `throttled()`: every call is a 503
    SlowDown. Calls are recorded by operation name (`PutObject`, `GetObject`, ...)."""

    mode: str | None = None
    seen: list[str] = field(default_factory=list)

    def install(self, client: Any) -> S3Faults:
        client.meta.events.register_first("before-send.s3", self._before_send)
        return self

    def down(self) -> None:
        self.mode = "down"

    def throttled(self) -> None:
        self.mode = "throttled"

    def up(self) -> None:
        self.mode = None

    def _before_send(self, event_name: str, request: AWSPreparedRequest, **_: Any) -> Any:
        self.seen.append(event_name.rsplit(".", 1)[-1])  # before-send.s3.PutObject
        if self.mode == "down":
            raise EndpointConnectionError(endpoint_url=request.url)
        if self.mode == "throttled":
            return _slow_down()
        return None
