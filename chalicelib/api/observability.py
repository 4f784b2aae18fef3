"""Powertools Logger (JSON, correlation id), Metrics (EMF) and Tracer, as Chalice middleware."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.metrics import Metrics, MetricUnit
from chalice.app import Request, Response

from chalicelib.api.errors import REQUEST_ID, error_body

if TYPE_CHECKING:
    from aws_lambda_powertools.tracing import Tracer

SERVICE = "jobcover"
logger = Logger(service=SERVICE)
metrics = Metrics(namespace="Jobcover", service=SERVICE)


@cache
def tracer() -> Tracer | None:
    """X-Ray tracing in Lambda only: the SDK costs ~200 ms of import, so local stages skip it."""
    disabled = os.environ.get("POWERTOOLS_TRACE_DISABLED", "").lower() in {"1", "true"}
    if disabled or "AWS_LAMBDA_FUNCTION_NAME" not in os.environ:
        return None
    from aws_lambda_powertools.tracing import Tracer

    return Tracer(service=SERVICE)


# Chalice answers a few errors itself (405, 415...) as {"Code", "Message"}: re-shape them.
_CHALICE_CODES = {
    "MethodNotAllowedError": "not_found",
    "UnsupportedMediaType": "unsupported_media_type",
    "BadRequestError": "bad_request",
    "BadRequest": "bad_request",
    "InternalServerError": "internal_error",
}


def _reshape_chalice_error(response: Response, request: Request) -> Response:
    body = response.body
    if isinstance(body, str) and body.startswith('{"Code"'):
        try:
            body = json.loads(body)
        except ValueError:
            return response
    if isinstance(body, dict) and set(body) == {"Code", "Message"}:
        code = _CHALICE_CODES.get(str(body["Code"]), "error")
        message = str(body["Message"])
        if response.status_code == 405:
            # API Gateway answers an unknown method like an unknown route: 404 (API.md).
            response.status_code = 404
            code, message = "not_found", f"No route {request.method} {request.context.get('path')}."
        if response.status_code >= 500:
            message = "Something went wrong on our side; it has been logged."
        response.body = error_body(code, message)
        response.headers["Content-Type"] = "application/json"
    return response


def with_request_id(response: Response, request_id: str) -> Response:
    """Every error body carries the request's id (API.md "Conventions"), at the top level and in
    `error`, whoever answered it (a handler, a replayed Idempotency-Key, chalice itself)."""
    if response.status_code < 400:
        return response
    body = response.body
    try:
        parsed = json.loads(body) if isinstance(body, str | bytes) else body
    except ValueError:
        return response
    if isinstance(parsed, dict) and isinstance(parsed.get("error"), dict):
        if "request_id" in parsed:  # written with the body (a replay keeps the first one's)
            return response
        parsed["error"]["request_id"] = request_id
        parsed["request_id"] = request_id
        response.body = json.dumps(parsed)
        response.headers["Content-Type"] = "application/json"
    return response


def _subsegment(name: str) -> AbstractContextManager[Any]:
    active = tracer()
    return active.provider.in_subsegment(name) if active is not None else nullcontext()


def correlation_id_for(request: Request) -> str:
    """The caller's X-Request-Id when sane, else API Gateway's request id, else a new one."""
    supplied = str(request.headers.get("x-request-id", ""))
    if 0 < len(supplied) <= 128 and supplied.isprintable():
        return supplied
    return str(request.context.get("requestId") or uuid.uuid4())


def http_middleware(event: Request, get_response: Callable[[Request], Response]) -> Response:
    """Correlation id on every log line and response, one EMF record per request."""
    correlation_id = correlation_id_for(event)
    logger.set_correlation_id(correlation_id)
    request_id = REQUEST_ID.set(correlation_id)
    started = time.perf_counter()
    try:
        with _subsegment(f"## {event.method} {event.path}") as subsegment:
            if subsegment is not None:
                subsegment.put_annotation(key="correlation_id", value=correlation_id)
            response = with_request_id(
                _reshape_chalice_error(get_response(event), event), correlation_id
            )
            if subsegment is not None:
                subsegment.put_annotation(key="status", value=str(response.status_code))
    finally:
        logger.set_correlation_id(None)
        REQUEST_ID.reset(request_id)
    elapsed_ms = (time.perf_counter() - started) * 1000
    response.headers["X-Request-Id"] = correlation_id
    metrics.add_metadata(key="route", value=f"{event.method} {event.path}")
    metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=elapsed_ms)
    if response.status_code >= 500:
        metrics.add_metric(name="ServerErrors", unit=MetricUnit.Count, value=1)
    elif response.status_code >= 400:
        metrics.add_metric(name="ClientErrors", unit=MetricUnit.Count, value=1)
    metrics.flush_metrics()
    logger.info(
        "request",
        extra={
            "method": event.method,
            "route": event.path,
            "status": response.status_code,
            "duration_ms": round(elapsed_ms, 1),
            "correlation_id": correlation_id,
        },
    )
    return response
