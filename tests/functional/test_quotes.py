"""Reference data, quotes routed across programs, and the referral flow, on moto."""

from __future__ import annotations

import pytest

from tests.answers import CLEAN_ANSWERS
from tests.functional.conftest import (
    ADMIN_KEY,
    california_contractor_body,
    contractor_body,
    customer_body,
)


@pytest.fixture
def underwriter_key(api):
    status, body = api.json("POST", "/v1/api-keys", ADMIN_KEY, {"role": "underwriter"})
    assert status == 201
    assert body["api_key"].startswith("jcu_")
    return body["api_key"]


@pytest.fixture
def contractor_id(api, platform_key):
    return api.json("POST", "/v1/contractors", platform_key, contractor_body())[1]["id"]


def quote(api, key, contractor, **overrides):
    body = {
        "contractor": contractor,
        "trade": "hvac",
        "work_state": "NJ",
        "lines": ["wc", "gl"],
        "effective_date": "2027-01-04",
        "estimated_annual_pay_cents": 5_000_000,
        "operations": CLEAN_ANSWERS,
    }
    body.update(overrides)
    return api.json("POST", "/v1/quotes", key, body)


def test_trades_list_every_canonical_trade_with_state_classes(api, platform_key):
    status, body = api.json("GET", "/v1/trades", platform_key)
    assert status == 200
    trades = {t["code"]: t for t in body["data"]}
    assert {"hvac", "plumbing", "electrical", "locksmith", "carpet_cleaning"} <= set(trades)
    assert trades["hvac"]["class_codes"]["TX"]["wc"] == "5537"
    assert trades["hvac"]["class_codes"]["TX"]["bureau"] == "NCCI"
    split = trades["electrical"]["class_codes"]["CA"]["wage_split"]
    assert (split["threshold_cents"], split["below"], split["at_or_above"]) == (
        3600,
        "5190",
        "5140",
    )
    assert "OH" not in trades["hvac"]["class_codes"]  # no WC program writes a monopolistic state


def test_programs_in_priority_order(api, platform_key):
    status, body = api.json("GET", "/v1/programs", platform_key)
    assert status == 200
    ids = [p["id"] for p in body["data"]]
    assert ids.index("california-wc") < ids.index("multistate-wc")
    multistate = next(p for p in body["data"] if p["id"] == "multistate-wc")
    assert not {"ND", "OH", "WA", "WY"} & set(multistate["states"])
    assert len(multistate["states"]) == 47
    assert multistate["guidelines"] == "reference/pie-wc-underwriting-guidelines.txt"


def test_eligible_quote_is_priced_by_the_work_states_class(api, platform_key, contractor_id):
    status, body = quote(api, platform_key, contractor_id, work_state="TX")
    assert status == 201, body
    assert body["status"] == "eligible"
    wc = body["lines"]["wc"]
    assert (wc["program"], wc["class_code"], wc["bureau"]) == ("multistate-wc", "5537", "NCCI")
    rate = wc["rate_per_100"]
    expected = round(5_000_000 / 100 * float(rate))  # mod 1.00, standard EL limits
    assert wc["premium"]["total_cents"] == expected
    assert body["lines"]["gl"]["program"] == "contractors-gl"
    assert body["id"].startswith("qte_")
    assert api.json("GET", f"/v1/quotes/{body['id']}", platform_key)[1] == body


def test_monopolistic_state_declines_wc_but_quotes_gl(api, platform_key, contractor_id):
    _, body = quote(api, platform_key, contractor_id, work_state="OH")
    assert body["lines"]["wc"]["status"] == "declined"
    assert [r["code"] for r in body["lines"]["wc"]["reasons"]] == ["monopolistic_state"]
    assert body["lines"]["gl"]["status"] == "eligible"
    assert body["status"] == "partial"


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("trade", "astronaut", "unknown_trade"),
        ("work_state", "ZZ", "validation_error"),
        ("lines", ["auto"], "validation_error"),
    ],
)
def test_unknown_trade_state_or_line_is_422(api, platform_key, contractor_id, field, value, code):
    status, body = quote(api, platform_key, contractor_id, **{field: value})
    assert status == 422
    assert body["error"]["code"] == code


def test_other_platforms_contractor_cannot_be_quoted(api, other_platform_key, contractor_id):
    status, _ = quote(api, other_platform_key, contractor_id)
    assert status == 404


def test_california_routing_falls_through_to_multistate_with_considered(
    api, platform_key, contractor_id
):
    _, body = quote(api, platform_key, contractor_id, work_state="CA", lines=["wc"])
    wc = body["lines"]["wc"]
    assert wc["program"] == "multistate-wc"
    first = wc["considered"][0]
    assert first["program"] == "california-wc"
    assert first["status"] == "declined"
    assert all(r["guideline"] for r in first["reasons"])


def test_california_program_takes_a_risk_that_meets_its_guidelines_and_refers_it(api, platform_key):
    big = california_contractor_body()
    ctr = api.json("POST", "/v1/contractors", platform_key, big)[1]["id"]
    _, body = quote(
        api,
        platform_key,
        ctr,
        work_state="CA",
        lines=["wc"],
        estimated_annual_pay_cents=400_000_000,
        hourly_wage_cents=4500,
    )
    wc = body["lines"]["wc"]
    assert wc["program"] == "california-wc", wc["considered"]
    assert wc["status"] == "referred"
    assert "underwriter_binding_authority" in [r["code"] for r in wc["reasons"]]
    assert wc["class_code"] == "5187"  # at or above the $31/h split
    assert body["status"] == "referred"
    assert body["referral"]["status"] == "open"


def test_referral_flow_roles_and_decisions(api, platform_key, underwriter_key, contractor_id):
    # Emod 2.05 declines under Pie; emod 0.35 (below online-bind minimum) refers.
    api.json("PATCH", f"/v1/contractors/{contractor_id}", platform_key, {"experience_mod": "0.35"})
    _, body = quote(api, platform_key, contractor_id, lines=["wc"])
    assert body["status"] == "referred", body["lines"]["wc"]["reasons"]
    referral_id = body["referral"]["id"]

    # A platform reads its own referrals (API.md "Referrals"); deciding stays the underwriter's.
    status, own = api.json("GET", "/v1/referrals", platform_key)
    assert status == 200
    assert [r["id"] for r in own["data"]] == [referral_id]
    status, page = api.json("GET", "/v1/referrals?status=open", underwriter_key)
    assert status == 200
    assert [r["id"] for r in page["data"]] == [referral_id]
    assert page["data"][0]["quote"] == body["id"]
    assert all(r["guideline"] for r in page["data"][0]["reasons"])

    status, _ = api.json(
        "POST", f"/v1/referrals/{referral_id}/approve", platform_key, {"note": "self-approve"}
    )
    assert status == 403
    status, decided = api.json(
        "POST", f"/v1/referrals/{referral_id}/approve", underwriter_key, {"note": "Loss runs ok"}
    )
    assert status == 200
    assert decided["status"] == "approved"
    assert decided["note"] == "Loss runs ok"
    assert decided["decided_by"].startswith("key_")
    assert decided["decided_at"]
    again = api.json("POST", f"/v1/referrals/{referral_id}/decline", underwriter_key, {"note": "x"})
    assert again[0] == 409
    assert api.json("GET", "/v1/referrals?status=open", underwriter_key)[1]["data"] == []
    by_quote = api.json("GET", f"/v1/referrals?quote={body['id']}", underwriter_key)[1]
    assert by_quote["data"][0]["status"] == "approved"
    assert api.json("GET", f"/v1/quotes/{body['id']}", platform_key)[1]["referral"]["status"] == (
        "approved"
    )


def test_high_emod_is_declined_with_the_guideline(api, platform_key, contractor_id):
    api.json("PATCH", f"/v1/contractors/{contractor_id}", platform_key, {"experience_mod": "2.00"})
    _, body = quote(api, platform_key, contractor_id, lines=["wc"])
    wc = body["lines"]["wc"]
    assert wc["status"] == "declined"
    reason = next(r for r in wc["reasons"] if "1.99" in r["message"])
    assert "Experience Modification Factor" in reason["guideline"]


def test_customer_requirements_endorse_gl(api, platform_key, contractor_id):
    cus = api.json("POST", "/v1/customers", platform_key, customer_body())[1]["id"]
    _, body = quote(api, platform_key, contractor_id, work_state="TX", customer=cus)
    gl_codes = [e["code"] for e in body["lines"]["gl"]["premium"]["endorsements"]]
    assert "additional_insured" in gl_codes
    wc_codes = [e["code"] for e in body["lines"]["wc"]["premium"]["endorsements"]]
    assert "additional_insured" not in wc_codes
    # WC's specific waiver is one per customer per term: the quote shows its charge, a floor
    [waiver] = body["lines"]["wc"]["premium"]["term_charges"]
    assert (waiver["code"], waiver["amount_cents"]) == ("waiver_of_subrogation_specific", 25_000)


def test_undated_lapse_is_accepted_and_judged_by_underwriting(api, platform_key):
    body = contractor_body(prior_coverage={"status": "lapsed"})
    status, created = api.json("POST", "/v1/contractors", platform_key, body)
    assert status == 201
    _, answer = quote(api, platform_key, created["id"], lines=["wc"])
    codes = [r["code"] for r in answer["lines"]["wc"]["reasons"]]
    assert answer["lines"]["wc"]["status"] in {"referred", "declined"}
    assert any("lapse" in code or "gap" in code for code in codes), codes
