"""The contract's conventions, each with a case that fails without it."""

from __future__ import annotations

import json

import pytest

from tests.functional.conftest import ADMIN_KEY, contractor_body, customer_body


def error_code(api, *args, **kwargs):
    status, body = api.json(*args, **kwargs)
    return status, body["error"]["code"]


def test_unknown_route_under_v1_is_404_in_error_shape(api, platform_key):
    assert error_code(api, "GET", "/v1/no-such-thing", platform_key) == (404, "not_found")


def test_missing_key_is_401(api):
    assert error_code(api, "GET", "/v1/customers") == (401, "unauthenticated")


def test_unknown_key_is_401(api):
    assert error_code(api, "GET", "/v1/customers", "jcp_not-a-real-key") == (401, "unauthenticated")


def test_platform_key_cannot_create_platforms(api, platform_key):
    status, code = error_code(api, "POST", "/v1/platforms", platform_key, {"name": "x"})
    assert (status, code) == (403, "forbidden")


def test_admin_key_cannot_act_as_a_platform(api):
    assert error_code(api, "GET", "/v1/customers", ADMIN_KEY) == (403, "forbidden")


def test_other_platforms_customer_is_404_like_an_unknown_id(api, platform_key, other_platform_key):
    _, mine = api.json("POST", "/v1/customers", platform_key, customer_body())
    theirs = api.json("GET", f"/v1/customers/{mine['id']}", other_platform_key)
    unknown = api.json("GET", "/v1/customers/cus_00000000000000000000000000", other_platform_key)
    assert theirs[0] == unknown[0] == 404
    assert theirs[1]["error"]["code"] == unknown[1]["error"]["code"] == "not_found"


def test_other_platform_cannot_patch_my_contractor(api, platform_key, other_platform_key):
    _, mine = api.json("POST", "/v1/contractors", platform_key, contractor_body())
    status, _ = api.json(
        "PATCH", f"/v1/contractors/{mine['id']}", other_platform_key, {"legal_name": "Mallory"}
    )
    assert status == 404
    assert api.json("GET", f"/v1/contractors/{mine['id']}", platform_key)[1]["legal_name"] == (
        "Dana Reyes"
    )


def test_lists_only_show_own_platform(api, platform_key, other_platform_key):
    api.json("POST", "/v1/customers", platform_key, customer_body(name="Mine"))
    api.json("POST", "/v1/customers", other_platform_key, customer_body(name="Theirs"))
    _, page = api.json("GET", "/v1/customers", platform_key)
    assert [c["name"] for c in page["data"]] == ["Mine"]


@pytest.mark.parametrize(
    "raw",
    ["{not json", '{"name": "x",}', "\xff\xfe", '{"a": NaN}', "[" * 33 + "]" * 33],
)
def test_malformed_or_too_deep_json_is_400(api, platform_key, raw):
    response = api.call("POST", "/v1/customers", platform_key, raw=raw)
    assert response.status_code == 400
    assert json.loads(response.body)["error"]["code"] == "malformed_json"


def test_nesting_at_the_limit_is_not_malformed(api, platform_key):
    body = customer_body()
    deep: object = 1
    for _ in range(30):
        deep = [deep]
    body["name"] = "x"
    raw = json.dumps({**body, "extra": deep})
    status, payload = api.json("POST", "/v1/customers", platform_key, raw=raw)
    assert status == 422  # parsed fine; rejected only because `extra` is not a field
    assert payload["error"]["details"][0]["loc"] == ["body", "extra"]


def test_body_over_256_kib_is_413(api, platform_key):
    raw = json.dumps(customer_body(name="x" * (256 * 1024)))
    assert error_code(api, "POST", "/v1/customers", platform_key, raw=raw) == (
        413,
        "payload_too_large",
    )


def test_too_long_name_is_422_with_location(api, platform_key):
    status, body = api.json("POST", "/v1/customers", platform_key, customer_body(name="n" * 201))
    assert status == 422
    assert body["error"]["code"] == "validation_error"
    assert body["error"]["details"][0]["loc"] == ["body", "name"]


def test_json_array_body_is_rejected_cleanly(api, platform_key):
    status, body = api.json("POST", "/v1/customers", platform_key, raw="[1, 2]")
    assert status == 400
    assert body["error"]["code"] == "malformed_json"


def test_wrong_method_is_404_like_the_deployed_gateway(api, platform_key):
    status, body = api.json("DELETE", "/v1/customers", platform_key)
    assert status == 404
    assert body["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        ("application/vnd.api+json", 415),
        ("text/plain", 415),
        ("application/json; charset=latin-1", 415),
        ("application/json; charset=utf-8", 201),
        ("Application/JSON", 201),
    ],
)
def test_a_body_must_be_labelled_json(api, platform_key, content_type, status):
    answer, body = api.json(
        "POST",
        "/v1/customers",
        platform_key,
        customer_body(),
        headers={"Content-Type": content_type},
    )
    assert answer == status, body
    if status == 415:
        assert body["error"]["code"] == "unsupported_media_type"


def test_every_response_has_a_correlation_id(api):
    response = api.call("GET", "/v1/health", headers={"X-Request-Id": "trace-123"})
    assert response.headers["X-Request-Id"] == "trace-123"


def test_create_is_201_and_lists_are_newest_first_with_cursor(api, platform_key):
    ids = []
    for n in range(5):
        status, body = api.json("POST", "/v1/customers", platform_key, customer_body(name=f"c{n}"))
        assert status == 201
        ids.append(body["id"])
    _, first = api.json("GET", "/v1/customers?limit=2", platform_key)
    assert [c["id"] for c in first["data"]] == ids[::-1][:2]
    assert first["has_more"] is True
    _, second = api.json("GET", f"/v1/customers?limit=2&starting_after={ids[3]}", platform_key)
    assert [c["id"] for c in second["data"]] == [ids[2], ids[1]]
    _, last = api.json("GET", f"/v1/customers?limit=2&starting_after={ids[1]}", platform_key)
    assert [c["id"] for c in last["data"]] == [ids[0]]
    assert last["has_more"] is False


@pytest.mark.parametrize("limit", ["0", "101", "ten"])
def test_limit_out_of_range_is_422(api, platform_key, limit):
    status, body = api.json("GET", f"/v1/customers?limit={limit}", platform_key)
    assert status == 422
    assert body["error"]["details"][0]["loc"] == ["query", "limit"]


def test_openapi_is_generated_and_covers_routes(api):
    status, spec = api.json("GET", "/openapi.json")
    assert status == 200
    assert spec["openapi"].startswith("3.1")
    assert "post" in spec["paths"]["/v1/contractors"]
    schema_ref = spec["paths"]["/v1/contractors"]["post"]["requestBody"]["content"][
        "application/json"
    ]["schema"]["$ref"]
    name = schema_ref.rsplit("/", 1)[-1]
    assert "tin" in spec["components"]["schemas"][name]["properties"]


def test_docs_page_is_self_contained_html(api):
    response = api.call("GET", "/docs")
    assert response.status_code == 200
    text = response.body.decode()
    assert "/v1/contractors" in text
    assert "<script src" not in text and "cdn" not in text.lower()


def test_customer_patch_merges_requirements(api, platform_key):
    _, created = api.json("POST", "/v1/customers", platform_key, customer_body())
    status, patched = api.json(
        "PATCH",
        f"/v1/customers/{created['id']}",
        platform_key,
        {"requirements": {"additional_insured": False}},
    )
    assert status == 200
    assert patched["requirements"] == {
        "additional_insured": False,
        "waiver_of_subrogation": True,
        "primary_noncontributory": False,
    }


def test_empty_query_values_mean_absent(api, platform_key):
    assert api.json("GET", "/v1/customers?starting_after=&limit=", platform_key)[0] == 200


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("effective_date", "9999-12-31"),
        ("effective_date", "2026-12-01T00:00:00Z"),
        ("estimated_annual_pay_cents", "5000000"),
        ("estimated_annual_pay_cents", True),
    ],
)
def test_dates_and_money_are_strict(api, platform_key, field, value):
    contractor = api.json("POST", "/v1/contractors", platform_key, contractor_body())[1]["id"]
    body = {
        "contractor": contractor,
        "trade": "hvac",
        "work_state": "TX",
        "lines": ["gl"],
        "effective_date": "2027-01-04",
        "estimated_annual_pay_cents": 100,
    }
    body[field] = value
    status, answer = api.json("POST", "/v1/quotes", platform_key, body)
    assert status == 422, answer


@pytest.mark.parametrize(("tin_type", "tin"), [("fein", "123-45-6789"), ("ssn", "12-3456789")])
def test_tin_written_as_the_other_kind_is_422(api, platform_key, tin_type, tin):
    body = contractor_body(tin_type=tin_type, tin=tin)
    assert api.json("POST", "/v1/contractors", platform_key, body)[0] == 422


def test_control_characters_in_names_are_422(api, platform_key):
    assert api.json("POST", "/v1/customers", platform_key, customer_body(name="a\u0000b"))[0] == 422


def test_malformed_cursor_is_422(api, platform_key):
    status, body = api.json("GET", "/v1/customers?starting_after=cus_nope", platform_key)
    assert status == 422
    assert body["error"]["details"][0]["loc"] == ["query", "starting_after"]
