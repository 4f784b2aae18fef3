"""Routes: health, the OpenAPI document and the reference page."""

from __future__ import annotations

import json
from typing import Literal

from chalice.app import Blueprint, Response

from chalicelib.api.docs_page import render_docs
from chalicelib.api.http import RequestContext, operation
from chalicelib.api.openapi import openapi_document
from chalicelib.api.schemas.common import ResponseModel

bp = Blueprint(__name__)


class Health(ResponseModel):
    status: Literal["ok"] = "ok"
    """Always `ok` while the service answers."""


@operation(bp, "/v1/health", summary="Liveness check", roles=None, response=Health, tag="Meta")
def health(ctx: RequestContext) -> Health:
    return Health()


@bp.route("/openapi.json", methods=["GET"])
def openapi_json() -> Response:
    return Response(
        body=json.dumps(openapi_document()),
        status_code=200,
        headers={"Content-Type": "application/json"},
    )


@bp.route("/docs", methods=["GET"])
def docs() -> Response:
    return Response(
        body=render_docs(openapi_document()),
        status_code=200,
        headers={"Content-Type": "text/html; charset=utf-8"},
    )
