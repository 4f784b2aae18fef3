"""The one place that maps errors to HTTP: `{"error": {"code", "message", "details"}}`."""

from __future__ import annotations

import json
from contextvars import ContextVar
from typing import Any

from chalice.app import Response
from pydantic import ValidationError

from chalicelib.domain import errors

STATUS_BY_ERROR: dict[type[errors.DomainError], int] = {
    errors.MalformedRequest: 400,
    errors.Unauthenticated: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.PayloadTooLarge: 413,
    errors.UnsupportedMediaType: 415,
    errors.ValidationFailed: 422,
    errors.Throttled: 429,
    errors.DependencyUnavailable: 503,
}


# The id of the request being answered (set by the HTTP middleware for each request).
REQUEST_ID: ContextVar[str | None] = ContextVar("jobcover_request_id", default=None)


def error_body(code: str, message: str, details: list[dict[str, Any]] | None = None) -> str:
    """The contract's error JSON, serialised, with the request's id (at the top and in `error`).

    An Idempotency-Key replay answers the first response's body, so its request id too."""
    error: dict[str, Any] = {"code": code, "message": message, "details": details or []}
    request_id = REQUEST_ID.get()
    if request_id is None:
        return json.dumps({"error": error})
    return json.dumps({"error": {**error, "request_id": request_id}, "request_id": request_id})


def error_response(
    status: int,
    code: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A Chalice response in the contract's error shape."""
    return Response(
        body=error_body(code, message, details),
        status_code=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def status_for(error: errors.DomainError) -> int:
    """HTTP status for a domain error (the most specific registered class wins)."""
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 422


def headers_for(error: errors.DomainError) -> dict[str, str]:
    """`Retry-After` (seconds) on a 429 or 503: when a retry is worth making."""
    if isinstance(error, errors.Throttled | errors.DependencyUnavailable):
        return {"Retry-After": str(error.retry_after_seconds)}
    return {}


def domain_error_response(error: errors.DomainError) -> Response:
    return error_response(
        status_for(error), error.code, error.message, error.details, headers_for(error)
    )


def validation_details(exc: ValidationError, prefix: str) -> list[dict[str, Any]]:
    """Pydantic errors as `[{"loc": [prefix, ...], "msg"}]`, never echoing the input value."""
    return [
        {"loc": [prefix, *[part for part in item["loc"]]], "msg": item["msg"]}
        for item in exc.errors(include_url=False, include_input=False)
    ]


def validation_response(exc: ValidationError, prefix: str) -> Response:
    details = validation_details(exc, prefix)
    first = details[0] if details else {"loc": [prefix], "msg": "invalid"}
    where = ".".join(str(part) for part in first["loc"])
    return error_response(422, "validation_error", f"Invalid {where}: {first['msg']}", details)
