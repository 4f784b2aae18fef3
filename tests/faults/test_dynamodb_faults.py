"""DynamoDB failing, throttling or unreachable, on reads and writes: always 503 + Retry-After,
never a 500 or a 409, and a failed write leaves nothing behind."""

from __future__ import annotations

from typing import Any

import pytest

from tests.faults.conftest import (
    DYNAMODB_FAULTS,
    TABLE,
    TRANSACTION_FAULTS,
    assert_unavailable,
    cancelled,
    contractor_body,
    customer_body,
    items,
    on_table,
    quote_body,
)
from tests.functional.conftest import ADMIN_KEY


def ids_with(prefix: str) -> list[str]:
    return [
        item["id"]["S"] for item in items() if item.get("id", {}).get("S", "").startswith(prefix)
    ]


@pytest.mark.parametrize("kind", DYNAMODB_FAULTS)
def test_api_key_lookup_fault_is_503(api, platform_key, faults, kind):
    faults.on("dynamodb", "GetItem", DYNAMODB_FAULTS[kind])
    assert_unavailable(api.call("GET", "/v1/customers", platform_key))


@pytest.mark.parametrize("kind", DYNAMODB_FAULTS)
def test_query_fault_is_503(api, platform_key, faults, kind):
    faults.on("dynamodb", "Query", DYNAMODB_FAULTS[kind])
    assert_unavailable(api.call("GET", "/v1/customers", platform_key))


@pytest.mark.parametrize("kind", DYNAMODB_FAULTS)
def test_batch_get_fault_is_503(api, platform_key, faults, kind):
    contractor = api.json("POST", "/v1/contractors", platform_key, contractor_body())[1]["id"]
    faults.on("dynamodb", "BatchGetItem", DYNAMODB_FAULTS[kind])
    assert_unavailable(api.call("POST", "/v1/quotes", platform_key, quote_body(contractor)))
    assert ids_with("qte_") == []


def test_batch_get_that_never_processes_its_keys_is_503(api, platform_key, faults):
    """BatchGetItem answers 200 with every key unprocessed (throttled keys): a few backed-off
    rounds, then 503, never an endless loop."""
    from botocore.awsrequest import AWSResponse

    def unprocessed(request: dict[str, Any]) -> Any:
        keys = request["RequestItems"][TABLE]["Keys"]
        return AWSResponse("https://x", 200, {}, None), {
            "Responses": {TABLE: []},
            "UnprocessedKeys": {TABLE: {"Keys": keys}},
        }

    contractor = api.json("POST", "/v1/contractors", platform_key, contractor_body())[1]["id"]
    rounds = faults.on("dynamodb", "BatchGetItem", unprocessed)
    assert_unavailable(api.call("POST", "/v1/quotes", platform_key, quote_body(contractor)))
    assert 2 <= rounds.failed <= 5


@pytest.mark.parametrize("kind", DYNAMODB_FAULTS)
def test_put_fault_is_503_and_writes_nothing(api, platform_key, faults, kind):
    faults.on("dynamodb", "PutItem", DYNAMODB_FAULTS[kind], when=on_table(TABLE))
    assert_unavailable(api.call("POST", "/v1/customers", platform_key, customer_body()))
    faults.clear()
    assert api.json("GET", "/v1/customers", platform_key)[1]["data"] == []


@pytest.mark.parametrize("kind", TRANSACTION_FAULTS)
def test_platform_create_fault_is_503_and_leaves_neither_platform_nor_key(api, faults, kind):
    faults.on("dynamodb", "TransactWriteItems", TRANSACTION_FAULTS[kind])
    assert_unavailable(api.call("POST", "/v1/platforms", ADMIN_KEY, {"name": "Acme"}))
    assert ids_with("plt_") == [] and ids_with("key_") == []


@pytest.fixture
def opted_in(api, platform_key) -> dict[str, Any]:
    """A contractor with an active WC + GL policy (as tests/functional/test_assignments.py)."""
    contractor = api.json("POST", "/v1/contractors", platform_key, contractor_body())[1]["id"]
    quote = api.json("POST", "/v1/quotes", platform_key, quote_body(contractor))[1]
    policy = {"quote": quote["id"], "accept_terms": True}
    assert api.json("POST", "/v1/policies", platform_key, policy)[0] == 201
    return {"contractor": contractor}


@pytest.mark.parametrize("kind", TRANSACTION_FAULTS)
def test_dispatch_bind_fault_is_503_and_books_nothing(api, platform_key, opted_in, faults, kind):
    from tests.functional.test_assignments import dispatch

    faults.on("dynamodb", "TransactWriteItems", TRANSACTION_FAULTS[kind])
    status, body = dispatch(api, platform_key, opted_in["contractor"])
    assert (status, body["error"]["code"]) == (503, "service_unavailable")
    faults.clear()
    assert ids_with("asg_") == [] and ids_with("led_") == []
    # And the same request goes through once DynamoDB is back.
    assert dispatch(api, platform_key, opted_in["contractor"])[0] == 201


@pytest.mark.parametrize("kind", ["cancelled_throttling", "endpoint_connection", "read_timeout"])
def test_quote_and_policy_write_faults_are_503(api, platform_key, faults, kind):
    contractor = api.json("POST", "/v1/contractors", platform_key, contractor_body())[1]["id"]
    injected = faults.on("dynamodb", "TransactWriteItems", TRANSACTION_FAULTS[kind], times=1)
    assert_unavailable(api.call("POST", "/v1/quotes", platform_key, quote_body(contractor)))
    assert injected.failed == 1 and ids_with("qte_") == []
    status, quote = api.json("POST", "/v1/quotes", platform_key, quote_body(contractor))
    assert status == 201
    faults.on("dynamodb", "TransactWriteItems", TRANSACTION_FAULTS[kind], times=1)
    policy = {"quote": quote["id"], "accept_terms": True}
    assert_unavailable(api.call("POST", "/v1/policies", platform_key, policy))
    assert ids_with("pol_") == []
    assert api.json("POST", "/v1/policies", platform_key, policy)[0] == 201


def test_throttled_transaction_is_never_a_conflict(api, platform_key, opted_in, faults):
    """ThrottlingError next to a conflict-free reason: the old mapping called this 409
    `concurrent_update`; it is DynamoDB's capacity, so 503."""
    from tests.functional.test_assignments import dispatch

    faults.on("dynamodb", "TransactWriteItems", cancelled("None", "None", "ThrottlingError"))
    status, body = dispatch(api, platform_key, opted_in["contractor"])
    assert status == 503 and body["error"]["code"] == "service_unavailable"


def test_a_bug_in_our_request_is_still_a_500(api, platform_key, faults):
    """Not every DynamoDB error is a dependency's: a ValidationException is ours, and says so."""
    from tests.faults.conftest import aws_error

    faults.on("dynamodb", "Query", aws_error("ValidationException"))
    response = api.call("GET", "/v1/customers", platform_key)
    assert response.status_code == 500
    assert response.json_body["error"]["code"] == "internal_error"
