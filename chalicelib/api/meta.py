"""Routes: health, the OpenAPI document and the reference page."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from chalice.app import Blueprint, Response

from chalicelib.api.http import RequestContext, operation
from chalicelib.lazy import deferred_import

if TYPE_CHECKING:
    from chalicelib.api import docs_page, openapi
    from chalicelib.api.schemas import meta as schemas
else:  # imported when first read (chalicelib/lazy.py): the spec is built by its first request
    docs_page = deferred_import("chalicelib.api.docs_page")
    openapi = deferred_import("chalicelib.api.openapi")
    schemas = deferred_import("chalicelib.api.schemas.meta")

bp = Blueprint(__name__)


@operation(bp, "/v1/health", summary="Liveness check", roles=None, tag="Meta")
def health(ctx: RequestContext) -> schemas.Health:
    return schemas.Health()


@bp.route("/openapi.json", methods=["GET"])
def openapi_json() -> Response:
    return Response(
        body=json.dumps(openapi.openapi_document()),
        status_code=200,
        headers={"Content-Type": "application/json"},
    )


@bp.route("/docs", methods=["GET"])
def docs() -> Response:
    return Response(
        body=docs_page.render_docs(openapi.openapi_document()),
        status_code=200,
        headers={"Content-Type": "text/html; charset=utf-8"},
    )
