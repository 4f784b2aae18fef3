"""Referrals: `GET /v1/referrals/{id}` (an underwriter any; the owning platform read-only; another
platform 404), a platform's own list, and `{"id", "status"}` pointers everywhere."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.functional.conftest import ADMIN_KEY, Api, contractor_body

TODAY = datetime.now(UTC).date().isoformat()


def referred_quote(api: Api, key: str) -> dict[str, Any]:
    """A bureau mod under the guideline floor refers the quote, which opens a referral."""
    body = contractor_body(experience_mod="0.30")
    status, contractor = api.json("POST", "/v1/contractors", key, body)
    assert status == 201, contractor
    status, quote = api.json(
        "POST",
        "/v1/quotes",
        key,
        {
            "contractor": contractor["id"],
            "trade": "electrical",
            "work_state": "TX",
            "lines": ["wc"],
            "effective_date": TODAY,
            "estimated_annual_pay_cents": 3_000_000,
        },
    )
    assert (status, quote["status"]) == (201, "referred"), quote
    return dict(quote)


@pytest.fixture
def underwriter_key(api: Api) -> str:
    status, body = api.json("POST", "/v1/api-keys", ADMIN_KEY, {"role": "underwriter"})
    assert status == 201, body
    return str(body["api_key"])


def test_the_owning_platform_reads_its_referral_and_no_other_platform_does(
    api: Api, platform_key: str, other_platform_key: str, underwriter_key: str
) -> None:
    quote = referred_quote(api, platform_key)
    pointer = quote["referral"]
    assert pointer == {"id": pointer["id"], "status": "open"}
    path = f"/v1/referrals/{pointer['id']}"
    status, mine = api.json("GET", path, platform_key)
    assert (status, mine["id"], mine["quote"], mine["status"]) == (
        200,
        pointer["id"],
        quote["id"],
        "open",
    )
    assert api.json("GET", path, underwriter_key)[1] == mine
    theirs = api.json("GET", path, other_platform_key)
    unknown = api.json("GET", "/v1/referrals/ref_00000000000000000000000000", platform_key)
    assert theirs[0] == unknown[0] == 404
    assert api.json("GET", path, ADMIN_KEY)[0] == 403
    # Read-only: deciding stays the underwriter's.
    assert api.json("POST", f"{path}/approve", platform_key, {"note": "mine"})[0] == 403


def test_a_platform_lists_only_its_own_referrals(
    api: Api, platform_key: str, other_platform_key: str, underwriter_key: str
) -> None:
    mine = referred_quote(api, platform_key)["referral"]["id"]
    theirs = referred_quote(api, other_platform_key)["referral"]["id"]
    _, page = api.json("GET", "/v1/referrals", platform_key)
    assert [r["id"] for r in page["data"]] == [mine]
    _, page = api.json("GET", "/v1/referrals?status=open", other_platform_key)
    assert [r["id"] for r in page["data"]] == [theirs]
    _, page = api.json("GET", "/v1/referrals?status=approved", platform_key)
    assert page["data"] == []
    _, queue = api.json("GET", "/v1/referrals?status=open", underwriter_key)
    assert {mine, theirs} <= {r["id"] for r in queue["data"]}


def test_pointers_follow_the_decision(api: Api, platform_key: str, underwriter_key: str) -> None:
    quote = referred_quote(api, platform_key)
    referral = quote["referral"]["id"]
    status, _ = api.json(
        "POST", f"/v1/referrals/{referral}/approve", underwriter_key, {"note": "fine"}
    )
    assert status == 200
    _, again = api.json("GET", f"/v1/quotes/{quote['id']}", platform_key)
    assert again["referral"] == {"id": referral, "status": "approved"}
    assert api.json("GET", f"/v1/referrals/{referral}", platform_key)[1]["status"] == "approved"
