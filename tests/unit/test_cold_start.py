"""What a cold Lambda pays for: `import app` registers routes, schedules and workers, nothing more.

Request and response models, the OpenAPI builder, the request pipeline, services, adapters,
boto3, settings, reference data and the domain are imported on first use (chalicelib/lazy.py),
and no pydantic model is defined, let alone built (bench/cold_start.py times it against chalice +
boto3 + pydantic; goal <= 1.3x).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from chalicelib.api.schemas import common
from tests.conftest import PROJECT_DIR

LAZY = (
    "boto3",
    "botocore.session",  # Powertools imports the bare `botocore` package (cheap) to tag requests
    "botocore.client",
    "botocore.exceptions",
    "pydantic_settings",
    # No model is defined at import: `pydantic.BaseModel` itself is imported on first use.
    "pydantic.main",
    "pydantic.plugin._loader",
    "chalicelib.settings",
    "chalicelib.composition",
    "chalicelib.reference_data",
    "chalicelib.api.pipeline",  # what a request runs: parsing, idempotency, the error shape
    "chalicelib.api.openapi",
    "chalicelib.api.docs_page",
    "chalicelib.api.catalogue",
    "chalicelib.api.strict",
    "chalicelib.jobs.registry",
    "chalicelib.jobs.outbox",
    "chalicelib.jobs.fanout",
    "aws_xray_sdk",
)
# Whole packages that stay out, but for the few cheap modules registering needs.
LAZY_PACKAGES = {
    "chalicelib.api.schemas": set(),  # every request/response model
    "chalicelib.services": set(),
    "chalicelib.adapters": set(),  # the idempotency store, fault mapping, DynamoDB, S3...
    # The roles a route allows, and the errors every layer raises.
    "chalicelib.domain": {"chalicelib.domain.errors", "chalicelib.domain.roles"},
}


def _imported_by_import_app() -> set[str]:
    code = "import json, sys; import app; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True, check=True
    )
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_importing_the_app_imports_no_schema_service_sdk_or_model():
    imported = _imported_by_import_app()

    assert [name for name in LAZY if name in imported] == []
    for package, allowed in LAZY_PACKAGES.items():
        inside = {name for name in imported if name.startswith(f"{package}.")}
        assert inside - allowed == set(), package
    assert "chalicelib.api.assignments" in imported  # the routes themselves are registered
    assert "chalicelib.jobs.schedules" in imported  # and the scheduled functions


def test_every_operation_reads_its_models_from_its_handler():
    """Models are read when a route is first called or the spec built: every route's resolve,
    and each JSON operation answers a model (a handler's return annotation names it)."""
    import app  # noqa: F401  (registers every route)
    from chalicelib.api.http import OPERATIONS
    from chalicelib.api.schemas.common import ListOf, QueryModel, RequestModel

    assert len(OPERATIONS) > 30
    for op in OPERATIONS:
        name = f"{op.method} {op.path}"
        assert op.body is None or issubclass(op.body, RequestModel), name
        assert op.query is None or issubclass(op.query, QueryModel), name
        if op.content_type == "application/json":
            assert op.response is not None, name
        if op.listed:
            assert op.response_model is ListOf[op.response], name
    assert sum(op.body is not None for op in OPERATIONS) > 20
    assert sum(op.listed for op in OPERATIONS) > 10


def test_a_body_model_that_is_not_a_request_model_is_refused_when_read():
    """Strict input is the base models' rules: a body of another model fails its first call."""
    from chalicelib.api.http import models_of

    def handler(ctx: object, body: common.ReferralPointer) -> None:
        raise AssertionError("never called")

    with pytest.raises(TypeError, match="RequestModel"):
        models_of(handler, "/v1/anything")


def test_a_deferred_module_imports_on_first_read_and_keeps_what_it_read(tmp_path, monkeypatch):
    from chalicelib.lazy import deferred_import

    (tmp_path / "jobcover_deferred_example.py").write_text("answer = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    deferred = deferred_import("jobcover_deferred_example")
    try:
        with pytest.raises(AttributeError):
            deferred.__wrapped__  # noqa: B018  (introspection does not import)
        assert "jobcover_deferred_example" not in sys.modules

        assert deferred.answer == 42
        assert "jobcover_deferred_example" in sys.modules
        assert vars(deferred)["answer"] == 42  # read once, then a plain attribute
    finally:
        sys.modules.pop("jobcover_deferred_example", None)


def _deferred_pairs(source: str) -> list[tuple[str, str, str]]:
    """(name, module its type names, module it defers) for each `if TYPE_CHECKING: ... else:`
    pair of a module's source."""
    import ast

    pairs = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"):
            continue
        typed = {}
        for statement in node.body:
            if isinstance(statement, ast.ImportFrom):
                for alias in statement.names:
                    typed[alias.asname or alias.name] = f"{statement.module}.{alias.name}"
            elif isinstance(statement, ast.Import):
                for alias in statement.names:
                    typed[alias.asname or alias.name] = alias.name
        for statement in node.orelse:
            if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call):
                (target,) = statement.targets
                (argument,) = statement.value.args
                assert isinstance(target, ast.Name) and isinstance(argument, ast.Constant)
                pairs.append((target.id, typed.get(target.id, "?"), argument.value))
    return pairs


def test_each_deferred_module_is_the_module_its_type_names():
    """mypy reads the TYPE_CHECKING import, the program the `deferred_import` beside it: the
    two must name the same module."""
    from pathlib import Path

    sources = sorted(Path(PROJECT_DIR, "chalicelib").rglob("*.py"))
    pairs = [pair for path in sources for pair in _deferred_pairs(path.read_text())]

    assert len(pairs) > 10
    assert [(name, typed, deferred) for name, typed, deferred in pairs if typed != deferred] == []
