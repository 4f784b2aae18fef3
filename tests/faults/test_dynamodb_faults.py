"""DynamoDB failing, throttling or unreachable, on reads and writes: always 503 + Retry-After,
never a 500 or a 409, and a failed write leaves nothing behind.

Each test walks every fault kind as a subtest on one moto stack (setting a stack up costs most of
a second; the kinds cost milliseconds)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.faults.conftest import (
    DYNAMODB_FAULTS,
    TABLE,
    TRANSACTION_FAULTS,
    assert_unavailable,
    aws_error,
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


@pytest.mark.parametrize("operation", ["GetItem", "Query"])
def test_read_faults_are_503(api, platform_key, faults, subtests, operation):
    """GetItem is the API key lookup every request makes; Query the list behind it."""
    for kind, fault in DYNAMODB_FAULTS.items():
        with subtests.test(kind):
            injected = faults.on("dynamodb", operation, fault)
            assert_unavailable(api.call("GET", "/v1/customers", platform_key))
            assert injected.failed == 1
        faults.clear()
    assert api.call("GET", "/v1/customers", platform_key).status_code == 200


def test_batch_get_faults_are_503(api, platform_key, faults, subtests):
    contractor = api.json("POST", "/v1/contractors", platform_key, contractor_body())[1]["id"]
    for kind, fault in DYNAMODB_FAULTS.items():
        with subtests.test(kind):
            faults.on("dynamodb", "BatchGetItem", fault)
            assert_unavailable(api.call("POST", "/v1/quotes", platform_key, quote_body(contractor)))
        faults.clear()
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


def test_customer_create_faults_are_503_and_write_nothing(api, platform_key, faults, subtests):
    for kind, fault in TRANSACTION_FAULTS.items():
        with subtests.test(kind):
            faults.on("dynamodb", "TransactWriteItems", fault)
            assert_unavailable(api.call("POST", "/v1/customers", platform_key, customer_body()))
        faults.clear()
    assert api.json("GET", "/v1/customers", platform_key)[1]["data"] == []


def test_platform_create_faults_are_503_and_leave_neither_platform_nor_key(api, faults, subtests):
    for kind, fault in TRANSACTION_FAULTS.items():
        with subtests.test(kind):
            faults.on("dynamodb", "TransactWriteItems", fault)
            assert_unavailable(api.call("POST", "/v1/platforms", ADMIN_KEY, {"name": "Acme"}))
            assert ids_with("plt_") == [] and ids_with("key_") == []
        faults.clear()


@pytest.fixture
def opted_in(api, platform_key) -> dict[str, Any]:
    """A contractor with an active WC + GL policy (as tests/functional/test_assignments.py)."""
    contractor = api.json("POST", "/v1/contractors", platform_key, contractor_body())[1]["id"]
    quote = api.json("POST", "/v1/quotes", platform_key, quote_body(contractor))[1]
    policy = {"quote": quote["id"], "accept_terms": True}
    assert api.json("POST", "/v1/policies", platform_key, policy)[0] == 201
    return {"contractor": contractor}


def test_dispatch_bind_faults_are_503_and_book_nothing(
    api, platform_key, opted_in, faults, subtests
):
    from tests.functional.test_assignments import dispatch

    for kind, fault in TRANSACTION_FAULTS.items():
        with subtests.test(kind):
            faults.on("dynamodb", "TransactWriteItems", fault)
            status, body = dispatch(api, platform_key, opted_in["contractor"], f"job-{kind}")
            assert (status, body["error"]["code"]) == (503, "service_unavailable")
            assert ids_with("asg_") == [] and ids_with("led_") == []
        faults.clear()
    # And the same request goes through once DynamoDB is back.
    assert dispatch(api, platform_key, opted_in["contractor"], "job-throttling")[0] == 201


def test_quote_and_policy_write_faults_are_503(api, platform_key, faults, subtests):
    contractor = api.json("POST", "/v1/contractors", platform_key, contractor_body())[1]["id"]
    for kind in ["cancelled_throttling", "endpoint_connection", "read_timeout"]:
        with subtests.test(kind):
            fault = TRANSACTION_FAULTS[kind]
            quotes, policies = ids_with("qte_"), ids_with("pol_")
            faults.on("dynamodb", "TransactWriteItems", fault, times=1)
            assert_unavailable(api.call("POST", "/v1/quotes", platform_key, quote_body(contractor)))
            assert ids_with("qte_") == quotes
            status, quote = api.json("POST", "/v1/quotes", platform_key, quote_body(contractor))
            assert status == 201
            faults.on("dynamodb", "TransactWriteItems", fault, times=1)
            policy = {"quote": quote["id"], "accept_terms": True}
            assert_unavailable(api.call("POST", "/v1/policies", platform_key, policy))
            assert ids_with("pol_") == policies
            assert api.json("POST", "/v1/policies", platform_key, policy)[0] == 201
        faults.clear()


def test_throttled_transaction_is_never_a_conflict(api, platform_key, opted_in, faults):
    """ThrottlingError next to conflict-free reasons: the old mapping called this 409
    `concurrent_update`; it is DynamoDB's capacity, so 503."""
    from tests.functional.test_assignments import dispatch

    faults.on("dynamodb", "TransactWriteItems", cancelled("None", "None", "ThrottlingError"))
    status, body = dispatch(api, platform_key, opted_in["contractor"])
    assert status == 503 and body["error"]["code"] == "service_unavailable"


def test_a_bug_in_our_request_is_still_a_500(api, platform_key, faults):
    """Not every DynamoDB error is a dependency's: a ValidationException is ours, and says so."""
    faults.on("dynamodb", "Query", aws_error("ValidationException"))
    response = api.call("GET", "/v1/customers", platform_key)
    assert response.status_code == 500
    assert response.json_body["error"]["code"] == "internal_error"


def test_platform_and_its_first_key_are_one_transaction(api, faults):
    transactions = faults.on("dynamodb", "TransactWriteItems", None)
    puts = faults.on("dynamodb", "PutItem", None, when=on_table(TABLE))
    status, body = api.json("POST", "/v1/platforms", ADMIN_KEY, {"name": "Acme"})
    assert status == 201
    assert puts.seen == []
    (transaction,) = transactions.seen
    written = [operation["Put"]["Item"] for operation in transaction["TransactItems"]]
    platform, key, directory = written  # the key's directory item finds it by id (revocation)
    assert [platform["id"]["S"], key["id"]["S"][:4]] == [body["id"], "key_"]
    assert key["platform"]["S"] == body["id"]
    assert directory["pk"]["S"] == f"KEY#{key['id']['S']}"
    assert directory["key_hash"] == key["key_hash"]
    assert all(
        operation["Put"]["ConditionExpression"] == "attribute_not_exists(pk)"
        for operation in transaction["TransactItems"]
    )
    assert api.call("GET", "/v1/customers", body["api_key"]).status_code == 200
