"""Bounded decimal inputs (API.md "Conventions"): `estimated_hours` 0.25-744, `experience_mod`
0.01-9.99, every other decimal bounded too, never exponent notation. "1e-999990" is a fast 422,
not a CPU-bound computation, and never a 500."""

from __future__ import annotations

import json
import time

from tests.functional.conftest import contractor_body, quote_body

UNKNOWN_CONTRACTOR = "ctr_01jz0000000000000000000000"
HOSTILE = ['"1e-999990"', '"1e-1000000"', "1e-999990", "1e-1000000", '"1E+999999"', "1e999999"]


def assignment(hours: str) -> str:
    """An hourly dispatch with `hours` spliced in as raw JSON text."""
    body = {
        "external_id": "job-1",
        "contractor": UNKNOWN_CONTRACTOR,
        "trade": "hvac",
        "work_address": {
            "line1": "1 A St",
            "city": "Newark",
            "state": "NJ",
            "postal_code": "07102",
        },
        "window": {"start": "2099-01-01T09:00:00Z", "end": "2099-01-01T17:00:00Z"},
        "pay": {"amount_cents": 4_000, "basis": "hourly", "estimated_hours": "HOURS"},
        "lines": ["wc"],
    }
    return json.dumps(body).replace('"HOURS"', hours)


def timed(call):
    started = time.perf_counter()
    answer = call()
    return answer, time.perf_counter() - started


BAD_HOURS = [
    *HOSTILE,
    '"2.5e1"',
    "2.5e1",
    '"0.2"',
    "0.24",
    "745",
    '"-1"',
    '"1.333"',
    "true",
    '"NaN"',
    '" 8"',
]
GOOD_HOURS = ['"0.25"', "0.25", '"8"', "8", "2.5", '"744"', '"744.00"', "12.50"]


def test_bad_estimated_hours_are_a_fast_422(api, platform_key, subtests):
    for hours in BAD_HOURS:
        with subtests.test(hours):
            response, seconds = timed(
                lambda hours=hours: api.call(
                    "POST", "/v1/assignments", platform_key, raw=assignment(hours)
                )
            )
            assert response.status_code == 422, response.body
            assert seconds < 1.0
            detail = response.json_body["error"]["details"][0]
            assert detail["loc"] == ["body", "pay", "estimated_hours"]


def test_good_estimated_hours_pass_validation(api, platform_key, subtests):
    for hours in GOOD_HOURS:
        with subtests.test(hours):
            # The contractor is unknown, so a body that validates answers 404.
            response = api.call("POST", "/v1/assignments", platform_key, raw=assignment(hours))
            assert response.status_code == 404, response.body


def test_bad_actual_hours_are_a_fast_422(api, platform_key, subtests):
    path = "/v1/assignments/asg_01jz0000000000000000000000/complete"
    for hours in HOSTILE:
        with subtests.test(hours):
            raw = '{"actual_pay_cents": 100, "actual_hours": ' + hours + "}"
            response, seconds = timed(lambda raw=raw: api.call("POST", path, platform_key, raw=raw))
            assert response.status_code == 422 and seconds < 1.0


EXPERIENCE_MODS = [
    ('"0.00"', 422),
    ('"10.00"', 422),
    ('"1e0"', 422),
    ("1e0", 422),
    ('"1.005"', 422),
    ('"1e-999990"', 422),
    ('"0.01"', 201),
    ('"9.99"', 201),
    ("1.25", 201),
    ('"1.000"', 201),
]


def test_experience_mod_is_bounded(api, platform_key, subtests):
    for index, (mod, status) in enumerate(EXPERIENCE_MODS):
        with subtests.test(mod):
            body = contractor_body(experience_mod="MOD", external_id=f"tech-{index}")
            raw = json.dumps(body).replace('"MOD"', mod)
            response = api.call("POST", "/v1/contractors", platform_key, raw=raw)
            assert response.status_code == status, response.body
            if status == 422:
                loc = response.json_body["error"]["details"][0]["loc"]
                assert loc == ["body", "experience_mod"]


def test_years_in_business_is_bounded(api, platform_key, subtests):
    for value in ['"1e-999990"', "201", "1e1", '"-0.5"']:
        with subtests.test(value):
            raw = json.dumps(contractor_body(years_in_business="V")).replace('"V"', value)
            response = api.call("POST", "/v1/contractors", platform_key, raw=raw)
            assert response.status_code == 422
            assert response.json_body["error"]["details"][0]["loc"] == [
                "body",
                "years_in_business",
            ]


APPLICATION_ANSWERS = [
    ("cash_labor_pct", '"1e2"'),
    ("cash_labor_pct", "100.5"),
    ("subcontracted_pay_pct", '"1e-999990"'),
    ("max_height_feet", "1e-1000000"),
    ("max_depth_feet", '"10001"'),
]


def test_application_answers_are_bounded(api, platform_key, subtests):
    for field, value in APPLICATION_ANSWERS:
        with subtests.test(f"{field}={value}"):
            body = quote_body(UNKNOWN_CONTRACTOR, operations={field: "V"})
            raw = json.dumps(body).replace('"V"', value)
            response, seconds = timed(
                lambda raw=raw: api.call("POST", "/v1/quotes", platform_key, raw=raw)
            )
            assert response.status_code == 422 and seconds < 1.0
            assert response.json_body["error"]["details"][0]["loc"] == [
                "body",
                "operations",
                field,
            ]


def test_the_spec_documents_the_bounds(api):
    spec = api.json("GET", "/openapi.json")[1]
    pay = spec["components"]["schemas"]["PayIn"]["properties"]["estimated_hours"]
    number, text = pay["anyOf"][0]["anyOf"]
    assert (number["minimum"], number["maximum"]) == (0.25, 744)
    assert "e" not in text["pattern"].lower().replace("\\d", "")
