"""OpenAPI 3.1 generated from the registered operations and their pydantic models."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from chalicelib.api.http import OPERATIONS, Operation

_ERROR_TEXT = {
    400: "Malformed JSON (`malformed_json`)",
    401: "Missing or invalid API key",
    403: "The key's role may not do this",
    404: "Unknown ID (or another platform's)",
    409: "State conflict, or `idempotency_in_progress`",
    413: "Body over 256 KiB",
    415: "A body labelled other than `application/json` (`unsupported_media_type`)",
    422: "Validation error (`validation_error`: also an unknown query parameter or body field), "
    "or `idempotency_key_reused`",
    429: "Rate limited (`rate_limited`): this caller's own limit; retry after `Retry-After`",
    503: "A dependency (DynamoDB, S3, KMS, SSM) failed or throttled (`service_unavailable`); "
    "retry after `Retry-After`, with the same Idempotency-Key. Never stored as a key's outcome",
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before retrying.",
        "schema": {"type": "integer", "minimum": 1},
    }
}
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error", "request_id"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details", "request_id"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"loc": {"type": "array"}, "msg": {"type": "string"}},
                    },
                },
                "request_id": {"type": "string"},
            },
        },
        "request_id": {
            "type": "string",
            "description": "The request's id (also the `X-Request-Id` response header).",
        },
    },
}


def _models() -> list[type[BaseModel]]:
    seen: dict[str, type[BaseModel]] = {}
    for op in OPERATIONS:
        for model in (op.body, op.response_model):
            if model is not None:
                seen.setdefault(model.__name__, model)
    return list(seen.values())


def _ref(model: type[BaseModel], refs: dict[Any, Any], mode: str) -> dict[str, Any]:
    return dict(refs[(model, mode)])


def _parameters(op: Operation) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)}", op.path)
    ]
    if op.query is not None:
        schema = op.query.model_json_schema()
        for name, prop in schema.get("properties", {}).items():
            if name == "starting_after" and op.cursor:
                # The cursor is the id of a listed object: its type's prefix is part of it.
                prop = {"type": "string", "pattern": rf"^{op.cursor}_[0-9a-hjkmnp-tv-z]{{26}}$"}
            params.append({"name": name, "in": "query", "required": False, "schema": prop})
    if op.method == "POST" and op.roles is not None:
        params.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                "description": "Same key + same body within 24 h replays the first final response "
                "(a 429, 5xx or 409 `concurrent_update` is not kept; a secret replays as null).",
            }
        )
    return params


def _operation(op: Operation, refs: dict[Any, Any]) -> dict[str, Any]:
    success: dict[str, Any] = {"description": "OK" if op.status == 200 else "Created"}
    if op.response_model is not None:
        schema = _ref(op.response_model, refs, "serialization")
        success["content"] = {op.content_type: {"schema": schema}}
    responses: dict[str, Any] = {str(op.status): success}
    # Every operation refuses an unknown query parameter (422); one with a body also a malformed
    # or duplicated-key body (400), a body over the limit (413) and a non-JSON one (415).
    codes = set(op.errors) | {422}
    if op.body is not None:
        codes |= {400, 413, 415}
    if op.roles is not None:
        codes |= {401, 403, 429, 503}
    error_ref = {"$ref": "#/components/schemas/Error"}
    for code in sorted(codes):
        responses[str(code)] = {
            "description": _ERROR_TEXT.get(code, "Error"),
            "content": {"application/json": {"schema": error_ref}},
        }
        if code in {429, 503}:
            responses[str(code)]["headers"] = RETRY_AFTER
    spec: dict[str, Any] = {
        "operationId": op.name,
        "summary": op.summary,
        "tags": [op.tag] if op.tag else [],
        "parameters": _parameters(op),
        "responses": responses,
    }
    if op.roles is None:
        spec["security"] = []
    else:
        spec["description"] = "Roles: " + ", ".join(sorted(role.value for role in op.roles))
    if op.body is not None:
        spec["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(op.body, refs, "validation")}},
        }
    return spec


@cache
def openapi_document() -> dict[str, Any]:
    """The whole document; built once per process."""
    models = _models()
    pairs: list[tuple[type[BaseModel], JsonSchemaMode]] = [(m, "validation") for m in models]
    pairs += [(m, "serialization") for m in models]
    refs, defs = models_json_schema(pairs, ref_template="#/components/schemas/{model}")
    schemas = dict(defs.get("$defs", {}))
    schemas["Error"] = ERROR_SCHEMA
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, refs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Jobcover API",
            "version": "1.0.0",
            "description": "Workers' comp and general liability per dispatch. "
            "Errors: {error: {code, message, details}}. Money in integer cents.",
        },
        "servers": [{"url": "/"}],
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
        "paths": paths,
    }
