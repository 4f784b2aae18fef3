"""Contractors: `external_id` unique per platform (a claim in the contractor's own transaction),
`?external_id=`, loss dates not in the future, PATCH TIN rules as on create."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.api.schemas.parties import ContractorCreate
from chalicelib.bootstrap import container
from chalicelib.domain.errors import Conflict
from devserver.localaws import DynamoSemantics
from tests.functional.conftest import Api, contractor_body
from tests.functional.test_concurrency import race

TODAY = datetime.now(UTC).date()


def test_a_second_contractor_with_the_same_external_id_is_409_naming_the_first(
    api: Api, platform_key: str, other_platform_key: str
) -> None:
    status, first = api.json("POST", "/v1/contractors", platform_key, contractor_body())
    assert status == 201, first
    status, again = api.json("POST", "/v1/contractors", platform_key, contractor_body())
    assert status == 409, again
    assert again["error"]["code"] == "duplicate_external_id"
    assert again["error"]["details"][0]["id"] == first["id"]
    # Another platform's namespace is its own.
    assert api.json("POST", "/v1/contractors", other_platform_key, contractor_body())[0] == 201
    _, page = api.json("GET", "/v1/contractors", platform_key)
    assert [c["id"] for c in page["data"]] == [first["id"]]


def test_contractors_are_found_by_external_id(
    api: Api, platform_key: str, other_platform_key: str
) -> None:
    _, first = api.json("POST", "/v1/contractors", platform_key, contractor_body())
    api.json("POST", "/v1/contractors", platform_key, contractor_body(external_id="tech-2"))
    _, page = api.json("GET", "/v1/contractors?external_id=tech-1", platform_key)
    assert [c["id"] for c in page["data"]] == [first["id"]]
    assert page["has_more"] is False
    assert api.json("GET", "/v1/contractors?external_id=nobody", platform_key)[1]["data"] == []
    theirs = api.json("GET", "/v1/contractors?external_id=tech-1", other_platform_key)[1]
    assert theirs["data"] == []


def test_a_patch_moves_the_external_id_claim(api: Api, platform_key: str) -> None:
    _, first = api.json("POST", "/v1/contractors", platform_key, contractor_body())
    _, second = api.json(
        "POST", "/v1/contractors", platform_key, contractor_body(external_id="tech-2")
    )
    status, taken = api.json(
        "PATCH", f"/v1/contractors/{second['id']}", platform_key, {"external_id": "tech-1"}
    )
    assert (status, taken["error"]["details"][0]["id"]) == (409, first["id"])
    status, moved = api.json(
        "PATCH", f"/v1/contractors/{first['id']}", platform_key, {"external_id": "tech-9"}
    )
    assert (status, moved["external_id"]) == (200, "tech-9")
    # The old value is free again; the new one is held.
    status, _ = api.json(
        "PATCH", f"/v1/contractors/{second['id']}", platform_key, {"external_id": "tech-1"}
    )
    assert status == 200
    found = api.json("GET", "/v1/contractors?external_id=tech-9", platform_key)[1]["data"]
    assert [c["id"] for c in found] == [first["id"]]
    assert api.json("POST", "/v1/contractors", platform_key, contractor_body(external_id="tech-9"))[
        0
    ] == (409)


def test_contractors_without_external_id_do_not_collide(api: Api, platform_key: str) -> None:
    body = contractor_body()
    del body["external_id"]
    assert api.json("POST", "/v1/contractors", platform_key, body)[0] == 201
    assert api.json("POST", "/v1/contractors", platform_key, body)[0] == 201


@pytest.mark.parametrize("in_flight_ms", [0, 40])
def test_parallel_creates_with_one_external_id_make_one_contractor(
    api: Api, platform_key: str, dynamo: DynamoSemantics, in_flight_ms: int
) -> None:
    """No read-then-write: the claim is written in the contractor's transaction, so of eight
    racing creates exactly one lands and every other hears its id."""
    assert api.json("GET", "/v1/contractors", platform_key)[0] == 200  # the stack is built
    caller = container().auth.authenticate(f"Bearer {platform_key}")
    services = container().parties
    body = ContractorCreate.model_validate(contractor_body(external_id="raced"))
    fields, tin = body.model_dump(exclude={"tin"}), body.tin
    dynamo.transaction_seconds = in_flight_ms / 1000
    outcomes = race([lambda: services.create_contractor(caller.tenant(), dict(fields), tin)] * 8)
    dynamo.transaction_seconds = 0
    created = [o for o in outcomes if not isinstance(o, Exception)]
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(created) == 1, outcomes
    assert all(isinstance(o, Conflict) and o.code == "duplicate_external_id" for o in refused), [
        (type(o), getattr(o, "code", None), str(o)) for o in refused
    ]
    assert {o.details[0]["id"] for o in refused if isinstance(o, Conflict)} == {created[0].id}
    _, page = api.json("GET", "/v1/contractors?external_id=raced", platform_key)
    assert [c["id"] for c in page["data"]] == [created[0].id]


def test_a_loss_in_the_future_is_422(api: Api, platform_key: str) -> None:
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    body = contractor_body(losses=[{"date": tomorrow, "amount_cents": 100}])
    status, error = api.json("POST", "/v1/contractors", platform_key, body)
    assert status == 422, error
    assert error["error"]["details"][0]["loc"] == ["body", "losses", 0, "date"]
    today = contractor_body(losses=[{"date": TODAY.isoformat(), "amount_cents": 100}])
    status, created = api.json("POST", "/v1/contractors", platform_key, today)
    assert status == 201, created
    status, _ = api.json(
        "PATCH",
        f"/v1/contractors/{created['id']}",
        platform_key,
        {"losses": [{"date": tomorrow, "amount_cents": 5}]},
    )
    assert status == 422


def test_a_patched_tin_is_checked_against_the_type_on_file(api: Api, platform_key: str) -> None:
    _, created = api.json("POST", "/v1/contractors", platform_key, contractor_body())
    path = f"/v1/contractors/{created['id']}"
    status, error = api.json("PATCH", path, platform_key, {"tin": "12-3456789"})
    assert status == 422, error
    assert error["error"]["details"][0]["loc"] == ["body", "tin"]
    status, patched = api.json("PATCH", path, platform_key, {"tin": "987-65-4321"})
    assert (status, patched["tin_last4"]) == (200, "4321")
    # With employees the contractor needs a FEIN: the type and a FEIN-shaped TIN together.
    status, error = api.json("PATCH", path, platform_key, {"has_employees": True})
    assert (status, error["error"]["code"]) == (422, "fein_required")
    status, error = api.json(
        "PATCH", path, platform_key, {"tin_type": "fein", "tin": "987-65-4321"}
    )
    assert status == 422
    status, patched = api.json(
        "PATCH",
        path,
        platform_key,
        {"tin_type": "fein", "tin": "98-7654321", "has_employees": True},
    )
    assert (status, patched["tin_type"]) == (200, "fein")
