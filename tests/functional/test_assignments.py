"""Opt in once, cover every dispatch: policies, assignments, ledger, on moto."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.functional.conftest import contractor_body, customer_body, quote_body

TODAY = datetime.now(UTC).date()


def window(days_from_now: int = 1, hours: int = 4) -> dict[str, str]:
    start = datetime.now(UTC).replace(hour=14, minute=0, second=0, microsecond=0) + timedelta(
        days=days_from_now
    )
    return {"start": start.isoformat(), "end": (start + timedelta(hours=hours)).isoformat()}


def address(state: str) -> dict[str, str]:
    postal = {"NJ": "07102", "PA": "19103", "OH": "43215", "CA": "94103", "TX": "78701"}[state]
    return {"line1": "12 Job St", "city": "Somewhere", "state": state, "postal_code": postal}


@pytest.fixture
def opted_in(api, platform_key):
    """A tech who opted in: contractor, eligible quote for WC + GL, and the policy."""
    contractor = api.json("POST", "/v1/contractors", platform_key, contractor_body())[1]["id"]
    status, quote = api.json("POST", "/v1/quotes", platform_key, quote_body(contractor))
    assert quote["status"] == "eligible", quote
    status, policy = api.json(
        "POST", "/v1/policies", platform_key, {"quote": quote["id"], "accept_terms": True}
    )
    assert status == 201, policy
    return {"contractor": contractor, "policy": policy, "quote": quote}


def dispatch(api, key, contractor, external_id="job-1", state="NJ", **overrides):
    body = {
        "external_id": external_id,
        "contractor": contractor,
        "trade": "hvac",
        "work_address": address(state),
        "window": window(),
        "pay": {"amount_cents": 40_000, "basis": "flat"},
        "lines": ["wc", "gl"],
    }
    body.update(overrides)
    return api.json("POST", "/v1/assignments", key, body)


def ledger(api, key, **filters):
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    return api.json("GET", f"/v1/ledger?{query}", key)[1]


def test_policy_from_an_eligible_quote_is_active_per_dispatch(opted_in):
    policy = opted_in["policy"]
    assert policy["status"] == "active"
    assert set(policy["lines"]) == {"wc", "gl"}
    assert policy["lines"]["wc"]["program"] == "multistate-wc"
    assert policy["auto_renew"] is True
    assert policy["balance_due_cents"] == 0
    assert policy["number"].startswith("JC-")


def test_a_quote_binds_once(api, platform_key, opted_in):
    again = api.json(
        "POST",
        "/v1/policies",
        platform_key,
        {"quote": opted_in["quote"]["id"], "accept_terms": True},
    )
    assert again[0] == 409
    assert again[1]["error"]["details"][0]["id"] == opted_in["policy"]["id"]


def test_declined_quote_cannot_become_a_policy(api, platform_key):
    contractor = api.json("POST", "/v1/contractors", platform_key, contractor_body())[1]["id"]
    _, quote = api.json(
        "POST", "/v1/quotes", platform_key, quote_body(contractor, work_state="OH", lines=["wc"])
    )
    assert quote["status"] == "declined"
    status, body = api.json(
        "POST", "/v1/policies", platform_key, {"quote": quote["id"], "accept_terms": True}
    )
    assert status == 409
    assert body["error"]["code"] == "quote_not_bindable"


def test_terms_must_be_accepted(api, platform_key, opted_in):
    status, _ = api.json(
        "POST",
        "/v1/policies",
        platform_key,
        {"quote": opted_in["quote"]["id"], "accept_terms": False},
    )
    assert status == 422


def test_assignment_binds_and_books_premium_per_line(api, platform_key, opted_in):
    status, body = dispatch(api, platform_key, opted_in["contractor"])
    assert status == 201, body
    assert body["status"] == "bound"
    wc = body["coverage"]["wc"]
    assert wc["policy"] == opted_in["policy"]["id"]
    assert (wc["state"], wc["class_code"]) == ("NJ", "5537")
    expected_wc = round(40_000 * float(wc["rate_per_100"]) / 100)
    assert wc["premium_cents"] == expected_wc
    assert body["premium_cents"] == wc["premium_cents"] + body["coverage"]["gl"]["premium_cents"]
    entries = ledger(api, platform_key, assignment=body["id"])
    assert entries["total_cents"] == body["premium_cents"]
    assert {e["type"] for e in entries["data"]} == {"premium_estimate"}


def test_same_policy_rates_the_next_job_by_its_own_state(api, platform_key, opted_in):
    _, nj = dispatch(api, platform_key, opted_in["contractor"], "nj-job", "NJ")
    _, pa = dispatch(api, platform_key, opted_in["contractor"], "pa-job", "PA")
    assert nj["coverage"]["wc"]["policy"] == pa["coverage"]["wc"]["policy"]
    assert nj["coverage"]["wc"]["state"] == "NJ"
    assert pa["coverage"]["wc"]["state"] == "PA"
    assert nj["coverage"]["wc"]["class_code"] != pa["coverage"]["wc"]["class_code"]


def test_monopolistic_state_leaves_wc_uncovered_and_binds_gl(api, platform_key, opted_in):
    _, body = dispatch(api, platform_key, opted_in["contractor"], state="OH")
    assert body["status"] == "partial"
    assert body["coverage"]["wc"]["status"] == "uncovered"
    assert [r["code"] for r in body["coverage"]["wc"]["reasons"]] == ["monopolistic_state"]
    assert body["coverage"]["gl"]["status"] == "bound"


def test_no_policy_means_uncovered(api, platform_key):
    contractor = api.json("POST", "/v1/contractors", platform_key, contractor_body())[1]["id"]
    status, body = dispatch(api, platform_key, contractor)
    assert status == 201
    assert body["status"] == "uncovered"
    assert body["coverage"]["wc"]["reasons"][0]["code"] == "no_active_policy"
    assert ledger(api, platform_key, assignment=body["id"])["total_cents"] == 0


def test_backdated_window_is_referred_under_multistate(api, platform_key, admin_key):
    contractor = api.json("POST", "/v1/contractors", platform_key, contractor_body())[1]["id"]
    _, quote = api.json(
        "POST",
        "/v1/quotes",
        platform_key,
        quote_body(
            contractor, lines=["wc"], effective_date=(TODAY - timedelta(days=5)).isoformat()
        ),
    )
    assert quote["status"] == "referred"  # a backdated quote needs an underwriter
    status, _ = api.json(
        "POST", "/v1/policies", platform_key, {"quote": quote["id"], "accept_terms": True}
    )
    assert status == 409  # referred and not approved: not bindable
    underwriter = api.json("POST", "/v1/api-keys", admin_key, {"role": "underwriter"})[1]["api_key"]
    api.json(
        "POST",
        f"/v1/referrals/{quote['referral']['id']}/approve",
        underwriter,
        {"note": "no losses"},
    )
    status, policy = api.json(
        "POST", "/v1/policies", platform_key, {"quote": quote["id"], "accept_terms": True}
    )
    assert status == 201
    assert policy["lines"]["wc"]["referred_and_approved"] is True
    _, body = dispatch(
        api, platform_key, contractor, window=window(days_from_now=-1, hours=72), lines=["wc"]
    )
    wc = body["coverage"]["wc"]
    assert wc["status"] == "referred"
    assert wc["reasons"][0]["code"] == "backdated"
    assert "Backdating" in wc["reasons"][0]["guideline"]

    # The dispatch's referral reaches the underwriter; approval binds the line and books it.
    assert body["status"] == "referred"
    assert ledger(api, platform_key, assignment=body["id"])["total_cents"] == 0
    _, referrals = api.json("GET", "/v1/referrals?status=open", underwriter)
    referral = next(r for r in referrals["data"] if r["assignment"] == body["id"])
    assert body["referral"] == {"id": referral["id"], "status": "open"}
    assert referral["quote"] is None
    status, _ = api.json(
        "POST", f"/v1/referrals/{referral['id']}/approve", underwriter, {"note": "no-loss letter"}
    )
    assert status == 200
    _, approved = api.json("GET", f"/v1/assignments/{body['id']}", platform_key)
    assert approved["status"] == "bound"
    assert approved["premium_cents"] == approved["coverage"]["wc"]["premium_cents"] > 0
    assert (
        ledger(api, platform_key, assignment=body["id"])["total_cents"]
        == (approved["premium_cents"])
    )

    # A declined dispatch referral leaves the line uncovered, with the reason.
    _, second = dispatch(
        api,
        platform_key,
        contractor,
        "late-2",
        window=window(days_from_now=-1, hours=72),
        lines=["wc"],
    )
    api.json(
        "POST", f"/v1/referrals/{second['referral']['id']}/decline", underwriter, {"note": "no"}
    )
    _, declined = api.json("GET", f"/v1/assignments/{second['id']}", platform_key)
    assert declined["status"] == "uncovered"
    assert "referral_declined" in [r["code"] for r in declined["coverage"]["wc"]["reasons"]]


def test_window_outside_the_policy_term_is_uncovered(api, platform_key, opted_in):
    _, body = dispatch(api, platform_key, opted_in["contractor"], window=window(days_from_now=400))
    assert body["coverage"]["wc"]["reasons"][0]["code"] == "outside_policy_term"


def test_bind_false_quotes_without_touching_the_ledger(api, platform_key, opted_in):
    _, body = dispatch(api, platform_key, opted_in["contractor"], bind=False)
    assert body["status"] == "quoted"
    assert body["coverage"]["wc"]["premium"]["total_cents"] > 0
    assert ledger(api, platform_key, assignment=body["id"])["data"] == []


def test_duplicate_external_id_is_409_pointing_at_the_first(api, platform_key, opted_in):
    _, first = dispatch(api, platform_key, opted_in["contractor"], "dup")
    status, body = dispatch(api, platform_key, opted_in["contractor"], "dup")
    assert status == 409
    assert body["error"]["details"][0]["id"] == first["id"]


def test_gl_names_the_customer_as_additional_insured_wc_never(api, platform_key, opted_in):
    customer = api.json("POST", "/v1/customers", platform_key, customer_body())[1]
    _, body = dispatch(api, platform_key, opted_in["contractor"], customer=customer["id"])
    gl = body["coverage"]["gl"]
    assert gl["additional_insureds"][0]["name"] == customer["name"]
    assert body["coverage"]["wc"]["additional_insureds"] == []


def test_waiver_not_available_in_nj_still_binds(api, platform_key, opted_in):
    customer = api.json("POST", "/v1/customers", platform_key, customer_body())[1]
    _, body = dispatch(api, platform_key, opted_in["contractor"], customer=customer["id"])
    wc = body["coverage"]["wc"]
    assert wc["status"] == "bound"
    assert "waiver_not_available" in [r["code"] for r in wc["reasons"]]


def test_specific_waiver_is_one_endorsement_per_customer_per_term_with_a_floor(
    api, platform_key, opted_in
):
    customer = api.json("POST", "/v1/customers", platform_key, customer_body())[1]["id"]
    _, first = dispatch(api, platform_key, opted_in["contractor"], "w1", "PA", customer=customer)
    _, second = dispatch(api, platform_key, opted_in["contractor"], "w2", "PA", customer=customer)
    entries = ledger(api, platform_key, contractor=opted_in["contractor"])["data"]
    wc_waiver = [e for e in entries if e["type"] == "waiver_charge" and e["line"] == "wc"]
    # WC (multistate): the customer's endorsement, max(5% x both jobs' WC premium, $250): two
    # small jobs stay at the floor, booked once on the policy, not on either job
    assert [(e["assignment"], e["amount_cents"]) for e in wc_waiver] == [(None, 25_000)]
    for job in (first, second):
        waiver = job["coverage"]["wc"]["waiver"]
        assert (waiver["scope"], waiver["minimum_cents"], waiver["charge_cents"]) == (
            "per_customer_per_term",
            25_000,
            25_000,
        )
        assert (
            job["coverage"]["wc"]["premium_cents"]
            == (job["coverage"]["wc"]["premium"]["modified_premium_cents"])
        )
    # GL: its own waiver on each job (3%, no minimum), booked with the job
    gl_waiver = [e for e in entries if e["type"] == "waiver_charge" and e["line"] == "gl"]
    assert {e["assignment"] for e in gl_waiver} == {first["id"], second["id"]}


def test_lifecycle_start_complete_books_the_difference_on_actuals(api, platform_key, opted_in):
    _, body = dispatch(api, platform_key, opted_in["contractor"])
    asg = body["id"]
    status, started = api.json("POST", f"/v1/assignments/{asg}/start", platform_key, {})
    assert (status, started["status"]) == (200, "active")
    status, done = api.json(
        "POST", f"/v1/assignments/{asg}/complete", platform_key, {"actual_pay_cents": 60_000}
    )
    assert (status, done["status"]) == (200, "completed")
    entries = ledger(api, platform_key, assignment=asg)
    assert entries["total_cents"] == done["premium_cents"]
    adjustments = [e for e in entries["data"] if e["type"] == "premium_adjustment"]
    assert len(adjustments) == 2
    wc_rate = float(body["coverage"]["wc"]["rate_per_100"])
    assert done["coverage"]["wc"]["premium_cents"] == round(60_000 * wc_rate / 100)


def test_cancel_before_start_refunds_in_full(api, platform_key, opted_in):
    _, body = dispatch(api, platform_key, opted_in["contractor"])
    status, cancelled = api.json(
        "POST", f"/v1/assignments/{body['id']}/cancel", platform_key, {"reason": "client_request"}
    )
    assert (status, cancelled["status"]) == (200, "cancelled")
    entries = ledger(api, platform_key, assignment=body["id"])
    assert entries["total_cents"] == 0
    assert (
        sum(e["amount_cents"] for e in entries["data"] if e["type"] == "refund")
        == -body["premium_cents"]
    )


def test_invalid_transitions_are_409(api, platform_key, opted_in):
    _, body = dispatch(api, platform_key, opted_in["contractor"])
    asg = body["id"]
    assert (
        api.json("POST", f"/v1/assignments/{asg}/complete", platform_key, {"actual_pay_cents": 1})[
            0
        ]
        == 409
    )
    api.json("POST", f"/v1/assignments/{asg}/start", platform_key, {})
    assert (
        api.json(
            "POST", f"/v1/assignments/{asg}/cancel", platform_key, {"reason": "client_request"}
        )[0]
        == 409
    )
    assert api.json("POST", f"/v1/assignments/{asg}/start", platform_key, {})[0] == 409


def test_start_after_the_window_closed_is_409(api, platform_key, opted_in):
    _, body = dispatch(api, platform_key, opted_in["contractor"])
    late = (datetime.fromisoformat(body["window"]["end"]) + timedelta(minutes=1)).isoformat()
    status, error = api.json(
        "POST", f"/v1/assignments/{body['id']}/start", platform_key, {"at": late}
    )
    assert (status, error["error"]["code"]) == (409, "window_closed")


def test_hourly_pay_needs_estimated_hours(api, platform_key, opted_in):
    status, body = dispatch(
        api, platform_key, opted_in["contractor"], pay={"amount_cents": 5000, "basis": "hourly"}
    )
    assert status == 422
    assert body["error"]["details"][0]["loc"][:2] == ["body", "pay"]


def test_lists_filter_by_contractor_and_status(api, platform_key, opted_in):
    _, one = dispatch(api, platform_key, opted_in["contractor"], "l1")
    _, two = dispatch(api, platform_key, opted_in["contractor"], "l2")
    api.json("POST", f"/v1/assignments/{two['id']}/start", platform_key, {})
    mine = api.json("GET", f"/v1/assignments?contractor={opted_in['contractor']}", platform_key)[1]
    assert [a["id"] for a in mine["data"]] == [two["id"], one["id"]]
    active = api.json(
        "GET", f"/v1/assignments?contractor={opted_in['contractor']}&status=active", platform_key
    )[1]
    assert [a["id"] for a in active["data"]] == [two["id"]]
    bound = api.json("GET", "/v1/assignments?status=bound", platform_key)[1]
    assert [a["id"] for a in bound["data"]] == [one["id"]]


def walk(api, key, path, limit):
    """Every page of a list, following `starting_after`: the ids in order, and the page sizes."""
    ids, sizes, cursor = [], [], ""
    while True:
        sep = "&" if "?" in path else "?"
        page = api.json("GET", f"{path}{sep}limit={limit}{cursor}", key)[1]
        ids += [item["id"] for item in page["data"]]
        sizes.append(len(page["data"]))
        if not page["has_more"]:
            return ids, sizes
        cursor = f"&starting_after={page['data'][-1]['id']}"


def test_platform_wide_lists_page_across_their_shards_newest_first(api, platform_key, opted_in):
    """Assignments, their status lists and the ledger are write-sharded; the lists read every
    shard and merge: newest first, each object once, the cursor exact."""
    made = [dispatch(api, platform_key, opted_in["contractor"], f"s{n}")[1] for n in range(7)]
    api.json("POST", f"/v1/assignments/{made[3]['id']}/start", platform_key, {})
    newest = [a["id"] for a in reversed(made)]

    assert walk(api, platform_key, "/v1/assignments", 2) == (newest, [2, 2, 2, 1])
    bound = [i for i in newest if i != made[3]["id"]]
    assert walk(api, platform_key, "/v1/assignments?status=bound", 4) == (bound, [4, 2])
    entries, _ = walk(api, platform_key, "/v1/ledger", 3)
    everything = ledger(api, platform_key, limit=100)
    assert entries == [e["id"] for e in everything["data"]] == sorted(entries, reverse=True)
    assert len(entries) == 14  # WC and GL premium per job
    assert everything["total_cents"] == sum(a["premium_cents"] for a in made)
    assert all(api.json("GET", f"/v1/assignments/{i}", platform_key)[0] == 200 for i in newest)


def test_other_platform_cannot_see_or_cancel(api, platform_key, other_platform_key, opted_in):
    _, body = dispatch(api, platform_key, opted_in["contractor"])
    assert api.json("GET", f"/v1/assignments/{body['id']}", other_platform_key)[0] == 404
    assert (
        api.json(
            "POST",
            f"/v1/assignments/{body['id']}/cancel",
            other_platform_key,
            {"reason": "client_request"},
        )[0]
        == 404
    )
    assert ledger(api, other_platform_key, assignment=body["id"])["total_cents"] == 0


def test_patch_before_start_rerates_and_books_the_difference(api, platform_key, opted_in):
    _, body = dispatch(api, platform_key, opted_in["contractor"])
    status, changed = api.json(
        "PATCH",
        f"/v1/assignments/{body['id']}",
        platform_key,
        {"pay": {"amount_cents": 80_000, "basis": "flat"}, "description": "bigger job"},
    )
    assert status == 200, changed
    wc_rate = float(body["coverage"]["wc"]["rate_per_100"])
    assert changed["coverage"]["wc"]["premium_cents"] == round(80_000 * wc_rate / 100)
    entries = ledger(api, platform_key, assignment=body["id"])
    assert entries["total_cents"] == changed["premium_cents"]
    assert [e["type"] for e in entries["data"]].count("premium_adjustment") == 2


def test_patch_moving_work_to_a_new_customer_moves_it_between_endorsements(
    api, platform_key, opted_in
):
    first = api.json("POST", "/v1/customers", platform_key, customer_body(name="A"))[1]["id"]
    second = api.json("POST", "/v1/customers", platform_key, customer_body(name="B"))[1]["id"]
    _, job = dispatch(api, platform_key, opted_in["contractor"], "m1", "PA", customer=first)
    _, moved = api.json("PATCH", f"/v1/assignments/{job['id']}", platform_key, {"customer": second})
    assert moved["customer"] == second
    # The first customer's endorsement is released (no job left, none started); the second's
    # takes the job at its floor.
    entries = ledger(api, platform_key, contractor=opted_in["contractor"])
    wc_waiver = [
        e["amount_cents"]
        for e in entries["data"]
        if e["type"] == "waiver_charge" and e["line"] == "wc"
    ]
    assert sorted(wc_waiver) == [-25_000, 25_000, 25_000]
    per_job = ledger(api, platform_key, assignment=job["id"])["total_cents"]
    assert per_job == moved["premium_cents"]
    assert entries["total_cents"] == moved["premium_cents"] + 25_000


def test_patch_after_start_is_409(api, platform_key, opted_in):
    _, body = dispatch(api, platform_key, opted_in["contractor"])
    api.json("POST", f"/v1/assignments/{body['id']}/start", platform_key, {})
    status, _ = api.json(
        "PATCH", f"/v1/assignments/{body['id']}", platform_key, {"description": "late change"}
    )
    assert status == 409


def test_a_window_that_already_ended_is_422(api, platform_key, opted_in):
    status, body = dispatch(
        api, platform_key, opted_in["contractor"], window=window(days_from_now=-1)
    )
    assert status == 422, body
    assert body["error"]["code"] == "window_in_past"
    assert body["error"]["details"][0]["loc"] == ["body", "window", "end"]
    _, page = api.json("GET", "/v1/assignments", platform_key)
    assert page["data"] == []


def test_a_patch_moving_the_window_into_the_past_is_422(api, platform_key, opted_in):
    _, body = dispatch(api, platform_key, opted_in["contractor"])
    assert body["status"] == "bound"
    status, error = api.json(
        "PATCH", f"/v1/assignments/{body['id']}", platform_key, {"window": window(-2)}
    )
    assert (status, error["error"]["code"]) == (422, "window_in_past")
    status, error = api.json("PATCH", f"/v1/assignments/{body['id']}", platform_key, {})
    assert status == 422
    _, unchanged = api.json("GET", f"/v1/assignments/{body['id']}", platform_key)
    assert unchanged["status"] == "bound" and unchanged["window"] == body["window"]


def test_waiver_and_additional_insured_need_a_named_customer(api, platform_key, opted_in):
    _, body = dispatch(
        api,
        platform_key,
        opted_in["contractor"],
        "nc",
        "PA",
        requirements={"waiver_of_subrogation": True, "additional_insured": True},
    )
    assert body["status"] == "bound"
    wc_codes = [r["code"] for r in body["coverage"]["wc"]["reasons"]]
    gl_codes = [r["code"] for r in body["coverage"]["gl"]["reasons"]]
    assert "waiver_not_available" in wc_codes
    assert "additional_insured_not_available" in gl_codes
    assert body["coverage"]["wc"]["endorsements"] == []
    charges = ledger(api, platform_key, assignment=body["id"])["data"]
    assert "waiver_charge" not in {e["type"] for e in charges}


def test_start_needs_a_bound_line(api, platform_key, opted_in):
    _, body = dispatch(api, platform_key, opted_in["contractor"], bind=False)
    status, error = api.json("POST", f"/v1/assignments/{body['id']}/start", platform_key, {})
    assert (status, error["error"]["code"]) == (409, "nothing_bound")


def test_completed_before_start_is_422(api, platform_key, opted_in):
    _, body = dispatch(api, platform_key, opted_in["contractor"])
    api.json("POST", f"/v1/assignments/{body['id']}/start", platform_key, {})
    status, _ = api.json(
        "POST",
        f"/v1/assignments/{body['id']}/complete",
        platform_key,
        {"actual_pay_cents": 100, "completed_at": "2020-01-01T00:00:00Z"},
    )
    assert status == 422


def test_hours_are_numbers_and_money_must_be_integers(api, platform_key, opted_in):
    _, body = dispatch(
        api,
        platform_key,
        opted_in["contractor"],
        "h1",
        pay={"amount_cents": 5000, "basis": "hourly", "estimated_hours": 2.5},
    )
    assert body["pay"]["estimated_hours"] == 2.5
    for bad in ("5000", True, 50.5):
        status, _ = dispatch(
            api,
            platform_key,
            opted_in["contractor"],
            "h2",
            pay={"amount_cents": bad, "basis": "flat"},
        )
        assert status == 422, bad


def test_sending_a_quoted_job_again_with_bind_binds_it(api, platform_key, opted_in):
    status, quoted = dispatch(api, platform_key, opted_in["contractor"], "q1", bind=False)
    assert quoted["status"] == "quoted"
    status, bound = dispatch(api, platform_key, opted_in["contractor"], "q1")
    assert status == 201
    assert bound["id"] == quoted["id"]
    assert bound["status"] == "bound"
    assert (
        ledger(api, platform_key, assignment=bound["id"])["total_cents"] == bound["premium_cents"]
    )
    again = dispatch(api, platform_key, opted_in["contractor"], "q1")
    assert again[0] == 409  # bound now: a true duplicate
    other_job = dispatch(api, platform_key, opted_in["contractor"], "q2", bind=False)[1]
    changed = dispatch(api, platform_key, opted_in["contractor"], "q2", state="PA")
    assert changed[0] == 409  # a different job under a used external_id
    assert changed[1]["error"]["details"][0]["id"] == other_job["id"]


def test_start_cannot_reach_back_before_the_bind(api, platform_key, opted_in):
    _, body = dispatch(api, platform_key, opted_in["contractor"])
    early = (datetime.now(UTC) - timedelta(days=30)).isoformat()
    status, error = api.json(
        "POST", f"/v1/assignments/{body['id']}/start", platform_key, {"at": early}
    )
    assert status == 422
    assert error["error"]["details"][0]["loc"] == ["body", "at"]


def test_patch_cannot_remove_the_customer(api, platform_key, opted_in):
    customer = api.json("POST", "/v1/customers", platform_key, customer_body())[1]["id"]
    _, body = dispatch(api, platform_key, opted_in["contractor"], customer=customer)
    status, _ = api.json("PATCH", f"/v1/assignments/{body['id']}", platform_key, {"customer": None})
    assert status == 422


def test_primary_noncontributory_needs_an_additional_insured(api, platform_key, opted_in):
    _, body = dispatch(
        api,
        platform_key,
        opted_in["contractor"],
        "pnc",
        requirements={"additional_insured": True, "primary_noncontributory": True},
    )
    gl = body["coverage"]["gl"]
    assert [e["code"] for e in gl["endorsements"]] == []
    assert "primary_noncontributory_not_available" in [r["code"] for r in gl["reasons"]]


def test_a_missing_assignment_answers_404_after_its_certificate_read_finished(
    api, platform_key, monkeypatch
):
    """GET reads the assignment and its certificate at once; a 404 must not leave the
    certificate read running past the request (in Lambda it would run in the next one)."""
    from chalicelib.bootstrap import container

    service = type(container().certificates)  # a frozen dataclass: patched on its class
    original = service.ref_of
    finished: list[str] = []

    def slow_ref_of(self, platform: str, assignment_id: str):
        time.sleep(0.3)
        finished.append(assignment_id)
        return original(self, platform, assignment_id)

    monkeypatch.setattr(service, "ref_of", slow_ref_of)
    missing = "asg_01jzzzzzzzzzzzzzzzzzzzzzzz"

    assert api.json("GET", f"/v1/assignments/{missing}", platform_key)[0] == 404
    assert finished == [missing]
