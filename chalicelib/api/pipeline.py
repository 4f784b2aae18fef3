"""What every request runs, in order: auth, role, strict input, parsing, the handler through the
Idempotency-Key store, and one error shape for whatever goes wrong.

Imported by the first request (`chalicelib.api.http.operation`'s views call `serve`), not by
`import app`: it needs pydantic's models and the idempotency adapter, which registering does not.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from chalice.app import Request, Response
from pydantic import BaseModel, ValidationError

from chalicelib.adapters.faults import is_dependency_fault, unavailable
from chalicelib.adapters.idempotency import Result
from chalicelib.api import errors as http_errors
from chalicelib.api import strict
from chalicelib.api.http import Handler, Operation, Reply, RequestContext
from chalicelib.api.jsonbody import parse_json_body
from chalicelib.api.observability import logger
from chalicelib.api.schemas.common import without_secrets
from chalicelib.bootstrap import container
from chalicelib.domain.errors import DomainError, Forbidden, MalformedRequest, ValidationFailed
from chalicelib.request_scope import keyed_scope, write_scope

if TYPE_CHECKING:
    from chalicelib.composition import Container
    from chalicelib.domain.parties import Principal
    from chalicelib.domain.roles import Role

# Error codes that say "retry": an Idempotency-Key keeps none of them (nor a 429 or any 5xx).
NOT_FINAL_CODES = frozenset({"concurrent_update"})


def _serialise(body: BaseModel | dict[str, Any] | None) -> str:
    if body is None:
        return "{}"
    if isinstance(body, BaseModel):
        return body.model_dump_json(exclude_none=False)
    return json.dumps(body)


def _kept(body: BaseModel | dict[str, Any] | None) -> str:
    """What an Idempotency-Key replay answers: the body with its secrets null (never stored).

    Secrets are the response model's `ShownOnce` fields; a handler answering a secret must answer
    a model (a plain dict is kept as it is)."""
    if isinstance(body, BaseModel):
        return json.dumps(without_secrets(body), separators=(",", ":"))
    return _serialise(body)


def is_final(status: int, code: str | None) -> bool:
    """A final outcome is kept for replays; a 429, a 5xx or a 409 `concurrent_update` is not."""
    return status != 429 and status < 500 and code not in NOT_FINAL_CODES


def _json_response(status: int, body: str, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=body,
        status_code=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def _raw_bytes(request: Request) -> bytes:
    raw = request.raw_body
    if raw is None:
        return b""
    return raw.encode() if isinstance(raw, str) else raw


class _InputInvalid(Exception):
    """The client's body or query failed validation (a ValidationError anywhere else is a bug)."""

    def __init__(self, exc: ValidationError, where: str) -> None:
        self.exc = exc
        self.where = where


def _parse_query(values: dict[str, str], model: type[BaseModel]) -> BaseModel:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise _InputInvalid(exc, "query") from exc


def _query_values(request: Request, model: type[BaseModel] | None) -> dict[str, str]:
    params = request.query_params
    if not params:
        return {}
    return strict.query_values(list(params.keys()), params.getlist, model)


def _parse_body(model: type[BaseModel], payload: dict[str, Any]) -> BaseModel:
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise _InputInvalid(exc, "body") from exc


def _authorise(app: Container, request: Request, roles: frozenset[Role]) -> Principal:
    principal = app.auth.authenticate(request.headers.get("authorization"))
    if principal.role not in roles:
        allowed = ", ".join(sorted(role.value for role in roles))
        raise Forbidden(
            f"This operation needs a key with role {allowed}; yours is {principal.role}."
        )
    return principal


def _fingerprint(method: str, path: str, payload: Any) -> str:
    canonical = json.dumps(
        [method, path, payload], sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _run(
    ctx: RequestContext, handler: Handler, kwargs: dict[str, Any], status: int, *, keep: bool
) -> Result:
    """Call the handler; a domain error becomes its contract response. With `keep`, the result
    also carries what a replay may answer, when the outcome is final."""
    try:
        result = handler(ctx, **kwargs)
    except DomainError as error:
        code = http_errors.status_for(error)
        text = http_errors.error_body(error.code, error.message, error.details)
        final = keep and is_final(code, error.code)
        return Result(code, text, http_errors.headers_for(error), text if final else None)
    body = result.body if isinstance(result, Reply) else result
    code = result.status if isinstance(result, Reply) else status
    final = keep and is_final(code, None)
    return Result(code, _serialise(body), kept=_kept(body) if final else None)


def _respond(
    ctx: RequestContext,
    handler: Handler,
    kwargs: dict[str, Any],
    status: int,
    key: str | None,
    method: str,
    path: str,
    payload: Any,
) -> Response:
    """Run the handler, through the Idempotency-Key store when the request carries one."""
    principal = ctx.principal
    request = ctx.request
    app = ctx.app
    path_params = ctx.path_params
    if method == "POST" and key is not None and principal is not None:
        if not 1 <= len(key) <= 255:
            raise ValidationFailed(
                "Idempotency-Key must be 1 to 255 characters.",
                details=[{"loc": ["header", "Idempotency-Key"], "msg": "length"}],
            )
        outcome = app.idempotency.run(
            scope=f"{principal.platform or principal.key_id}:{key}",
            fingerprint=_fingerprint(method, path, [path_params, payload]),
            action=lambda: _run(ctx, handler, kwargs, status, keep=True),
            lambda_context=request.lambda_context,
        )
        answer = outcome.result
        headers = dict(answer.headers)
        if outcome.replayed:
            headers["Idempotent-Replayed"] = "true"
        return _json_response(answer.status, answer.body, headers)
    answer = _run(ctx, handler, kwargs, status, keep=False)
    return _json_response(answer.status, answer.body, dict(answer.headers))


def serve(op: Operation, request: Request, path_params: dict[str, str]) -> Response:
    """Answer one request to `op`: every rule above, in order, then its handler."""
    method, path, handler = op.method, op.path, op.handler
    app = container()
    try:
        principal = _authorise(app, request, op.roles) if op.roles is not None else None
        models = op.models
        ctx = RequestContext(app, principal, request, path_params)
        kwargs: dict[str, Any] = dict(path_params)
        given = _query_values(request, models.query)
        strict.check_cursor(given, models.cursor)
        if models.query is not None:
            kwargs["query"] = _parse_query(given, models.query)
        raw = _raw_bytes(request).strip()
        strict.check_content_type(request.headers.get("content-type"), raw)
        payload: Any = None
        if models.body is not None or raw:
            payload = parse_json_body(raw, max_bytes=app.settings.max_body_bytes)
            if not isinstance(payload, dict):
                raise MalformedRequest("Request body must be a JSON object.")
            strict.check_text(payload, "body")
        if models.body is not None:
            kwargs["body"] = _parse_body(models.body, payload)
            strict.check_not_empty(method, kwargs["body"])
        else:
            strict.check_no_body(payload)
        if op.content_type != "application/json":
            download: Response = handler(ctx, **kwargs)
            return download
        key = request.headers.get("idempotency-key")
        caller = (principal.platform or principal.key_id) if principal else None
        scope = keyed_scope(
            _fingerprint(method, path, [caller, key, path_params, payload])
            if method == "POST" and caller and key
            else None
        )
        with write_scope(scope):
            return _respond(ctx, handler, kwargs, op.status, key, method, path, payload)
    except _InputInvalid as invalid:
        return http_errors.validation_response(invalid.exc, invalid.where)
    except DomainError as error:
        return http_errors.domain_error_response(error)
    except Exception as exc:
        if is_dependency_fault(exc):
            # An adapter that let a botocore fault through: still the dependency's fault.
            logger.warning("dependency fault", extra={"path": request.path}, exc_info=True)
            return http_errors.domain_error_response(unavailable("AWS", exc))
        logger.exception("unhandled error", extra={"path": request.path})
        return http_errors.error_response(
            500, "internal_error", "Something went wrong on our side; it has been logged."
        )
