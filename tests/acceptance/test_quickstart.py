"""The README's quickstart, run as written against `make run`'s stack, so it cannot rot."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import PROJECT_DIR

pytestmark = pytest.mark.acceptance


def quickstart_script() -> str:
    readme = (Path(PROJECT_DIR) / "README.md").read_text()
    section = readme[readme.index("## Quickstart") :]
    match = re.search(r"```sh\n(.*?)```", section, re.S)
    assert match, "the README's Quickstart has no sh block"
    return match.group(1)


def test_the_readme_quickstart_walks_the_whole_flow(stack):
    env = {**os.environ, "API": stack.base_url, "K": stack.platform_key}
    run = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", quickstart_script()],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.split()
    for expected in ("eligible", "active", "completed", "cancelled"):
        assert expected in lines, run.stdout
    assert "premium_estimate" in run.stdout and "refund" in run.stdout
