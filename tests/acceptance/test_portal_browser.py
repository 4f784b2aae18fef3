"""The portal in a real browser: Debian's Chromium, headless, driven by Playwright against `make
run`'s stack over HTTP on loopback. Sign in, see a bound assignment and its premium, download its
certificate, export the ledger, approve a referral as the underwriter and see the dispatch bound;
every view checked by axe-core (vendored: tests/acceptance/fixtures) and photographed into
build/test-artifacts/portal/ to look at."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.answers import CLEAN_ANSWERS
from tests.conftest import PROJECT_DIR

pytestmark = pytest.mark.acceptance

ARTIFACTS = Path(PROJECT_DIR) / "build" / "test-artifacts" / "portal"
AXE = Path(__file__).parent / "fixtures" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
FIRST_LOAD_LIMIT = 150 * 1024
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


# -- the data a dispatcher and an underwriter look at ---------------------------------------------
def _ok(answer: Any, status: int = 201) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _contractor(stack, key, name: str, external_id: str) -> str:
    body = {
        "external_id": external_id,
        "legal_name": name,
        "entity_type": "sole_proprietor",
        "tin_type": "ssn",
        "tin": "123-45-6789",
        "has_employees": False,
        "email": "tech@example.com",
        "address": {"line1": "3 Oak", "city": "Trenton", "state": "NJ", "postal_code": "08608"},
        "years_in_business": 6,
        "experience_mod": "1.00",
    }
    return str(_ok(stack.call("POST", "/v1/contractors", key, json=body))["id"])


def _opt_in(stack, key, contractor: str, effective: str, underwriter: str | None = None) -> None:
    quote = _ok(
        stack.call(
            "POST",
            "/v1/quotes",
            key,
            json={
                "contractor": contractor,
                "trade": "hvac",
                "work_state": "NJ",
                "lines": ["wc", "gl"],
                "effective_date": effective,
                "estimated_annual_pay_cents": 4_000_000,
                "operations": CLEAN_ANSWERS,
            },
        )
    )
    if quote["status"] == "referred":
        assert underwriter is not None
        ref = quote["referral"]["id"]
        _ok(stack.call("POST", f"/v1/referrals/{ref}/approve", underwriter, json={}), 200)
    _ok(stack.call("POST", "/v1/policies", key, json={"quote": quote["id"], "accept_terms": True}))


def _dispatch(stack, key, contractor: str, external_id: str, start: datetime) -> dict[str, Any]:
    return _ok(
        stack.call(
            "POST",
            "/v1/assignments",
            key,
            json={
                "external_id": external_id,
                "contractor": contractor,
                "trade": "hvac",
                "description": "Replace a condenser fan motor",
                "work_address": {
                    "line1": "12 Job St",
                    "city": "Newark",
                    "state": "NJ",
                    "postal_code": "07102",
                },
                "window": {
                    "start": start.isoformat(),
                    "end": (start + timedelta(hours=72)).isoformat(),
                },
                "pay": {"amount_cents": 42_500, "basis": "flat"},
                "lines": ["wc", "gl"],
            },
        )
    )


@pytest.fixture(scope="module")
def world(stack) -> dict[str, Any]:
    platform = _ok(stack.call("POST", "/v1/platforms", stack.admin_key, json={"name": "Portal Co"}))
    key = platform["api_key"]
    underwriter = _ok(
        stack.call("POST", "/v1/api-keys", stack.admin_key, json={"role": "underwriter"})
    )["api_key"]
    today = datetime.now(UTC).date()
    on_time = _contractor(stack, key, "Dana Reyes", "tech-portal-1")
    _opt_in(stack, key, on_time, today.isoformat())
    tomorrow = datetime.now(UTC).replace(hour=14, minute=0, second=0, microsecond=0)
    bound = _dispatch(stack, key, on_time, "WO-1001", tomorrow + timedelta(days=1))
    assert bound["status"] == "bound", bound
    # A policy that began five days ago (the underwriter approved the backdated start), and a
    # dispatch whose window opened yesterday: referred to the underwriter.
    late = _contractor(stack, key, "Sam Ortiz", "tech-portal-2")
    _opt_in(stack, key, late, (today - timedelta(days=5)).isoformat(), underwriter)
    referred = _dispatch(stack, key, late, "WO-1002", tomorrow - timedelta(days=1))
    assert referred["status"] == "referred", referred
    return {"key": key, "underwriter": underwriter, "bound": bound, "referred": referred}


# -- the browser ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make chromium` installs it")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser) -> Iterator[Any]:
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    yield tab
    context.close()


def shoot(page, name: str) -> Path:
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_check(page, name: str) -> list[dict[str, Any]]:
    """axe-core in the page (evaluated over the DevTools protocol, so the portal's CSP stays on);
    the results kept next to the screenshots. Any violation fails."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    results = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG
    )
    (ARTIFACTS / f"{name}.axe.json").write_text(
        json.dumps(
            {"violations": results["violations"], "passes": len(results["passes"])}, indent=1
        )
    )
    summary = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in results["violations"]
    ]
    assert results["violations"] == [], summary
    assert results["passes"], "axe ran no rule"
    return list(results["passes"])


def sign_in(page, base_url: str, key: str) -> None:
    page.goto(f"{base_url}/portal")
    page.get_by_label("API key").fill(key)
    page.keyboard.press("Enter")  # the form works from the keyboard


# -- the dispatcher -------------------------------------------------------------------------------
def test_first_load_is_light_and_accessible(stack, page):
    loaded: list[Any] = []
    page.on("requestfinished", lambda request: loaded.append(request))
    page.goto(f"{stack.base_url}/portal", wait_until="networkidle")
    page.get_by_role("heading", name="Sign in").wait_for()
    total = 0
    for request in loaded:
        sizes = request.sizes()
        total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
    urls = sorted(request.url for request in loaded)
    (ARTIFACTS / "first-load.json").write_text(json.dumps({"bytes": total, "requests": urls}))
    assert all(url.startswith(stack.base_url) for url in urls), urls  # no CDN
    assert 0 < total <= FIRST_LOAD_LIMIT, total
    # Keyboard: the skip link comes first, the key field is labelled and focused.
    assert page.evaluate("() => document.activeElement.id") == "api-key"
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to content"
    axe_check(page, "signin")
    shoot(page, "signin")


def test_a_wrong_key_is_refused_in_place(stack, page):
    sign_in(page, stack.base_url, "jcp_not_a_key")
    page.get_by_role("alert").filter(has_text="not accepted").wait_for()
    assert page.evaluate("() => sessionStorage.length") == 0
    axe_check(page, "signin-error")
    shoot(page, "signin-error")


def test_dispatcher_sees_the_bound_assignment_and_downloads_its_certificate(stack, page, world):
    bound = world["bound"]
    sign_in(page, stack.base_url, world["key"])
    row = page.get_by_role("row").filter(has_text="WO-1001")
    row.wait_for()
    assert "bound" in row.inner_text()
    premium = f"${bound['premium_cents'] / 100:,.2f}"
    assert premium in row.inner_text()
    assert "class " + bound["coverage"]["wc"]["class_code"] in row.inner_text()
    named = row.get_by_title(bound["contractor"])  # the contractor by name; the id on hover
    named.filter(has_text="Dana Reyes").wait_for()
    # The key lives in this tab's sessionStorage only: never in the URL or localStorage.
    assert world["key"] not in page.url
    assert page.evaluate("() => sessionStorage.getItem('jobcover.key')") == world["key"]
    assert page.evaluate("() => localStorage.length") == 0
    axe_check(page, "assignments")
    shoot(page, "assignments")

    page.get_by_role("link", name="WO-1001").click()
    page.get_by_role("heading", name="Assignment WO-1001").wait_for()
    page.get_by_role("table", name="Ledger entries").wait_for()
    assert premium in page.locator("main").inner_text()
    with page.expect_download() as caught:
        page.get_by_role("button", name="Download certificate (PDF)").click()
    download = caught.value
    saved = ARTIFACTS / download.suggested_filename
    download.save_as(str(saved))
    assert saved.read_bytes().startswith(b"%PDF"), saved
    assert download.suggested_filename.startswith(bound["certificate"]["number"])
    axe_check(page, "assignment")
    shoot(page, "assignment")


def test_filters_chart_and_csv_export(stack, page, world):
    sign_in(page, stack.base_url, world["key"])
    page.get_by_role("row").filter(has_text="WO-1001").wait_for()
    page.get_by_label("Work state").fill("PA")
    page.get_by_role("button", name="Apply filters").click()
    page.get_by_text("No assignments match these filters.").wait_for()
    assert "state=PA" in page.url
    axe_check(page, "assignments-empty")

    page.get_by_role("link", name="Premium").click()
    chart = page.locator("svg.chart")
    chart.wait_for()
    assert chart.get_attribute("role") == "img"
    assert page.locator("svg.chart rect.bar").count() == 30
    by_contractor = page.get_by_role("table", name="Premium by contractor, largest first")
    assert "Dana Reyes" in by_contractor.inner_text()
    with page.expect_download() as caught:
        page.get_by_role("button", name="Export ledger as CSV").click()
    saved = ARTIFACTS / caught.value.suggested_filename
    caught.value.save_as(str(saved))
    csv = saved.read_text()
    assert csv.startswith("id,at,type,amount_cents,amount,assignment")
    assert world["bound"]["id"] in csv
    page.get_by_text("Exported").wait_for()
    axe_check(page, "premium")
    shoot(page, "premium")

    page.get_by_role("link", name="Policies").click()
    policies = page.get_by_role("table", name="Policies, newest first")
    policies.wait_for()
    policies.get_by_text("Sam Ortiz").first.wait_for()
    policies.get_by_role("link").first.click()
    page.get_by_role("heading", name="Term events").wait_for()
    axe_check(page, "policy")
    shoot(page, "policy")

    page.get_by_role("link", name="Referrals").click()
    referrals = page.get_by_role("table", name="Referrals, newest first")
    referrals.get_by_text("Sam Ortiz").first.wait_for()
    assert world["referred"]["referral"]["id"] in page.locator("main").inner_text()
    axe_check(page, "referrals")
    shoot(page, "referrals")


# -- the underwriter ------------------------------------------------------------------------------
def test_underwriter_approves_the_referral_and_the_dispatch_binds(stack, browser, world):
    referral = world["referred"]["referral"]["id"]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, stack.base_url, world["underwriter"])
        page.get_by_role("heading", name="Referral queue").wait_for()
        page.get_by_role("link", name=referral).click()
        page.get_by_role("heading", name=f"Referral {referral}").wait_for()
        reasons = page.locator("li.reason")
        assert reasons.count() >= 1
        assert page.locator("li.reason blockquote").count() >= 1  # the guideline's own sentence
        assert "Guideline:" in reasons.first.inner_text()
        axe_check(page, "referral")
        shoot(page, "referral")

        page.get_by_label("Note (kept with the decision)").fill("Tech was on site; backdate ok.")
        page.get_by_role("button", name="Approve").click()
        done = page.get_by_role("status").filter(has_text="is bound")
        done.wait_for()
        assert world["referred"]["id"] in done.inner_text()
        axe_check(page, "referral-approved")
        shoot(page, "referral-approved")

        page.get_by_role("link", name="Certificate reviews").click()
        page.get_by_role("heading", name="Certificate reviews").wait_for()
        page.get_by_text("No certificates wait for review.").wait_for()
        axe_check(page, "reviews")
    finally:
        context.close()

    check = browser.new_context()
    page = check.new_page()
    try:
        sign_in(page, stack.base_url, world["key"])
        row = page.get_by_role("row").filter(has_text="WO-1002")
        row.wait_for()
        assert "bound" in row.inner_text()
        shoot(page, "assignments-after-approval")
    finally:
        check.close()


def test_the_accessibility_check_can_fail(page):
    """The checker is live: a field without a label and grey-on-grey text are violations."""
    page.set_content(
        '<!doctype html><html lang="en"><head><title>bad</title></head><body><main>'
        '<h1>Bad page</h1><input type="text"><p style="color:#bbb;background:#ccc">faint</p>'
        "</main></body></html>"
    )
    with pytest.raises(AssertionError) as caught:
        axe_check(page, "negative-control")
    assert "label" in str(caught.value) and "color-contrast" in str(caught.value)
