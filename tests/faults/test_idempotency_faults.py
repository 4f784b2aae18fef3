"""Idempotency-Key under faults (API.md "Conventions"): only final outcomes are kept, a record left
in progress by a failure is released (never replayed as a success, never blocking), and a
response carrying a secret is kept with the secret null."""

from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ConnectionClosedError

from tests.faults.conftest import (
    DYNAMODB_FAULTS,
    IDEMPOTENCY_TABLE,
    URL,
    assert_unavailable,
    cancelled,
    contractor_body,
    customer_body,
    items,
    on_table,
    raising,
)
from tests.functional.conftest import ADMIN_KEY


def key(value: str) -> dict[str, str]:
    return {"Idempotency-Key": value}


def customers(api, platform_key) -> list[dict]:
    return list(api.json("GET", "/v1/customers", platform_key)[1]["data"])


def test_a_503_is_not_kept_and_the_retry_runs(api, platform_key, faults, subtests):
    for kind in ["throttling", "internal_server_error", "read_timeout"]:
        with subtests.test(kind):
            faults.on("dynamodb", "TransactWriteItems", DYNAMODB_FAULTS[kind], times=1)
            body, headers = customer_body(name=kind), key(kind)
            first = api.call("POST", "/v1/customers", platform_key, body, headers=headers)
            assert_unavailable(first)
            retry = api.call("POST", "/v1/customers", platform_key, body, headers=headers)
            assert retry.status_code == 201 and "Idempotent-Replayed" not in retry.headers
            replay = api.call("POST", "/v1/customers", platform_key, body, headers=headers)
            assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
            assert json.loads(replay.body) == json.loads(retry.body)
            assert [c["name"] for c in customers(api, platform_key)].count(kind) == 1
        faults.clear()


def test_a_503_from_a_throttled_transaction_is_not_kept(api, faults):
    faults.on("dynamodb", "TransactWriteItems", cancelled("ThrottlingError", "None"), times=1)
    body = {"name": "Acme"}
    assert_unavailable(api.call("POST", "/v1/platforms", ADMIN_KEY, body, headers=key("p")))
    retry = api.call("POST", "/v1/platforms", ADMIN_KEY, body, headers=key("p"))
    assert retry.status_code == 201 and retry.json_body["api_key"].startswith("jcp_")


def test_a_kms_503_is_not_kept(api, platform_key, faults):
    from tests.faults.conftest import aws_error

    faults.on("kms", "Encrypt", aws_error("KMSInternalException", 500), times=1)
    body = contractor_body()
    assert_unavailable(api.call("POST", "/v1/contractors", platform_key, body, headers=key("c")))
    retry = api.call("POST", "/v1/contractors", platform_key, body, headers=key("c"))
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry.headers


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        ("rate_limited", 429, "rate_limited"),
        ("concurrent_update", 409, "concurrent_update"),
        ("bug", 500, "internal_error"),
    ],
)
def test_429_409_concurrent_update_and_500_are_not_kept(
    api, platform_key, monkeypatch, error, status, code
):
    from chalicelib.domain.errors import Conflict, Throttled
    from chalicelib.services.parties import PartyServices

    original = PartyServices.create_customer
    raised = {
        "rate_limited": Throttled("Too many requests from this key.", retry_after_seconds=3),
        "concurrent_update": Conflict("Collided; retry.", code="concurrent_update"),
        "bug": RuntimeError("boom"),
    }[error]
    calls = []

    def once(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise raised
        return original(self, *args, **kwargs)

    monkeypatch.setattr(PartyServices, "create_customer", once)
    first = api.call("POST", "/v1/customers", platform_key, customer_body(), headers=key("t"))
    assert (first.status_code, first.json_body["error"]["code"]) == (status, code)
    if status == 429:
        assert first.headers["Retry-After"] == "3"
    retry = api.call("POST", "/v1/customers", platform_key, customer_body(), headers=key("t"))
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry.headers
    assert len(calls) == 2 and len(customers(api, platform_key)) == 1
    assert items(IDEMPOTENCY_TABLE)[0]["status"]["S"] == "COMPLETED"


def test_a_final_error_is_kept_and_replayed(api, faults):
    body = {"role": "platform", "platform": "plt_01jz0000000000000000000000"}
    first = api.call("POST", "/v1/api-keys", ADMIN_KEY, body, headers=key("nf"))
    assert first.status_code == 404
    again = api.call("POST", "/v1/api-keys", ADMIN_KEY, body, headers=key("nf"))
    assert again.status_code == 404 and again.headers["Idempotent-Replayed"] == "true"
    assert json.loads(again.body) == json.loads(first.body)


def test_a_failed_store_of_the_outcome_releases_the_key(api, platform_key, faults, subtests):
    """The effect committed, then storing its outcome on the key failed: the caller still gets
    the answer it earned, and the key is released (not left "in progress": no 409, no 500), so a
    retry runs again rather than being answered with a success from nowhere."""
    for kind in ["throttling", "internal_server_error", "connection_closed"]:
        with subtests.test(kind):
            updates = faults.on(
                "dynamodb",
                "UpdateItem",
                DYNAMODB_FAULTS[kind],
                when=on_table(IDEMPOTENCY_TABLE),
                times=1,
            )
            body, headers = customer_body(name=kind), key(kind)
            first = api.call("POST", "/v1/customers", platform_key, body, headers=headers)
            assert first.status_code == 201 and updates.failed == 1
            stored = [item["status"]["S"] for item in items(IDEMPOTENCY_TABLE)]
            assert "INPROGRESS" not in stored  # released
            retry = api.call("POST", "/v1/customers", platform_key, body, headers=headers)
            assert retry.status_code == 201 and "Idempotent-Replayed" not in retry.headers
            replay = api.call("POST", "/v1/customers", platform_key, body, headers=headers)
            assert replay.headers["Idempotent-Replayed"] == "true"
            assert replay.json_body["id"] == retry.json_body["id"]
        faults.clear()


def test_a_record_whose_release_fails_too_lapses_after_its_lease(
    api, platform_key, faults, monkeypatch
):
    """Storing the outcome and releasing both fail (DynamoDB gone mid-request): the record stays
    in progress only for its lease (the Lambda's remaining time: here 1 s); meanwhile a retry is
    409 `idempotency_in_progress`, after it the retry runs."""
    from chalice.local import LambdaContext

    monkeypatch.setattr(LambdaContext, "get_remaining_time_in_millis", lambda self: 1000)
    gone = raising(lambda: ConnectionClosedError(endpoint_url=URL))
    for operation in ("UpdateItem", "DeleteItem"):
        faults.on("dynamodb", operation, gone, when=on_table(IDEMPOTENCY_TABLE), times=1)
    first = api.call("POST", "/v1/customers", platform_key, customer_body(), headers=key("l"))
    assert first.status_code == 201
    early = api.call("POST", "/v1/customers", platform_key, customer_body(), headers=key("l"))
    assert (early.status_code, early.json_body["error"]["code"]) == (409, "idempotency_in_progress")
    time.sleep(1.1)
    late = api.call("POST", "/v1/customers", platform_key, customer_body(), headers=key("l"))
    assert late.status_code == 201 and "Idempotent-Replayed" not in late.headers


def test_a_failed_claim_is_503_and_runs_nothing(api, platform_key, faults):
    faults.on(
        "dynamodb", "PutItem", DYNAMODB_FAULTS["throttling"], when=on_table(IDEMPOTENCY_TABLE)
    )
    response = api.call("POST", "/v1/customers", platform_key, customer_body(), headers=key("x"))
    assert_unavailable(response)
    faults.clear()
    assert customers(api, platform_key) == []


@pytest.mark.parametrize(
    ("path", "body"),
    [("/v1/platforms", {"name": "Acme"}), ("/v1/api-keys", {"role": "underwriter"})],
)
def test_a_created_key_is_never_stored_and_replays_as_null(api, path, body):
    first = api.call("POST", path, ADMIN_KEY, body, headers=key("s"))
    assert first.status_code == 201
    secret = first.json_body["api_key"]
    assert secret.startswith(("jcp_", "jcu_"))
    stored = json.dumps(items(IDEMPOTENCY_TABLE))
    assert secret not in stored and secret[4:] not in stored
    replay = api.call("POST", path, ADMIN_KEY, body, headers=key("s"))
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json_body == {**first.json_body, "api_key": None}
    # The key itself works; the replay created nothing more.
    assert api.call("GET", "/v1/customers", secret).status_code in {200, 403}
