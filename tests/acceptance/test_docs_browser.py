"""/docs in a real browser (Debian's Chromium, headless, over HTTP on loopback): the reference a
platform engineer reads renders without any external asset, finds an operation, and is
photographed into build/test-artifacts/docs/ to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.acceptance.test_portal_browser import browser, page  # noqa: F401
from tests.conftest import PROJECT_DIR

pytestmark = pytest.mark.acceptance

ARTIFACTS = Path(PROJECT_DIR) / "build" / "test-artifacts" / "docs"


def test_the_reference_renders_offline_and_finds_an_operation(stack, page: Any) -> None:  # noqa: F811
    base = f"http://127.0.0.1:{stack.port}"
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    answer = page.goto(f"{base}/docs")
    assert answer is not None and answer.status == 200
    # Everything the page loads comes from the service itself (machines here have no internet).
    assert requested and all(url.startswith(base) for url in requested), requested
    for words in ("Bearer", "Idempotency-Key", "starting_after", "POST /v1/assignments"):
        assert page.get_by_text(words, exact=False).first.is_visible() or words in page.content()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "docs-top.png"))
    search = page.get_by_role("searchbox")
    if search.count():
        search.first.fill("ledger summary")
        page.screenshot(path=str(ARTIFACTS / "docs-search.png"))
    page.screenshot(path=str(ARTIFACTS / "docs-full.png"), full_page=True)
