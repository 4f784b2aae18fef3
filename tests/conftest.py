"""Shared fixtures. Functional tests run the app on moto through chalice's test client."""

from __future__ import annotations

import os

import pytest

from tests import aws_calls

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Record the service's AWS calls for the least-privilege test (tests/aws_calls.py).
aws_calls.install()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The least-privilege test reads what every other test recorded: it runs last."""
    last = [item for item in items if item.get_closest_marker("after_all")]
    items[:] = [item for item in items if not item.get_closest_marker("after_all")] + last


@pytest.fixture(autouse=True, scope="session")
def _fake_aws_environment() -> None:
    """No real AWS, ever: fake credentials, a region, and no endpoint redirects."""
    for name in list(os.environ):
        if name.startswith("AWS_ENDPOINT_URL") or name in {"AWS_PROFILE", "AWS_SESSION_TOKEN"}:
            del os.environ[name]
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_TRACE_DISABLED": "true",
        }
    )
