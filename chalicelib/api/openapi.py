"""OpenAPI 3.1 generated from the registered operations and their pydantic models.

What generators need, decided here rather than on each model:
- One schema per model: request bodies are published as pydantic validates them, responses as
  it serialises them (every response field is always sent, so every one is required); a model
  used both ways has the same schema either way (checked when the document is built).
- Every property has a description: `Field(description=...)`, else the attribute docstring under
  the field (read here, when the document is built, not at import: a cold start never pays for
  it), else the meaning of the few fields every object shares (`id`, `object`, `created_at`...).
- Machine codes are open sets (`x-extensible-enum`, API.md "Conventions"); statuses are closed
  `enum`s, from the models' `Literal` types.
- Each operation lists its error codes, its roles, idempotency and pagination, and carries an
  example request and response (docs/examples.json where recorded, else built from the schema).
"""

from __future__ import annotations

import ast
import inspect
import json
import re
import textwrap
from collections.abc import Callable
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, models_json_schema
from pydantic_core import core_schema

from chalicelib.api import catalogue
from chalicelib.api.http import OPERATIONS, Operation

REF = "#/components/schemas/{model}"
EXAMPLES_FILE = Path(__file__).resolve().parent / "examples.json"

STATUS_TEXT = {
    200: "OK",
    201: "Created",
    202: "Accepted: the run fans out to workers; follow it with the run's ID",
    400: "Malformed JSON",
    401: "Missing or invalid API key",
    403: "The key's role may not do this",
    404: "Unknown ID (or another platform's)",
    406: "The Accept header excludes what the operation answers",
    409: "State conflict",
    413: "Body over 256 KiB",
    415: "A body sent with a content type other than application/json",
    422: "Validation error",
    429: "Rate limited: this caller's own limit; retry after `Retry-After`",
    500: "A bug on our side (the message carries the request id); never bad input",
    503: "A dependency (DynamoDB, S3, KMS, SSM) failed or throttled; retry after `Retry-After`, "
    "with the same Idempotency-Key. Never stored as a key's outcome",
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before retrying.",
        "schema": {"type": "integer", "minimum": 1},
    }
}
IDEMPOTENT_REPLAYED = {
    "Idempotent-Replayed": {
        "description": "`true` when this answer is the replay of an earlier request with the "
        "same Idempotency-Key and body (same status and body; secrets null).",
        "schema": {"type": "string", "enum": ["true"]},
    }
}
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Error",
    "description": "Every error answer: one shape, with a stable machine `code`.",
    "required": ["error", "request_id"],
    "properties": {
        "error": {
            "$ref": "#/components/schemas/ErrorBody",
            "description": "The code, message, details and request id of the error.",
        },
        "request_id": {
            "type": "string",
            "description": "The request's id (also the `X-Request-Id` response header).",
        },
    },
}
ERROR_BODY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "ErrorBody",
    "description": "What went wrong.",
    "required": ["code", "message", "details", "request_id"],
    "properties": {
        "code": {
            "type": "string",
            "description": "A stable machine code such as `validation_error` or "
            "`quote_not_bindable`. An open set: accept codes you do not know.",
            "x-open-set": "error_code",
        },
        "message": {
            "type": "string",
            "description": "A sentence for a person; do not parse it.",
        },
        "details": {
            "type": "array",
            "description": "Each problem found (validation errors), or facts about the conflict "
            "(`duplicate_external_id`: the existing object's id). Often empty.",
            "items": {"$ref": "#/components/schemas/ErrorDetail"},
        },
        "request_id": {
            "type": "string",
            "description": "The request's id: quote it when you report a problem.",
        },
    },
}
ERROR_DETAIL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "ErrorDetail",
    "description": "One problem: where it is and what is wrong.",
    "properties": {
        "loc": {
            "type": "array",
            "description": 'Where the problem is: `["body", "window", "end"]`, '
            '`["query", "limit"]`, `["header", "Idempotency-Key"]`; list positions are integers.',
            "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
        },
        "msg": {"type": "string", "description": "What is wrong there."},
    },
    "additionalProperties": True,
}

# Properties whose values are machine codes from an open set (API.md "Conventions").
OPEN_SET_PROPERTIES: dict[tuple[str, str], str] = {
    ("Reason", "code"): "reason_code",
    ("LedgerEntryOut", "type"): "ledger_type",
    ("EventOut", "type"): "event_type",
    ("DeliveryAttemptOut", "type"): "event_type",
    ("WebhookEndpointOut", "events"): "event_type",
    ("WebhookEndpointWithSecret", "events"): "event_type",
}
OPEN_SET_TEXT = {
    "error_code": "error codes",
    "reason_code": "reason codes",
    "ledger_type": "ledger entry types",
    "event_type": "event types",
}
# What the fields every object shares mean, where a model does not say it itself.
ID_PREFIXES = {
    "platform": "plt",
    "api_key": "key",
    "customer": "cus",
    "contractor": "ctr",
    "quote": "qte",
    "policy": "pol",
    "assignment": "asg",
    "certificate": "crt",
    "referral": "ref",
    "ledger_entry": "led",
    "webhook_endpoint": "whe",
    "event": "evt",
    "payment": "pay",
}
SHARED_FIELDS = {
    "created_at": "When it was created (RFC 3339, UTC).",
    "updated_at": "When it last changed (RFC 3339, UTC).",
    "has_more": "Whether more items follow: pass the last item's `id` as `starting_after`.",
    "data": "The items, newest first.",
    "limit": "How many items to answer: 1 to 100 (default 20).",
    "starting_after": "A cursor: the `id` of the last item of the previous page; the page "
    "answered starts after it. An ID of another type is a 422.",
}


# --- descriptions from attribute docstrings ------------------------------------------------


@cache
def _attribute_docstrings(cls: type) -> dict[str, str]:
    """`name: type` followed by a string literal: the string is the field's description."""
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):
        return {}
    tree = ast.parse(source)
    if not tree.body or not isinstance(tree.body[0], ast.ClassDef):
        return {}
    docs: dict[str, str] = {}
    body = tree.body[0].body
    for statement, following in pairwise(body):
        if (
            isinstance(statement, ast.AnnAssign)
            and isinstance(statement.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            docs[statement.target.id] = inspect.cleandoc(following.value.value)
    return docs


def field_docstrings(model: type[BaseModel]) -> dict[str, str]:
    """The attribute docstrings of a model and its bases (the nearest wins)."""
    docs: dict[str, str] = {}
    for cls in reversed(model.__mro__):
        if isinstance(cls, type) and issubclass(cls, BaseModel) and cls is not BaseModel:
            docs.update(
                _attribute_docstrings(
                    getattr(cls, "__pydantic_generic_metadata__", {}).get("origin") or cls
                )
            )
    return docs


class _Generator(GenerateJsonSchema):
    """pydantic's generator, with the conventions above."""

    def field_is_required(
        self,
        field: core_schema.ModelField | core_schema.DataclassField | core_schema.TypedDictField,
        total: bool,
    ) -> bool:
        # Responses are serialised with every field (nulls included): all are always present.
        if self.mode == "serialization":
            return True
        return super().field_is_required(field, total)

    def model_schema(self, schema: core_schema.ModelSchema) -> dict[str, Any]:
        json_schema: dict[str, Any] = super().model_schema(schema)
        docs = field_docstrings(schema["cls"])
        for name, prop in json_schema.get("properties", {}).items():
            if name in docs and "description" not in prop:
                prop["description"] = docs[name]
        return json_schema


# --- schemas ---------------------------------------------------------------------------------


def _models(kind: str) -> list[type[BaseModel]]:
    seen: dict[str, type[BaseModel]] = {}
    for op in OPERATIONS:
        if kind == "body":
            models = [op.body]
        else:
            models = [_success_model(op, status) for status in _statuses(op) if status < 400]
        for model in models:
            if model is not None:
                seen.setdefault(model.__name__, model)
    return list(seen.values())


def _public_name(name: str) -> str:
    """`ListOf_AssignmentOut_` (a parametrised page) -> `AssignmentList`."""
    match = re.fullmatch(r"ListOf_(\w+?)(?:Out)?_", name)
    return f"{match.group(1)}List" if match else name


def _rename_refs(value: Any, renames: dict[str, str]) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "$ref" and isinstance(item, str):
                name = item.rsplit("/", 1)[-1]
                out[key] = REF.format(model=renames.get(name, name))
            else:
                out[key] = _rename_refs(item, renames)
        return out
    if isinstance(value, list):
        return [_rename_refs(item, renames) for item in value]
    return value


def _one_mode(
    models: list[type[BaseModel]], mode: JsonSchemaMode
) -> tuple[dict[type[BaseModel], dict[str, Any]], dict[str, Any]]:
    refs, defs = models_json_schema(
        [(model, mode) for model in models], ref_template=REF, schema_generator=_Generator
    )
    by_model: dict[type[BaseModel], dict[str, Any]] = {}
    for (model, _), ref in refs.items():
        if isinstance(model, type) and issubclass(model, BaseModel):
            by_model[model] = dict(ref)
    return by_model, dict(defs.get("$defs", {}))


def _describe(name: str, schema: dict[str, Any]) -> None:
    """Shared field meanings and open sets, for properties that say nothing themselves."""
    props = schema.get("properties", {})
    kind = props.get("object", {}).get("const") or props.get("object", {}).get("default")
    for prop_name, prop in props.items():
        open_set = OPEN_SET_PROPERTIES.get((name, prop_name))
        if open_set is not None:
            (prop["items"] if prop.get("type") == "array" else prop)["x-open-set"] = open_set
        if "description" in prop:
            continue
        if prop_name == "object" and kind:
            prop["description"] = f"Always `{kind}`: the type of this object."
        elif prop_name == "id" and kind:
            prefix = ID_PREFIXES.get(kind)
            shown = f" (`{prefix}_` + 26 characters)" if prefix else ""
            prop["description"] = f"The {kind.replace('_', ' ')}'s unique ID{shown}."
        elif prop_name in SHARED_FIELDS:
            prop["description"] = SHARED_FIELDS[prop_name]


def _open_sets(value: Any, known: dict[str, list[str]]) -> None:
    """`x-open-set: name` -> `x-extensible-enum` with the known values, said in words too."""
    if isinstance(value, dict):
        name = value.pop("x-open-set", None)
        if name is not None:
            value["x-extensible-enum"] = known[name]
            value["description"] = (
                value.get("description", "").rstrip()
                + f" An open set of {OPEN_SET_TEXT[name]}: accept values you do not know "
                "(known ones: `x-extensible-enum`, and the catalogue on /docs)."
            ).strip()
        for item in value.values():
            _open_sets(item, known)
    elif isinstance(value, list):
        for item in value:
            _open_sets(item, known)


def _schemas() -> tuple[dict[type[BaseModel], dict[str, Any]], dict[str, Any]]:
    """Every component schema, and each operation model's `$ref`."""
    body_refs, body_defs = _one_mode(_models("body"), "validation")
    answer_refs, answer_defs = _one_mode(_models("response"), "serialization")
    schemas = dict(answer_defs)
    for name, schema in body_defs.items():
        other = schemas.get(name)
        if other is not None and _without_required(other) != _without_required(schema):
            raise ValueError(f"model {name} differs between requests and responses")
        schemas[name] = schema  # a model used both ways: as a request sends it
    renames = {name: _public_name(name) for name in schemas if _public_name(name) != name}
    schemas = {renames.get(name, name): _rename_refs(s, renames) for name, s in schemas.items()}
    for new in renames.values():
        schemas[new]["title"] = new
    schemas.update(Error=ERROR_SCHEMA, ErrorBody=ERROR_BODY_SCHEMA, ErrorDetail=ERROR_DETAIL_SCHEMA)
    for name, schema in schemas.items():
        _describe(name, schema)
    refs = {**answer_refs, **body_refs}
    return {model: _rename_refs(ref, renames) for model, ref in refs.items()}, schemas


def _without_required(schema: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in schema.items() if key != "required"}


# --- examples --------------------------------------------------------------------------------

_STRING_FORMATS = {
    "date-time": "2026-12-01T08:00:00-05:00",
    "date": "2026-12-01",
    "uri": "https://hooks.example.com/jobcover",
    "email": "dana@example.com",
}
_ULID = "01jd8x3k5m7n9p2q4r6s8t0v1w"
# Realistic values for the fields an integrator reads first (an example is built from these,
# then from the schema's own examples, defaults and types).
FIELD_EXAMPLES: dict[str, Any] = {
    "contractor": f"ctr_{_ULID}",
    "customer": f"cus_{_ULID}",
    "quote": f"qte_{_ULID}",
    "policy": f"pol_{_ULID}",
    "assignment": f"asg_{_ULID}",
    "platform": f"plt_{_ULID}",
    "referral": f"ref_{_ULID}",
    "endpoint": f"whe_{_ULID}",
    "event": f"evt_{_ULID}",
    "renewal_of": None,
    "renewed_by": None,
    "external_id": "job-1042",
    "legal_name": "Dana Reyes",
    "name": "Harbor Property Management",
    "line1": "1 Main St",
    "city": "Newark",
    "state": "NJ",
    "work_state": "NJ",
    "quoted_state": "NJ",
    "postal_code": "07102",
    "email": "dana@example.com",
    "tin": "123-45-6789",
    "tin_last4": "6789",
    "trade": "hvac",
    "program": "multistate-wc",
    "class_code": "5537",
    "quoted_class_code": "5537",
    "bureau": "NCCI",
    "naic": "10000",
    "source": "chalicelib/data/programs.json",
    "rate_per_100": "4.27",
    "quoted_rate_per_100": "4.27",
    "experience_mod": "1.00",
    "years_in_business": 6,
    "amount_cents": 40000,
    "actual_pay_cents": 45000,
    "premium_cents": 1708,
    "total_cents": 1708,
    "estimated_annual_pay_cents": 4000000,
    "employers_liability_limits": "100/500/100",
    "audited_pay_cents": {"5537": 4000000},
    "reference": "ach_1",
    "memo": "premium at bind, wc",
    "message": "A sentence for a person.",
    "number": "JC-7Q4M-2XK9",
    "url": "https://hooks.example.com/jobcover",
    "description": "Replace a rooftop condenser",
    "note": "Reviewed the application.",
    "guideline": "reference/pie-wc-underwriting-guidelines.txt § New Ventures",
    "lines": ["wc", "gl"],
}


def example_of(
    schema: dict[str, Any], schemas: dict[str, Any], depth: int = 0, name: str = ""
) -> Any:
    """A value that fits the schema: a known field's value, else from the schema itself."""
    if "$ref" in schema:
        target = schemas[schema["$ref"].rsplit("/", 1)[-1]]
        return example_of(target, schemas, depth, name)
    for key in ("examples", "x-extensible-enum", "enum"):
        if schema.get(key):
            return schema[key][0]
    if "const" in schema:
        return schema["const"]
    if name in FIELD_EXAMPLES and _fits(FIELD_EXAMPLES[name], schema, schemas):
        return FIELD_EXAMPLES[name]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            choices = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return example_of(choices[0], schemas, depth, name)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return _object_example(schema, schemas, depth)
    if kind == "array":
        return [example_of(schema.get("items", {}), schemas, depth + 1)] if depth < 10 else []
    if kind == "integer":
        low = schema.get("minimum", schema.get("exclusiveMinimum", -1) + 1)
        return max(int(low), 0)
    if kind == "number":
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    if kind == "string":
        return _STRING_FORMATS.get(schema.get("format", ""), "text")
    return None


def _object_example(schema: dict[str, Any], schemas: dict[str, Any], depth: int) -> Any:
    props = schema.get("properties", {})
    if not props:
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and extra and depth < 10:
            return {"wc": example_of(extra, schemas, depth + 1)}
        return {}
    if depth > 10:
        return {}
    kind = props.get("object", {}).get("const")
    example = {prop: example_of(value, schemas, depth + 1, prop) for prop, value in props.items()}
    if kind in ID_PREFIXES and "id" in example:
        example["id"] = f"{ID_PREFIXES[kind]}_{_ULID}"
    return example


def _fits(value: Any, schema: dict[str, Any], schemas: dict[str, Any]) -> bool:
    """Whether a known field's value suits this property (type, enum, length, pattern)."""
    if "$ref" in schema:
        return _fits(value, schemas[schema["$ref"].rsplit("/", 1)[-1]], schemas)
    if "anyOf" in schema:
        return any(_fits(value, choice, schemas) for choice in schema["anyOf"])
    if "enum" in schema:
        return value in schema["enum"]
    checks: dict[str, Callable[[Any], bool]] = {
        "string": lambda v: (
            isinstance(v, str)
            and schema.get("minLength", 0) <= len(v) <= schema.get("maxLength", len(v))
            and re.search(schema.get("pattern", ""), v) is not None
        ),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: (
            isinstance(v, list) and all(_fits(item, schema.get("items", {}), schemas) for item in v)
        ),
        "null": lambda v: v is None,
    }
    check = checks.get(schema.get("type", ""))
    return check(value) if check else False


@cache
def recorded_examples() -> dict[str, dict[str, Any]]:
    """Requests and answers recorded from a real run (scripts/record_examples.py)."""
    if not EXAMPLES_FILE.exists():
        return {}
    data: dict[str, dict[str, Any]] = json.loads(EXAMPLES_FILE.read_text())
    return data


# --- operations ------------------------------------------------------------------------------


def _parameters(op: Operation, schemas: dict[str, Any]) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "string"},
            "description": _path_parameter_text(name),
        }
        for name in re.findall(r"{(\w+)}", op.path)
    ]
    if op.query is not None:
        schema = op.query.model_json_schema(schema_generator=_Generator)
        _describe(op.query.__name__, schema)
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            prop = dict(prop)
            description = prop.pop("description", "")
            prop.pop("title", None)
            if name == "starting_after" and op.cursor:
                # The cursor is the id of a listed object: its type's prefix is part of it.
                prop = {"type": "string", "pattern": rf"^{op.cursor}_[0-9a-hjkmnp-tv-z]{{26}}$"}
            params.append(
                {
                    "name": name,
                    "in": "query",
                    "required": name in required,
                    "description": description,
                    "schema": prop,
                }
            )
    if op.method == "POST" and op.roles is not None:
        params.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                "description": "Makes a retry safe: the same key with the same body within 24 h "
                "replays the first final answer (same status and body, `Idempotent-Replayed: "
                "true`) and has no further effect. The same key with another body is 422 "
                "`idempotency_key_reused`; while the first is in flight, 409 "
                "`idempotency_in_progress`. A 429, a 5xx or a 409 `concurrent_update` is not "
                "kept, so the same key can still succeed; a secret replays as null.",
                "example": "3f7c1c1e-6a52-4b8e-9d1e-2d0f9b7a1c55",
            }
        )
    return params


def _path_parameter_text(name: str) -> str:
    if name == "number":
        return "The certificate number printed on the PDF."
    if name == "name":
        return "The job: `outbox`, `renewals`, `expirations`, `rescissions` or `audits`."
    kind = name.removesuffix("_id").replace("_", " ")
    prefix = ID_PREFIXES.get(name.removesuffix("_id"))
    shown = f" (`{prefix}_...`)" if prefix else ""
    return f"The {kind}'s ID{shown}."


def _statuses(op: Operation) -> dict[int, str]:
    """Every status the operation answers, with what it means there."""
    answers = {op.status: STATUS_TEXT.get(op.status, "OK")}
    if op.name == "run_job":
        answers[202] = STATUS_TEXT[202]
    # Every operation refuses an unknown query parameter (422); one with a body also a malformed
    # or duplicated-key body (400), a body over the limit (413) and a non-JSON one (415).
    codes = set(op.errors) | {422}
    if op.body is not None:
        codes |= {400, 413, 415}
    if op.roles is not None:
        codes |= {401, 403, 429, 503}
    if op.method == "POST" and op.roles is not None:
        codes |= {409, 422}
    codes.add(500)
    for code in sorted(codes):
        answers[code] = STATUS_TEXT.get(code, "Error")
    return answers


def _success_model(op: Operation, status: int) -> type[BaseModel] | None:
    if status == 202 and op.name == "run_job":
        from chalicelib.api.schemas.jobs import JobRunStarted

        return JobRunStarted
    return op.response_model


def _error_text(op: Operation, status: int) -> tuple[str, list[str]]:
    codes = [error.code for error in catalogue.error_codes_for(op.name, status, op.method)]
    text = STATUS_TEXT.get(status, "Error")
    if codes:
        text += ": " + ", ".join(f"`{code}`" for code in codes)
    return text, codes


def _operation(
    op: Operation, refs: dict[type[BaseModel], dict[str, Any]], schemas: dict[str, Any]
) -> dict[str, Any]:
    recorded = recorded_examples().get(op.name, {})
    responses: dict[str, Any] = {}
    every_code: list[str] = []
    for status, text in _statuses(op).items():
        if status < 400:
            model = _success_model(op, status)
            answer: dict[str, Any] = {"description": text}
            if model is not None:
                ref = refs[model]
                example = recorded.get(f"response_{status}")
                if example is None:
                    example = example_of(ref, schemas)
                answer["content"] = {
                    op.content_type: {"schema": ref, "example": example},
                }
            elif op.content_type != "application/json":
                answer["content"] = {
                    op.content_type: {"schema": {"type": "string", "format": "binary"}}
                }
            if op.method == "POST" and op.roles is not None:
                answer["headers"] = IDEMPOTENT_REPLAYED
            responses[str(status)] = answer
            continue
        description, codes = _error_text(op, status)
        every_code += codes
        first = codes[0] if codes else "error"
        responses[str(status)] = {
            "description": description,
            "x-error-codes": codes,
            "content": {
                "application/json": {
                    "schema": {"$ref": REF.format(model="Error")},
                    "example": {
                        "error": {
                            "code": first,
                            "message": catalogue_meaning(first),
                            "details": [],
                            "request_id": "c0a8012e-7d1f-4f5e-9d1a-3b2f0c9e8a77",
                        },
                        "request_id": "c0a8012e-7d1f-4f5e-9d1a-3b2f0c9e8a77",
                    },
                }
            },
        }
        if status in {429, 503}:
            responses[str(status)]["headers"] = RETRY_AFTER
    spec: dict[str, Any] = {
        "operationId": op.name,
        "summary": op.summary,
        "description": _operation_description(op, every_code),
        "tags": [op.tag or "General"],
        "parameters": _parameters(op, schemas),
        "responses": responses,
        "x-error-codes": sorted(set(every_code)),
    }
    if op.roles is None:
        spec["security"] = []
    else:
        spec["x-roles"] = sorted(role.value for role in op.roles)
    if op.body is not None:
        example = recorded.get("request")
        if example is None:
            example = example_of(refs[op.body], schemas)
        spec["requestBody"] = {
            "required": True,
            "description": (op.body.__doc__ or "").strip() or f"The {op.summary.lower()} request.",
            "content": {"application/json": {"schema": refs[op.body], "example": example}},
        }
    return spec


def catalogue_meaning(code: str) -> str:
    for error in catalogue.ERROR_CODES:
        if error.code == code:
            return error.meaning
    return "Something went wrong."


def _operation_description(op: Operation, codes: list[str]) -> str:
    parts = [op.summary + "."]
    if op.roles is None:
        parts.append("No authentication.")
    else:
        roles = ", ".join(f"`{role.value}`" for role in sorted(op.roles, key=lambda r: r.value))
        parts.append(f"Authorization: `Bearer <api key>` of role {roles}.")
    if op.listed or (op.query is not None and "starting_after" in op.query.model_fields):
        parts.append(
            "Paginated: `?limit=` (1-100, default 20) and `?starting_after=<id of the last item>`"
            "; answers `{data, has_more}`, newest first."
        )
    if op.method == "POST" and op.roles is not None:
        parts.append("Safe to retry with an `Idempotency-Key` header.")
    if op.name == "run_job":
        parts.append(
            "Answers 200 with the finished run, or 202 with the run's ID when the run fans out "
            "to workers (`GET /v1/admin/jobs/runs/{run_id}` follows it)."
        )
    if codes:
        parts.append("Error codes: " + ", ".join(f"`{code}`" for code in sorted(set(codes))) + ".")
    return " ".join(parts)


# --- the document ----------------------------------------------------------------------------

INTRO = """Workers' compensation and general liability per dispatch, for dispatch platforms.

**Auth.** Every `/v1` call but `GET /v1/health` and `GET /v1/verify/{number}` carries
`Authorization: Bearer <api key>`. Keys have one role: `admin` (platforms, keys, jobs),
`platform` (its own contractors, quotes, policies, assignments, ledger, webhooks; another
platform's IDs answer 404), `underwriter` (referrals, certificate reviews, audits).

**Errors** are `{"error": {"code", "message", "details", "request_id"}}` with a stable machine
`code` (an open set: accept codes you do not know).

**Idempotency.** Any POST may carry `Idempotency-Key`: a retry with the same key and body within
24 h answers the first final response again (`Idempotent-Replayed: true`).

**Pagination.** Lists take `?limit=` (1-100, default 20) and `?starting_after=<id>`, and answer
`{"data": [...], "has_more": bool}`, newest first.

**Money and dates.** Money is integer cents in `*_cents` fields; rates are decimal strings
(`"4.27"`). Dates are `YYYY-MM-DD` (UTC); instants RFC 3339 with an offset.

**Rate limits.** Over its own limit a caller gets 429 `rate_limited` with `Retry-After`; a failing
dependency is 503 `service_unavailable` with `Retry-After`.
"""


@cache
def openapi_document() -> dict[str, Any]:
    """The whole document; built once per process."""
    refs, schemas = _schemas()
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, refs, schemas)
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "Jobcover API",
            "version": "1.0.0",
            "description": INTRO,
        },
        "servers": [{"url": "/", "description": "This deployment."}],
        "tags": [
            {"name": tag, "description": TAG_TEXT.get(tag, tag)}
            for tag in sorted({op.tag or "General" for op in OPERATIONS})
        ],
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "`Authorization: Bearer <api key>`. `make run` prints the "
                    "admin key and a demo platform's key; `POST /v1/platforms` and "
                    "`POST /v1/api-keys` make more.",
                }
            },
        },
        "security": [{"bearer": []}],
        "paths": paths,
    }
    _open_sets(document, catalogue.open_sets())
    return document


TAG_TEXT = {
    "Assignments": "Coverage per dispatch: each job binds under the contractor's policy.",
    "Certificates": "Certificates of insurance: ACORD 25-style PDFs, revisions, reviews, verify.",
    "Jobs": "Scheduled jobs, run by hand by ops.",
    "Ledger": "The append-only premium ledger.",
    "Meta": "Health.",
    "Parties": "Platforms, API keys, customers-of-record and contractors.",
    "Policies": "Policies, payments and the term lifecycle.",
    "Quotes": "Quotes for WC and GL.",
    "Reference data": "Trades, class codes and carrier programs.",
    "Referrals": "Underwriters' decisions on referred quotes and dispatches.",
    "Webhooks": "Webhook endpoints, deliveries and events.",
}
