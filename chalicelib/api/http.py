"""The route decorator every endpoint uses: auth, role, parsing, idempotency, one error shape.

`operation(...)` registers a Chalice route on a blueprint and records the operation for the
generated OpenAPI document, so the spec and the routes cannot drift apart.
"""

from __future__ import annotations

import hashlib
import json
import typing
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from chalice.app import Blueprint, Request, Response
from pydantic import BaseModel, ValidationError

from chalicelib.adapters.faults import is_dependency_fault, unavailable
from chalicelib.adapters.idempotency import Result
from chalicelib.api import errors as http_errors
from chalicelib.api import strict
from chalicelib.api.jsonbody import parse_json_body
from chalicelib.api.observability import logger
from chalicelib.api.schemas.common import QueryModel, RequestModel, without_secrets
from chalicelib.bootstrap import container
from chalicelib.domain.errors import DomainError, Forbidden, MalformedRequest, ValidationFailed
from chalicelib.domain.parties import Principal
from chalicelib.domain.roles import Role
from chalicelib.request_scope import keyed_scope, write_scope

if TYPE_CHECKING:
    from chalicelib.composition import Container

Handler = Callable[..., Any]
H = TypeVar("H", bound=Handler)


@dataclass(frozen=True)
class Operation:
    """One documented HTTP operation."""

    name: str
    method: str
    path: str
    summary: str
    roles: frozenset[Role] | None  # None: no authentication
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    tag: str
    errors: tuple[int, ...]
    content_type: str = "application/json"
    listed: bool = False  # the response is a page of `response`: ListOf[response]
    cursor: str | None = None  # the id prefix a list's `starting_after` must carry

    @property
    def response_model(self) -> type[BaseModel] | None:
        """What the operation answers with. A page model is parametrised here, when the spec is
        built, not at import: parametrising a pydantic generic builds it."""
        if self.response is None or not self.listed:
            return self.response
        from chalicelib.api.schemas.common import ListOf

        item = self.response
        return ListOf[item]  # type: ignore[valid-type]


OPERATIONS: list[Operation] = []
# Error codes that say "retry": an Idempotency-Key keeps none of them (nor a 429 or any 5xx).
NOT_FINAL_CODES = frozenset({"concurrent_update"})
# Chalice routes any content type to the view, which answers a non-JSON body with the contract's
# 415 (chalicelib/api/strict.py), in its error shape.
ACCEPTED_CONTENT_TYPES = ["*/*"]
# A list's cursor is the id of an object of the listed type: the id prefix of each `object`.
CURSOR_PREFIXES = {
    "api_key": "key",
    "assignment": "asg",
    "certificate": "crt",
    "contractor": "ctr",
    "customer": "cus",
    "event": "evt",
    "job_run": "run",
    "ledger_entry": "led",
    "payment": "pay",
    "policy": "pol",
    "quote": "qte",
    "referral": "ref",
    "webhook_delivery_attempt": "wha",
    "webhook_endpoint": "whe",
}


@dataclass
class RequestContext:
    """What a handler gets besides its parsed inputs."""

    app: Container
    principal: Principal | None
    request: Request
    path_params: dict[str, str] = field(default_factory=dict)

    @property
    def platform(self) -> str:
        """The calling platform key's tenant."""
        assert self.principal is not None
        return self.principal.tenant()


@dataclass(frozen=True)
class Reply:
    """A handler result with a status other than the operation's default."""

    status: int
    body: BaseModel | dict[str, Any]


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


def _listed_item(response: type[BaseModel] | None, listed: bool) -> type[BaseModel] | None:
    """The model of a list's items: `response` itself when `listed`, else its `data: list[X]`."""
    if response is None or listed:
        return response
    field = response.model_fields.get("data")
    args = typing.get_args(field.annotation) if field is not None else ()
    item = args[0] if args else None
    return item if isinstance(item, type) and issubclass(item, BaseModel) else None


def cursor_prefix(
    query: type[BaseModel] | None, response: type[BaseModel] | None, listed: bool
) -> str | None:
    """The id prefix `?starting_after=` must carry: from the listed items' `object` name."""
    if query is None or "starting_after" not in query.model_fields:
        return None
    item = _listed_item(response, listed)
    kind = item.model_fields.get("object") if item is not None else None
    return CURSOR_PREFIXES.get(str(kind.default)) if kind is not None else None


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


def operation(
    bp: Blueprint,
    path: str,
    *,
    method: str = "GET",
    summary: str,
    roles: Collection[Role] | None,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    tag: str = "",
    errors: tuple[int, ...] = (),
    listed: bool = False,
    content_type: str = "application/json",
    cursor: str | None = None,
) -> Callable[[H], H]:
    """Register `handler(ctx, *, body=..., query=..., **path_params)` as an HTTP operation.

    `listed=True`: the handler answers a page (`ListOf[response]`) of `response` items.
    A `content_type` other than JSON (a PDF download) is a GET whose handler returns its own
    `Response`; authentication, query parsing and the error shape are the same.
    `cursor`: the id prefix of `?starting_after=` (default: from the listed items' `object`).
    Every request passes the strict-input rules of chalicelib/api/strict.py first.
    """
    role_set = frozenset(roles) if roles is not None else None
    # Strict JSON types and unknown fields are the base models' rules: no operation opts out.
    if body is not None and not issubclass(body, RequestModel):
        raise TypeError(f"{path}: a request body model must be a RequestModel")
    if query is not None and not issubclass(query, QueryModel):
        raise TypeError(f"{path}: a query model must be a QueryModel")
    prefix = cursor or cursor_prefix(query, response, listed)

    def decorator(handler: H) -> H:
        OPERATIONS.append(
            Operation(
                handler.__name__,
                method,
                path,
                summary,
                role_set,
                body,
                query,
                response,
                status,
                tag,
                errors,
                content_type,
                listed=listed,
                cursor=prefix,
            )
        )

        def view(**path_params: str) -> Response:
            request = bp.current_request
            app = container()
            try:
                principal = _authorise(app, request, role_set) if role_set is not None else None
                ctx = RequestContext(app, principal, request, path_params)
                kwargs: dict[str, Any] = dict(path_params)
                given = _query_values(request, query)
                strict.check_cursor(given, prefix)
                if query is not None:
                    kwargs["query"] = _parse_query(given, query)
                raw = _raw_bytes(request).strip()
                strict.check_content_type(request.headers.get("content-type"), raw)
                payload: Any = None
                if body is not None or raw:
                    payload = parse_json_body(raw, max_bytes=app.settings.max_body_bytes)
                    if not isinstance(payload, dict):
                        raise MalformedRequest("Request body must be a JSON object.")
                    strict.check_text(payload, "body")
                if body is not None:
                    kwargs["body"] = _parse_body(body, payload)
                    strict.check_not_empty(method, kwargs["body"])
                else:
                    strict.check_no_body(payload)
                if content_type != "application/json":
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
                    return _respond(ctx, handler, kwargs, status, key, method, path, payload)
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

        view.__name__ = handler.__name__
        view.__doc__ = handler.__doc__
        bp.route(path, methods=[method], content_types=ACCEPTED_CONTENT_TYPES)(view)
        return handler

    return decorator
