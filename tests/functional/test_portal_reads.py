"""What the portal reads, as public API: assignments by state and date, the ledger by date with its
summary, a policy's payments, a platform's own referrals, and the portal page itself."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.functional.conftest import ADMIN_KEY
from tests.functional.test_assignments import TODAY, dispatch, opted_in, window
from tests.functional.test_dispatch_referrals import backdated_tech, referred_job, underwriter
from tests.functional.test_policies_and_errors import california_quote

__all__ = ["backdated_tech", "california_quote", "opted_in", "underwriter"]


def listed(api, key, path):
    status, body = api.json("GET", path, key)
    assert status == 200, body
    return body


@pytest.fixture
def three_jobs(api, platform_key, opted_in):
    """NJ tomorrow, PA in three days, NJ in ten days (all bound)."""
    contractor = opted_in["contractor"]
    jobs = [
        dispatch(api, platform_key, contractor, "nj-1", "NJ", window=window(1))[1],
        dispatch(api, platform_key, contractor, "pa-1", "PA", window=window(3))[1],
        dispatch(api, platform_key, contractor, "nj-2", "NJ", window=window(10))[1],
    ]
    assert all(job["status"] == "bound" for job in jobs), jobs
    return jobs


def ids(page):
    return [item["id"] for item in page["data"]]


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


def test_assignments_by_work_state_newest_window_first(api, platform_key, three_jobs):
    nj = listed(api, platform_key, "/v1/assignments?state=nj")
    assert ids(nj) == [three_jobs[2]["id"], three_jobs[0]["id"]]
    assert ids(listed(api, platform_key, "/v1/assignments?state=PA")) == [three_jobs[1]["id"]]
    assert listed(api, platform_key, "/v1/assignments?state=TX")["data"] == []


def test_assignments_by_window_start_date(api, platform_key, three_jobs):
    first_week = listed(api, platform_key, f"/v1/assignments?from={day(0)}&to={day(5)}")
    assert ids(first_week) == [three_jobs[1]["id"], three_jobs[0]["id"]]
    later = listed(api, platform_key, f"/v1/assignments?from={day(4)}")
    assert ids(later) == [three_jobs[2]["id"]]
    both = listed(api, platform_key, f"/v1/assignments?state=NJ&to={day(5)}")
    assert ids(both) == [three_jobs[0]["id"]]
    none = listed(api, platform_key, f"/v1/assignments?from={day(0)}&status=cancelled")
    assert none["data"] == []


def test_assignment_date_pages_follow_the_cursor(api, platform_key, three_jobs):
    path = f"/v1/assignments?from={day(-1)}&to={day(30)}&limit=1"
    pages, cursor = [], None
    while True:
        page = listed(api, platform_key, path + (f"&starting_after={cursor}" if cursor else ""))
        pages += ids(page)
        if not page["has_more"]:
            break
        cursor = page["data"][-1]["id"]
    assert pages == [job["id"] for job in reversed(three_jobs)]


def test_a_cursor_from_another_list_is_a_422(api, platform_key, three_jobs):
    status, body = api.json(
        "GET", f"/v1/assignments?state=PA&starting_after={three_jobs[0]['id']}", platform_key
    )
    assert status == 422, body


def test_date_ranges_are_ordered_and_bounded(api, platform_key):
    for query in (f"from={day(2)}&to={day(1)}", f"from={day(0)}&to={day(400)}", "from=2026-13-01"):
        status, body = api.json("GET", f"/v1/assignments?{query}", platform_key)
        assert status == 422, (query, body)
        assert body["error"]["code"] == "validation_error"
    status, _ = api.json("GET", "/v1/assignments?state=ZZ", platform_key)
    assert status == 422


def test_ledger_by_date_and_its_summary(api, platform_key, opted_in, three_jobs):
    everything = listed(api, platform_key, "/v1/ledger?limit=100")
    assert everything["total_cents"] > 0
    dated = listed(api, platform_key, f"/v1/ledger?from={day(0)}&to={day(0)}&limit=2")
    assert dated["total_cents"] == everything["total_cents"]
    assert len(dated["data"]) == 2 and dated["has_more"] is True
    rest = listed(
        api,
        platform_key,
        f"/v1/ledger?from={day(0)}&limit=100&starting_after={dated['data'][-1]['id']}",
    )
    assert len(dated["data"]) + len(rest["data"]) == len(everything["data"])
    assert listed(api, platform_key, f"/v1/ledger?from={day(1)}")["total_cents"] == 0
    one = three_jobs[1]["id"]
    by_assignment = listed(api, platform_key, f"/v1/ledger?assignment={one}&from={day(0)}")
    assert by_assignment["total_cents"] == three_jobs[1]["premium_cents"]
    assert listed(api, platform_key, f"/v1/ledger?assignment={one}&to={day(-1)}")["data"] == []

    by_day = listed(
        api, platform_key, f"/v1/ledger/summary?group_by=day&from={day(-2)}&to={day(0)}"
    )
    assert [row["group"] for row in by_day["data"]] == [day(-2), day(-1), day(0)]
    assert by_day["data"][-1]["total_cents"] == everything["total_cents"] == by_day["total_cents"]
    assert by_day["from"] == day(-2) and by_day["to"] == day(0)
    by_contractor = listed(api, platform_key, "/v1/ledger/summary?group_by=contractor")
    assert by_contractor["data"] == [
        {
            "group": opted_in["contractor"],
            "name": "Dana Reyes",
            "total_cents": everything["total_cents"],
            "entries": len(everything["data"]),
        }
    ]
    status, _ = api.json("GET", "/v1/ledger/summary?group_by=week", platform_key)
    assert status == 422


def test_another_platform_sees_none_of_it(api, platform_key, other_platform_key, three_jobs):
    assert listed(api, other_platform_key, "/v1/assignments?state=NJ")["data"] == []
    assert listed(api, other_platform_key, f"/v1/ledger?from={day(0)}")["total_cents"] == 0
    summary = listed(api, other_platform_key, "/v1/ledger/summary")
    assert summary["total_cents"] == 0 and len(summary["data"]) == 30


def test_policy_payments_listed_newest_first(
    api, platform_key, other_platform_key, underwriter, california_quote
):
    referral = california_quote["referral"]["id"]
    api.json("POST", f"/v1/referrals/{referral}/approve", underwriter, {"note": "ok"})
    _, policy = api.json(
        "POST",
        "/v1/policies",
        platform_key,
        {"quote": california_quote["id"], "accept_terms": True},
    )
    made = []
    for cents in (1000, 2500):
        status, payment = api.json(
            "POST",
            f"/v1/policies/{policy['id']}/payments",
            platform_key,
            {"amount_cents": cents, "reference": f"ach-{cents}"},
        )
        assert status == 201, payment
        made.append(payment["id"])
    page = listed(api, platform_key, f"/v1/policies/{policy['id']}/payments")
    assert ids(page) == list(reversed(made))
    assert page["data"][0]["amount_cents"] == 2500
    first = listed(api, platform_key, f"/v1/policies/{policy['id']}/payments?limit=1")
    assert first["has_more"] is True
    status, _ = api.json("GET", f"/v1/policies/{policy['id']}/payments", other_platform_key)
    assert status == 404


def test_a_platform_reads_its_own_referrals(
    api, platform_key, other_platform_key, underwriter, backdated_tech
):
    job = referred_job(api, platform_key, backdated_tech, "late-1")
    job = {**job, "referral": job["referral"]["id"]}  # the pointer's id
    own = listed(api, platform_key, "/v1/referrals")
    assert job["referral"] in ids(own)
    assert all(r["platform"] == own["data"][0]["platform"] for r in own["data"])
    opened = listed(api, platform_key, "/v1/referrals?status=open")
    assert ids(opened) == [job["referral"]]
    assert ids(listed(api, platform_key, f"/v1/referrals?assignment={job['id']}")) == [
        job["referral"]
    ]
    assert listed(api, other_platform_key, "/v1/referrals")["data"] == []
    assert listed(api, other_platform_key, f"/v1/referrals?assignment={job['id']}")["data"] == []
    status, _ = api.json("GET", f"/v1/referrals/{job['referral']}", other_platform_key)
    assert status == 404
    status, _ = api.json("POST", f"/v1/referrals/{job['referral']}/approve", platform_key, {})
    assert status == 403

    detail = listed(api, platform_key, f"/v1/referrals/{job['referral']}")
    assert detail["outcome"]["assignment"]["status"] == "referred"
    assert detail["guidelines"], detail
    assert all(g["quote"] for g in detail["guidelines"]), detail["guidelines"]

    status, _ = api.json(
        "POST", f"/v1/referrals/{job['referral']}/approve", underwriter, {"note": "on site"}
    )
    assert status == 200
    seen = listed(api, underwriter, f"/v1/referrals/{job['referral']}")
    assert seen["status"] == "approved"
    assert seen["outcome"]["assignment"]["status"] == "bound"
    assert seen["outcome"]["assignment"]["premium_cents"] > 0


def test_the_new_reads_are_in_the_spec(api):
    status, spec = api.json("GET", "/openapi.json")
    assert status == 200
    paths = spec["paths"]
    assert "get" in paths["/v1/ledger/summary"]
    assert "get" in paths["/v1/policies/{policy_id}/payments"]
    assert "get" in paths["/v1/referrals/{referral_id}"]
    names = {p["name"] for p in paths["/v1/assignments"]["get"]["parameters"]}
    assert {"state", "from", "to", "status", "contractor"} <= names
    names = {p["name"] for p in paths["/v1/ledger"]["get"]["parameters"]}
    assert {"from", "to"} <= names


def test_the_portal_is_served_by_the_app_without_a_cdn(api):
    page = api.call("GET", "/portal")
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    html = page.body.decode()
    assert "/portal/portal.js" in html and "/portal/portal.css" in html
    assert "http://" not in html and "https://" not in html
    script = api.call("GET", "/portal/portal.js")
    assert script.status_code == 200 and "sessionStorage" in script.body.decode()
    assert "localStorage" not in script.body.decode()
    assert api.call("GET", "/portal/secrets.txt").status_code == 404


def test_admin_keys_cannot_list_platform_referrals_anonymously(api):
    status, _ = api.json("GET", "/v1/referrals")
    assert status == 401
    status, _ = api.json("GET", "/v1/referrals", ADMIN_KEY)
    assert status == 403
