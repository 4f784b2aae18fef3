"""The published spec as generators and readers need it; new routes and fields can't regress.

Every property, parameter and operation is described; every operation has an example request
(with a body) and response; every array has `items`; one schema per model; statuses are closed
enums and machine codes open sets; every error and reason code the source gives is catalogued.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from tests.conftest import PROJECT_DIR


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    import app  # noqa: F401  (registers every route)
    from chalicelib.api.openapi import openapi_document

    return json.loads(json.dumps(openapi_document()))


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def walk(value: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(value, dict):
        yield where, value
        for key, item in value.items():
            yield from walk(item, f"{where}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, f"{where}/{index}")


def test_the_spec_is_valid_openapi_3_1(spec):
    validate(spec)
    assert spec["openapi"] == "3.1.0"


def test_one_schema_per_model(spec):
    names = spec["components"]["schemas"]
    assert [n for n in names if n.endswith(("-Input", "-Output"))] == []
    titles = [schema.get("title", name) for name, schema in names.items()]
    assert len(titles) == len(set(titles))


def test_every_array_has_items(spec):
    arrays = [where for where, node in walk(spec) if node.get("type") == "array"]
    assert arrays
    assert [
        w for w, node in walk(spec) if node.get("type") == "array" and "items" not in node
    ] == []


def test_every_property_and_parameter_is_described(spec):
    undescribed = [
        f"{name}.{prop}"
        for name, schema in spec["components"]["schemas"].items()
        for prop, value in schema.get("properties", {}).items()
        if not value.get("description", "").strip()
    ]
    undescribed += [
        f"{operation['operationId']}({parameter['name']})"
        for _, _, operation in operations(spec)
        for parameter in operation.get("parameters", [])
        if not parameter.get("description", "").strip()
    ]
    assert undescribed == []


def test_every_operation_has_a_description_error_codes_and_examples(spec):
    for _, _, operation in operations(spec):
        name = operation["operationId"]
        assert operation["summary"] and operation["description"], name
        assert operation["tags"], name
        if "requestBody" in operation:
            content = operation["requestBody"]["content"]["application/json"]
            assert "example" in content, name
        for status, answer in operation["responses"].items():
            assert answer["description"], (name, status)
            for media, content in answer.get("content", {}).items():
                if media == "application/json":
                    assert "example" in content, (name, status)
            if int(status) >= 400:
                assert answer["x-error-codes"], (name, status)
        assert "500" in operation["responses"], name


def test_examples_fit_their_schemas(spec):
    schemas = spec["components"]["schemas"]
    misfits = []
    for _, _, operation in operations(spec):
        contents = [operation.get("requestBody", {}).get("content", {})]
        contents += [answer.get("content", {}) for answer in operation["responses"].values()]
        for content in contents:
            body = content.get("application/json")
            if not body or "example" not in body:
                continue
            schema = {**body["schema"], "components": {"schemas": schemas}}
            errors = list(Draft202012Validator(schema).iter_errors(body["example"]))
            if errors:
                misfits.append((operation["operationId"], errors[0].message[:200]))
    assert misfits == []


def test_statuses_are_closed_enums_and_codes_open_sets(spec):
    schemas = spec["components"]["schemas"]
    for name in ("AssignmentOut", "QuoteOut", "PolicyOut", "ReferralOut", "CoverageOut"):
        status = schemas[name]["properties"]["status"]
        assert status.get("enum"), name
    open_sets = {
        ("ErrorBody", "code"): "malformed_json",
        ("Reason", "code"): "no_active_policy",
        ("LedgerEntryOut", "type"): "premium_estimate",
        ("EventOut", "type"): "assignment.bound",
    }
    for (name, prop), known in open_sets.items():
        schema = schemas[name]["properties"][prop]
        assert "enum" not in schema and schema["type"] == "string", name
        assert known in schema["x-extensible-enum"], name


def test_the_job_route_documents_its_202(spec):
    responses = spec["paths"]["/v1/admin/jobs/{name}"]["post"]["responses"]
    assert {"200", "202"} <= set(responses)
    assert responses["202"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/JobRunStarted"
    )


def test_security_idempotency_and_pagination_are_described(spec):
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    create = spec["paths"]["/v1/assignments"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in create["parameters"])
    listing = spec["paths"]["/v1/assignments"]["get"]
    assert {"limit", "starting_after"} <= {p["name"] for p in listing["parameters"]}
    assert "starting_after" in listing["description"]


# --- the catalogues hold every code the source gives -----------------------------------------


def _codes_in_source() -> tuple[set[str], set[str]]:
    """Error codes (a `code=` on an error, or a class's `code = ...`) and reason codes."""
    errors: set[str] = set()
    reasons: set[str] = set()
    for path in (Path(PROJECT_DIR) / "chalicelib").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                func = node.func
                called = getattr(func, "id", getattr(func, "attr", ""))
                for keyword in node.keywords:
                    value = keyword.value
                    if keyword.arg == "code" and isinstance(value, ast.Constant):
                        if called == "Reason":
                            reasons.add(str(value.value))
                        elif called in {"Conflict", "ValidationFailed", "NotFound", "Forbidden"}:
                            errors.add(str(value.value))
                if called == "error_response" and len(node.args) > 1:
                    code = node.args[1]
                    if isinstance(code, ast.Constant):
                        errors.add(str(code.value))
            if isinstance(node, ast.ClassDef):
                for statement in node.body:
                    if (
                        isinstance(statement, ast.Assign)
                        and [getattr(t, "id", "") for t in statement.targets] == ["code"]
                        and isinstance(statement.value, ast.Constant)
                    ):
                        errors.add(str(statement.value.value))
    return errors - {"error"}, reasons


def test_every_error_and_reason_code_in_the_source_is_catalogued():
    from chalicelib.api import catalogue

    errors, reasons = _codes_in_source()
    known = catalogue.open_sets()
    assert errors - set(known["error_code"]) == set()
    assert reasons - set(known["reason_code"]) == set()
    rule_codes = {reason.code for reason in catalogue.reason_codes() if reason.guidelines}
    assert "backdated" in rule_codes  # the rule files' codes come with their guideline


# --- /docs: a reference a person reads -------------------------------------------------------


@pytest.fixture(scope="module")
def page(spec) -> str:
    from chalicelib.api.docs_page import render_docs
    from chalicelib.api.openapi import openapi_document

    return render_docs(openapi_document())


def test_the_reference_page_covers_auth_idempotency_pagination_and_examples(page):
    for words in ("Bearer", "Idempotency-Key", "starting_after", "has_more", "Retry-After"):
        assert words in page, words
    assert "curl -X POST" in page and "Example response" in page
    assert 'id="search"' in page


def test_every_error_and_reason_code_and_event_type_is_on_the_page(page):
    from chalicelib.api import catalogue

    known = catalogue.open_sets()
    missing = [
        code
        for name in ("error_code", "reason_code", "event_type", "ledger_type")
        for code in known[name]
        if f"<code>{code}</code>" not in page
    ]
    assert missing == []


def test_the_page_loads_nothing_from_elsewhere(page):
    assert "<script src" not in page and "<link" not in page
    assert "cdn" not in page.lower()
