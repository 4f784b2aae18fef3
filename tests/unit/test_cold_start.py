"""What a cold Lambda pays for: `import app` registers routes and their schemas, nothing more.

Services, adapters, boto3, settings and reference data are imported on first use, and no pydantic
model is built (bench/cold_start.py times it against chalice + boto3 + pydantic; goal <= 1.3x).
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import PROJECT_DIR

LAZY = (
    "boto3",
    "botocore.session",  # Powertools imports the bare `botocore` package (cheap) to tag requests
    "botocore.client",
    "pydantic_settings",
    "chalicelib.settings",
    "chalicelib.services.assignments",
    "chalicelib.services.quotes",
    "chalicelib.adapters.dynamodb.table",
    "chalicelib.reference_data",
    "aws_xray_sdk",
    # The domain behind the schemas: field types are `Imported` when their model is first built.
    "chalicelib.domain.routing",
    "chalicelib.domain.rating",
    "chalicelib.domain.assignments",
    "chalicelib.domain.policies",
    "chalicelib.domain.underwriting",
    # Building any model loads pydantic's plugins: no model is built at import (list responses
    # are parametrised when the spec is built: `listed=True`).
    "pydantic.plugin._loader",
)


def test_importing_the_app_imports_no_service_sdk_or_model_build():
    code = "import json, sys; import app; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True, check=True
    )
    imported = set(json.loads(out.stdout.splitlines()[-1]))

    assert [name for name in LAZY if name in imported] == []
    assert "chalicelib.api.assignments" in imported  # the routes themselves are registered
