"""Domain errors. One place (chalicelib.api.errors) maps them to HTTP status codes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class DomainError(Exception):
    """Base class: a stable machine `code`, a human `message`, optional `details`."""

    code = "error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: Sequence[dict[str, Any]] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = list(details)


class ValidationFailed(DomainError):
    """The request is well-formed JSON but breaks a rule (422)."""

    code = "validation_error"


class MalformedRequest(DomainError):
    """The body is not JSON, or is nested too deeply (400)."""

    code = "malformed_json"


class UnsupportedMediaType(DomainError):
    """A body sent with a content type other than application/json (415)."""

    code = "unsupported_media_type"


class Unauthenticated(DomainError):
    """Missing or unknown API key (401)."""

    code = "unauthenticated"


class Forbidden(DomainError):
    """The key's role may not do this (403)."""

    code = "forbidden"


class NotFound(DomainError):
    """Unknown ID, or another tenant's (404): the two are indistinguishable on purpose."""

    code = "not_found"


class Conflict(DomainError):
    """The object's state forbids the action, or a uniqueness rule holds (409)."""

    code = "conflict"


class WriteConflict(Conflict):
    """A conditional multi-item write lost a race: a re-read and retry may succeed.

    `failed` holds the positions of the writes whose condition failed (empty when the store
    cancelled the write because another one was still in flight on the same item).
    """

    def __init__(self, message: str, failed: frozenset[int] = frozenset()) -> None:
        super().__init__(message)
        self.failed = failed


class PayloadTooLarge(DomainError):
    """Body over the contract's limit (413)."""

    code = "payload_too_large"


class Throttled(DomainError):
    """This caller went over its own rate limit (429 `rate_limited`, with `Retry-After`).

    Never for a dependency that throttles us: that is `DependencyUnavailable` (503).
    """

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after_seconds: int = 1) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class DependencyUnavailable(DomainError):
    """A dependency (DynamoDB, S3, KMS, SSM) failed, timed out or throttled us (503, with
    `Retry-After`). Not a final outcome: an Idempotency-Key never keeps it, so a retry with the
    same key runs the request again."""

    code = "service_unavailable"

    def __init__(self, dependency: str, *, retry_after_seconds: int = 2) -> None:
        super().__init__(
            f"A service we depend on ({dependency}) is unavailable or busy; "
            f"retry in {retry_after_seconds} s (with the same Idempotency-Key)."
        )
        self.dependency = dependency
        self.retry_after_seconds = retry_after_seconds
