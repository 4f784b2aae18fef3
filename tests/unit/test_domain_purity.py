"""chalicelib/domain stays pure: no AWS SDK, no Chalice, no environment, no clock reads."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "chalicelib" / "domain"
FORBIDDEN_MODULES = ("boto3", "botocore", "chalice", "os", "time")
CLOCK_READS = ("now", "utcnow", "today")


def _domain_modules() -> list[Path]:
    return sorted(DOMAIN.rglob("*.py"))


def _impurities(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            names = []
        found += [f"imports {name}" for name in names if name.split(".")[0] in FORBIDDEN_MODULES]
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in CLOCK_READS
        ):
            found.append(f"calls .{node.func.attr}() at line {node.lineno}")
    return found


def test_domain_packages_are_scanned():
    names = {path.relative_to(DOMAIN).as_posix() for path in _domain_modules()}
    assert {"rating/lines.py", "reference/index.py", "underwriting/decision.py"} <= names


@pytest.mark.parametrize(
    "path", _domain_modules(), ids=lambda path: path.relative_to(DOMAIN).as_posix()
)
def test_domain_module_reads_no_aws_environment_or_clock(path: Path):
    assert _impurities(path.read_text()) == []


def test_impurity_check_catches_boto3_environment_and_clock():
    source = "import boto3\nfrom os import environ\nfrom datetime import datetime\ndatetime.now()\n"
    assert _impurities(source) == [
        "imports boto3",
        "imports os",
        "calls .now() at line 4",
    ]
