"""Which AWS failures are a dependency's fault, and their one translation: DependencyUnavailable.

API.md "Conventions": a dependency (DynamoDB, S3, KMS, SSM) that fails, times out or throttles
us is a 503 `service_unavailable` with `Retry-After`, never a 500 and never a 409; 429 belongs to
the caller's own rate limit. A fault is:

- throttling (`ThrottlingException`, `ProvisionedThroughputExceededException`, ... and, inside a
  cancelled DynamoDB transaction, the reason code `ThrottlingError`);
- the service's own failure (`InternalServerError`, `ServiceUnavailable`, any HTTP 5xx);
- the network: botocore's connection errors and timeouts (`EndpointConnectionError`,
  `ConnectionClosedError`, `ReadTimeoutError`, `ConnectTimeoutError`, ...).

Anything else from DynamoDB (a `ValidationException`, say) is a bug in our request and stays a
500. KMS, SSM and S3 are called through `dependency(...)`, which treats *every* error of theirs as
the dependency's (a disabled key or a missing parameter is an outage to the caller, not a bug it
can fix), except botocore's `ParamValidationError`, which is ours.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    HTTPClientError,
    ParamValidationError,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)

from chalicelib.domain.errors import DependencyUnavailable

THROTTLING_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "RequestThrottled",
        "RequestThrottledException",
        "SlowDown",
    }
)
# The reason codes DynamoDB puts in a TransactionCanceledException's CancellationReasons.
THROTTLING_REASONS = frozenset(
    {"ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"}
)
UNAVAILABLE_CODES = frozenset(
    {
        "InternalServerError",
        "InternalFailure",
        "InternalError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "KMSInternalException",
        "InternalServerErrorException",
    }
)
# Seconds a client is told to wait: throttling clears fast, an outage or a timeout less so.
RETRY_AFTER_THROTTLED = 1
RETRY_AFTER_UNAVAILABLE = 2


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _http_status(exc: ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)


def is_throttling(exc: BaseException) -> bool:
    """Throttled, directly or inside a cancelled transaction."""
    if not isinstance(exc, ClientError):
        return False
    if _error_code(exc) == "TransactionCanceledException":
        return throttled_reasons(exc.response.get("CancellationReasons") or [])
    return _error_code(exc) in THROTTLING_CODES


def is_dependency_fault(exc: BaseException) -> bool:
    """Throttling, a service-side failure (5xx) or a connection failure/timeout."""
    if isinstance(exc, BotoConnectionError | HTTPClientError):
        return True
    if isinstance(exc, ClientError):
        code = _error_code(exc)
        return code in THROTTLING_CODES or code in UNAVAILABLE_CODES or _http_status(exc) >= 500
    return False


def throttled_reasons(reasons: Sequence[Mapping[str, Any]]) -> bool:
    """A cancelled transaction one of whose items was throttled (not a conflict: retry later)."""
    return any(str(reason.get("Code", "")) in THROTTLING_REASONS for reason in reasons)


def unavailable(dependency: str, exc: BaseException | None = None) -> DependencyUnavailable:
    """The domain error for a dependency fault (`exc` only picks the Retry-After)."""
    throttled = exc is not None and is_throttling(exc)
    wait = RETRY_AFTER_THROTTLED if throttled else RETRY_AFTER_UNAVAILABLE
    return DependencyUnavailable(dependency, retry_after_seconds=wait)


@contextmanager
def dependency(name: str) -> Iterator[None]:
    """Every botocore failure inside (but a malformed request of ours) -> DependencyUnavailable.

    For KMS, SSM and S3, whose every error is an outage to the caller.
    """
    try:
        yield
    except ParamValidationError:
        raise
    except (ClientError, BotoCoreError) as exc:
        raise unavailable(name, exc) from exc
