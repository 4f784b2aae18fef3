"""The application over HTTP: served per program, silence referred, answers kept with the quote
and carried to the policy with who sent and attested them."""

from __future__ import annotations

from tests.answers import CLEAN_ANSWERS, answers
from tests.functional.conftest import contractor_body, quote_body
from tests.functional.test_assignments import dispatch, opted_in

__all__ = ["opted_in"]  # the fixture, used below


def test_multistate_application_lists_its_questions_and_hazard_catalogue(api, platform_key):
    status, body = api.json("GET", "/v1/programs/multistate-wc/application", platform_key)
    assert status == 200, body
    assert body["version"]
    questions = {q["id"]: q for q in body["questions"]}
    assert list(questions) == [
        "max_height_feet",
        "max_depth_feet",
        "subcontracted_pay_pct",
        "cash_labor_pct",
        "hazards",
    ]
    assert all(q["required"] for q in questions.values())
    assert questions["max_height_feet"]["type"] == "number"
    assert questions["cash_labor_pct"]["type"] == "percent"
    hazards = questions["hazards"]
    assert hazards["type"] == "multi_select"
    options = {o["code"]: o for o in hazards["options"]}
    assert {"asbestos", "lead_mold_abatement", "tree_work", "blasting", "demolition"} <= set(
        options
    )
    assert {"staffing", "watercraft"} <= set(options)
    assert options["tree_work"]["guideline"].endswith("§ Prohibited Applicants")


def test_programs_list_each_wc_programs_hazard_catalogue(api, platform_key):
    programs = {p["id"]: p for p in api.json("GET", "/v1/programs", platform_key)[1]["data"]}
    catalogue = {h["code"]: h for h in programs["multistate-wc"]["hazards"]}
    assert catalogue["asbestos"]["effect"] == "decline"
    assert catalogue["structural_framing"]["effect"] == "refer"
    assert programs["california-wc"]["hazards"] == []
    assert programs["contractors-gl"]["hazards"] is None


def test_california_asks_nothing_the_multistate_program_asks_and_gl_has_no_application(
    api, platform_key
):
    status, body = api.json("GET", "/v1/programs/california-wc/application", platform_key)
    assert status == 200
    assert body["questions"] == []
    assert api.json("GET", "/v1/programs/contractors-gl/application", platform_key)[0] == 404
    assert api.json("GET", "/v1/programs/nope/application", platform_key)[0] == 404


def test_a_quote_without_answers_is_referred_never_eligible(api, platform_key):
    contractor = api.json("POST", "/v1/contractors", platform_key, contractor_body())[1]["id"]
    body = quote_body(contractor, work_state="TX")
    del body["operations"]
    status, quote = api.json("POST", "/v1/quotes", platform_key, body)
    assert status == 201, quote
    wc = quote["lines"]["wc"]
    assert wc["status"] == "referred"
    [reason] = wc["reasons"]
    assert reason["code"] == "missing_information"
    assert "operations.hazards" in reason["message"]
    assert quote["lines"]["gl"]["status"] == "eligible"
    assert quote["status"] == "referred"
    assert quote["referral"]["status"] == "open"


def test_answers_are_kept_with_the_quote_and_attested_on_the_policy(api, platform_key):
    contractor = api.json("POST", "/v1/contractors", platform_key, contractor_body())[1]["id"]
    status, quote = api.json("POST", "/v1/quotes", platform_key, quote_body(contractor))
    assert (status, quote["status"]) == (201, "eligible"), quote
    application = quote["application"]
    assert application["answers"] == CLEAN_ANSWERS
    assert application["question_sets"]["multistate-wc"]
    assert application["sent_by"].startswith("key_")
    assert application["attested_by"] is None
    status, policy = api.json(
        "POST", "/v1/policies", platform_key, {"quote": quote["id"], "accept_terms": True}
    )
    assert status == 201, policy
    kept = policy["application"]
    assert kept["answers"] == CLEAN_ANSWERS
    assert kept["question_sets"] == application["question_sets"]
    assert kept["attested_by"] == application["sent_by"]
    assert kept["attested_at"] is not None


def test_an_unknown_hazard_code_is_a_422(api, platform_key):
    contractor = api.json("POST", "/v1/contractors", platform_key, contractor_body())[1]["id"]
    body = quote_body(contractor, operations=answers(hazards=["tree_work", "juggling"]))
    status, error = api.json("POST", "/v1/quotes", platform_key, body)
    assert status == 422, error
    assert "juggling" in str(error)


def test_a_hazard_answered_declines_the_multistate_line(api, platform_key):
    contractor = api.json("POST", "/v1/contractors", platform_key, contractor_body())[1]["id"]
    body = quote_body(contractor, operations=answers(hazards=["asbestos"]))
    quote = api.json("POST", "/v1/quotes", platform_key, body)[1]
    wc = quote["lines"]["wc"]
    assert wc["status"] == "declined"
    assert [r["code"] for r in wc["reasons"]] == ["prohibited_asbestos"]


def test_a_trade_not_on_the_policy_is_underwritten_on_the_dispatch_and_joins_it(
    api, platform_key, opted_in
):
    policy = opted_in["policy"]
    assert [(c["trade"], c["line"], c["added_by"]) for c in policy["classes"]] == [
        ("hvac", "wc", "quote"),
        ("hvac", "gl", "quote"),
    ]
    status, job = dispatch(api, platform_key, opted_in["contractor"], "e-1", trade="electrical")
    assert (status, job["status"]) == (201, "bound"), job
    assert job["coverage"]["wc"]["new_class"] is True
    assert job["coverage"]["wc"]["reasons"][0]["code"] == "class_not_on_policy"
    after = api.json("GET", f"/v1/policies/{policy['id']}", platform_key)[1]
    added = [c for c in after["classes"] if c["trade"] == "electrical"]
    assert {(c["line"], c["added_by"], c["assignment"]) for c in added} == {
        ("wc", "dispatch", job["id"]),
        ("gl", "dispatch", job["id"]),
    }


def test_a_dispatch_description_naming_a_hazard_is_referred(api, platform_key, opted_in):
    _, job = dispatch(
        api,
        platform_key,
        opted_in["contractor"],
        "tree-1",
        description="Cut down the dead oak over the condenser",
    )
    assert job["status"] == "referred", job
    assert job["referral"] is not None
    _, negated = dispatch(
        api,
        platform_key,
        opted_in["contractor"],
        "tree-2",
        description="Condenser swap, no tree work",
    )
    assert negated["status"] == "bound"
