"""Strict input (API.md "Conventions") on every registered operation.

Each test is parametrised over `chalicelib.api.http.OPERATIONS`, so a new route is covered by
construction; each rule has a case that fails without it. The rules run before any handler, so
placeholder path ids do (a 404 would mean the rule let the request through).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

import app as _app  # noqa: F401  (registers every blueprint's operations)
from chalicelib.api.http import OPERATIONS, Operation
from tests.conftest import PROJECT_DIR
from tests.functional.conftest import ADMIN_KEY, STAGE, Api

PLACEHOLDER_ID = "zzz_00000000000000000000000000"


def _name(op: Operation) -> str:
    return f"{op.method} {op.path}"


def _ops(predicate: Any = lambda op: True) -> list[Any]:
    return [pytest.param(op, id=_name(op)) for op in OPERATIONS if predicate(op)]


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    """One stack for the module: every request here is refused before it writes anything."""
    from chalice.test import Client
    from moto import mock_aws

    from app import app
    from chalicelib import bootstrap
    from devserver.gateway import install_gateway_responses
    from devserver.resources import create_resources, stage_environment, stage_names

    env = stage_environment(STAGE)
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        for name, value in env.items():
            patch.setenv(name, value)
        bootstrap.reset()
        create_resources(boto3.session.Session(), stage=STAGE, names=stage_names(env))
        install_gateway_responses()
        with Client(app, stage_name=STAGE, project_dir=PROJECT_DIR) as client:
            yield Api(client)
        bootstrap.reset()


@pytest.fixture(scope="module")
def keys(api: Api) -> dict[str, str]:
    status, platform = api.json("POST", "/v1/platforms", ADMIN_KEY, {"name": "Strict Dispatch"})
    assert status == 201, platform
    status, underwriter = api.json("POST", "/v1/api-keys", ADMIN_KEY, {"role": "underwriter"})
    assert status == 201, underwriter
    return {
        "admin": ADMIN_KEY,
        "platform": platform["api_key"],
        "underwriter": underwriter["api_key"],
    }


def send(api, keys, op: Operation, *, query: str = "", **kwargs: Any) -> tuple[int, Any]:
    """Call the operation with a key of a role it allows (placeholder ids in the path)."""
    path = re.sub(r"{\w+}", PLACEHOLDER_ID, op.path) + (f"?{query}" if query else "")
    key = None
    if op.roles is not None:
        role = next(r for r in ("platform", "underwriter", "admin") if r in op.roles)
        key = keys[role]
    response = api.call(op.method, path, key, **kwargs)
    return response.status_code, json.loads(response.body) if response.body else None


def _schema_fields(model: Any) -> dict[str, dict[str, Any]]:
    """The body's top-level properties, `$ref`s and `anyOf: [x, null]` resolved."""
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})

    def resolve(prop: dict[str, Any]) -> dict[str, Any]:
        if "$ref" in prop:
            return resolve(defs[prop["$ref"].rsplit("/", 1)[-1]])
        options = [o for o in prop.get("anyOf", []) if o.get("type") != "null"]
        return resolve(options[0]) if len(options) == 1 else prop

    return {name: resolve(prop) for name, prop in schema.get("properties", {}).items()}


def _field_of_type(op: Operation, kinds: set[str]) -> str | None:
    if op.body is None:
        return None
    found = [n for n, p in _schema_fields(op.body).items() if p.get("type") in kinds]
    return found[0] if found else None


def _text_field(op: Operation) -> str | None:
    """A free string field (not an enum) of the body."""
    if op.body is None:
        return None
    fields = _schema_fields(op.body)
    found = [n for n, p in fields.items() if p.get("type") == "string" and "enum" not in p]
    return found[0] if found else None


def _has_cursor(op: Operation) -> bool:
    return op.query is not None and "starting_after" in op.query.model_fields


def test_every_operation_is_under_the_strict_rules():
    """The registry holds every route, and each list knows its cursor's type."""
    assert len(OPERATIONS) > 30
    for op in OPERATIONS:
        if _has_cursor(op):
            assert op.cursor, f"{_name(op)}: the type of its list cursor is unknown"


@pytest.mark.parametrize("op", _ops(lambda op: op.method != "GET"))
def test_a_body_labelled_other_than_json_is_415(api, keys, op):
    status, body = send(api, keys, op, raw="{}", headers={"Content-Type": "text/plain"})
    assert (status, body["error"]["code"]) == (415, "unsupported_media_type"), body


@pytest.mark.parametrize("op", _ops(lambda op: op.body is not None))
def test_charset_utf8_is_json(api, keys, op):
    status, body = send(
        api, keys, op, raw="{}", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    assert status != 415, body


@pytest.mark.parametrize("op", _ops(lambda op: op.method != "GET"))
def test_a_duplicated_key_is_400(api, keys, op):
    status, body = send(api, keys, op, raw='{"note": "a", "note": "b"}')
    assert (status, body["error"]["code"]) == (400, "malformed_json"), body
    assert body["error"]["details"][0]["loc"] == ["body", "note"]


@pytest.mark.parametrize("op", _ops(lambda op: _text_field(op) is not None))
@pytest.mark.parametrize("char", ["\u0000", "\u0007", "\u001b", "\u007f", "\u0085"])
def test_control_characters_in_text_are_422(api, keys, op, char):
    field = _text_field(op)
    status, body = send(api, keys, op, body={field: f"a{char}b"})
    assert status == 422, body
    assert {"loc": ["body", field], "msg": "contains a control character"} in (
        body["error"]["details"]
    )


@pytest.mark.parametrize("op", _ops(lambda op: op.body is not None))
def test_control_characters_in_nested_text_and_keys_are_422(api, keys, op):
    status, body = send(api, keys, op, body={"x": [{"y": "\u0001"}], "k\u0002": 1})
    assert status == 422, body
    locations = [d["loc"] for d in body["error"]["details"]]
    assert ["body", "x", 0, "y"] in locations and ["body", "k\u0002"] in locations


@pytest.mark.parametrize("op", _ops(lambda op: _field_of_type(op, {"boolean"}) is not None))
@pytest.mark.parametrize("value", ["true", "yes", 1])
def test_booleans_are_json_booleans(api, keys, op, value):
    field = _field_of_type(op, {"boolean"})
    status, body = send(api, keys, op, body={field: value})
    assert status == 422, body
    assert ["body", field] in [d["loc"] for d in body["error"]["details"]]


@pytest.mark.parametrize("op", _ops(lambda op: _field_of_type(op, {"integer"}) is not None))
@pytest.mark.parametrize("value", ["5", True, 5.5])
def test_integers_are_json_integers(api, keys, op, value):
    field = _field_of_type(op, {"integer"})
    status, body = send(api, keys, op, body={field: value})
    assert status == 422, body
    assert ["body", field] in [d["loc"] for d in body["error"]["details"]]


@pytest.mark.parametrize("op", _ops(lambda op: op.body is not None))
def test_unknown_body_fields_are_422(api, keys, op):
    status, body = send(api, keys, op, body={"no_such_field": 1})
    assert status == 422, body
    assert ["body", "no_such_field"] in [d["loc"] for d in body["error"]["details"]]


@pytest.mark.parametrize("op", _ops(lambda op: op.body is None and op.method != "GET"))
def test_an_operation_without_a_body_takes_none(api, keys, op):
    status, body = send(api, keys, op, body={"anything": 1})
    assert status == 422, body


@pytest.mark.parametrize("op", _ops())
def test_unknown_query_parameters_are_422_with_the_request_id(api, keys, op):
    status, body = send(
        api, keys, op, query="created_gte=2030-01-01", headers={"X-Request-Id": "r-1"}
    )
    assert status == 422, body
    assert body["error"]["details"][0]["loc"] == ["query", "created_gte"]
    assert body["request_id"] == body["error"]["request_id"] == "r-1"


@pytest.mark.parametrize("op", _ops(lambda op: op.query is not None))
def test_a_repeated_query_parameter_is_422(api, keys, op):
    name = next(iter(op.query.model_fields))
    status, body = send(api, keys, op, query=f"{name}=a&{name}=b")
    assert status == 422, body
    assert body["error"]["details"][0]["loc"] == ["query", name]


@pytest.mark.parametrize("op", _ops(lambda op: op.query is not None))
def test_control_characters_in_query_values_are_422(api, keys, op):
    name = next(field.alias or n for n, field in op.query.model_fields.items())  # `from`
    status, body = send(api, keys, op, query=f"{name}=a%07b")
    assert status == 422, body
    assert body["error"]["details"][0]["msg"] == "contains a control character"


@pytest.mark.parametrize("op", _ops(_has_cursor))
def test_a_cursor_of_another_type_is_422(api, keys, op):
    other = "cus" if op.cursor != "cus" else "ctr"
    status, body = send(api, keys, op, query=f"starting_after={other}_{'0' * 26}")
    assert status == 422, body
    assert body["error"]["details"][0]["loc"] == ["query", "starting_after"]


@pytest.mark.parametrize("op", _ops(lambda op: op.method == "PATCH"))
def test_an_empty_patch_is_422(api, keys, op):
    status, body = send(api, keys, op, body={})
    assert status == 422, body
    assert body["error"]["details"][0]["loc"] == ["body"]


@pytest.mark.parametrize("op", _ops(lambda op: op.roles is not None))
def test_every_error_carries_the_request_id(api, op):
    path = re.sub(r"{\w+}", PLACEHOLDER_ID, op.path)
    response = api.call(op.method, path, None)
    body = json.loads(response.body)
    assert response.status_code == 401
    assert body["request_id"] == body["error"]["request_id"] == response.headers["X-Request-Id"]


def test_the_request_id_is_in_errors_outside_the_registry(api):
    response = api.call("GET", "/v1/no-such-route")
    assert response.status_code == 404
    body = json.loads(response.body)
    assert body["request_id"] == body["error"]["request_id"]
