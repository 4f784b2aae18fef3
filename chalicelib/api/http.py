"""The route decorator every endpoint uses: auth, role, parsing, idempotency, one error shape.

`operation(...)` registers a Chalice route on a blueprint and records the operation for the
generated OpenAPI document, so the spec and the routes cannot drift apart.

Registering is all `import app` does (chalicelib/lazy.py): a route's models are read from its
handler's signature (`body: X`, `query: Q`, `-> R`) when it is first called or the spec first
built, and what a request runs (chalicelib/api/pipeline.py) is imported by the first request.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

import pydantic  # pydantic imports its own parts on first use: `pydantic.BaseModel` is costly
from chalice.app import Blueprint, Request, Response

from chalicelib.domain.roles import Role
from chalicelib.lazy import deferred_import

if TYPE_CHECKING:
    from pydantic import BaseModel

    from chalicelib.api import pipeline
    from chalicelib.api.schemas import common
    from chalicelib.composition import Container
    from chalicelib.domain.parties import Principal
else:
    pipeline = deferred_import("chalicelib.api.pipeline")
    common = deferred_import("chalicelib.api.schemas.common")

Handler = Callable[..., Any]
H = TypeVar("H", bound=Handler)

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


@dataclass(frozen=True)
class Models:
    """An operation's models, as its handler's signature names them."""

    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None  # with `listed`, the model of the page's items
    listed: bool  # the handler answers a page: `-> ListOf[X]`
    cursor: str | None  # the id prefix a list's `starting_after` must carry


@dataclass(frozen=True)
class Operation:
    """One documented HTTP operation."""

    name: str
    method: str
    path: str
    summary: str
    roles: frozenset[Role] | None  # None: no authentication
    status: int
    tag: str
    errors: tuple[int, ...]
    handler: Handler = field(repr=False, compare=False)
    content_type: str = "application/json"
    given_cursor: str | None = None  # `operation(cursor=...)`: else from the listed `object`

    @cached_property
    def models(self) -> Models:
        """Read from the handler's signature once, when the route is first called or the spec
        first built (importing the schema modules it names then, not at `import app`)."""
        return models_of(self.handler, self.path, self.given_cursor)

    @property
    def body(self) -> type[BaseModel] | None:
        return self.models.body

    @property
    def query(self) -> type[BaseModel] | None:
        return self.models.query

    @property
    def response(self) -> type[BaseModel] | None:
        return self.models.response

    @property
    def listed(self) -> bool:
        return self.models.listed

    @property
    def cursor(self) -> str | None:
        return self.models.cursor

    @property
    def response_model(self) -> type[BaseModel] | None:
        """What the operation answers with: a page model for a list."""
        if self.response is None or not self.listed:
            return self.response
        item = self.response
        return common.ListOf[item]  # type: ignore[valid-type]


OPERATIONS: list[Operation] = []


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


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel)


def _response_of(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """(model, listed) from a handler's return annotation: `X` answers X, `ListOf[X]` a page
    of X, `X | Reply` X (a Reply answers another status), a chalice `Response` (a download)
    no model."""
    union = isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union
    models = [a for a in (typing.get_args(annotation) if union else (annotation,)) if _is_model(a)]
    if not models:
        return None, False
    if len(models) > 1:
        raise TypeError(f"a handler answers one model, not {models}")
    model = models[0]
    generic = model.__pydantic_generic_metadata__
    if generic["origin"] is common.ListOf:
        item = generic["args"][0]
        return item, True
    return model, False


def _listed_item(response: type[BaseModel] | None, listed: bool) -> type[BaseModel] | None:
    """The model of a list's items: `response` itself when `listed`, else its `data: list[X]`."""
    if response is None or listed:
        return response
    field = response.model_fields.get("data")
    args = typing.get_args(field.annotation) if field is not None else ()
    item = args[0] if args else None
    return item if _is_model(item) else None


def cursor_prefix(
    query: type[BaseModel] | None, response: type[BaseModel] | None, listed: bool
) -> str | None:
    """The id prefix `?starting_after=` must carry: from the listed items' `object` name."""
    if query is None or "starting_after" not in query.model_fields:
        return None
    item = _listed_item(response, listed)
    kind = item.model_fields.get("object") if item is not None else None
    return CURSOR_PREFIXES.get(str(kind.default)) if kind is not None else None


def models_of(handler: Handler, path: str, cursor: str | None = None) -> Models:
    """A handler's models: its `body` and `query` parameters' types and its return type."""
    hints = typing.get_type_hints(handler)
    body, query = hints.get("body"), hints.get("query")
    # Strict JSON types and unknown fields are the base models' rules: no operation opts out.
    if body is not None and not (_is_model(body) and issubclass(body, common.RequestModel)):
        raise TypeError(f"{path}: a request body model must be a RequestModel")
    if query is not None and not (_is_model(query) and issubclass(query, common.QueryModel)):
        raise TypeError(f"{path}: a query model must be a QueryModel")
    response, listed = _response_of(hints.get("return"))
    prefix = cursor or cursor_prefix(query, response, listed)
    return Models(body, query, response, listed, prefix)


def operation(
    bp: Blueprint,
    path: str,
    *,
    method: str = "GET",
    summary: str,
    roles: Collection[Role] | None,
    status: int = 200,
    tag: str = "",
    errors: tuple[int, ...] = (),
    content_type: str = "application/json",
    cursor: str | None = None,
) -> Callable[[H], H]:
    """Register `handler(ctx, *, body: B, query: Q, **path_params) -> R` as an HTTP operation.

    The signature names the models: `body` is parsed into B (a `RequestModel`), the query string
    into Q (a `QueryModel`), and the handler answers R; `-> ListOf[X]` answers a page of X items,
    `-> X | Reply` X or a `Reply` with another status. They are read when the route is first
    called or the spec first built, so the schema modules may be imported then (chalicelib/lazy.py).
    A `content_type` other than JSON (a PDF download) is a GET whose handler returns its own
    `Response`; authentication, query parsing and the error shape are the same.
    `cursor`: the id prefix of `?starting_after=` (default: from the listed items' `object`).
    Every request passes the strict-input rules of chalicelib/api/strict.py first.
    """
    role_set = frozenset(roles) if roles is not None else None

    def decorator(handler: H) -> H:
        op = Operation(
            handler.__name__,
            method,
            path,
            summary,
            role_set,
            status,
            tag,
            errors,
            handler,
            content_type,
            given_cursor=cursor,
        )
        OPERATIONS.append(op)

        def view(**path_params: str) -> Response:
            return pipeline.serve(op, bp.current_request, path_params)

        view.__name__ = handler.__name__
        view.__doc__ = handler.__doc__
        bp.route(path, methods=[method], content_types=ACCEPTED_CONTENT_TYPES)(view)
        return handler

    return decorator
