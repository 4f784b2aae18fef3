"""Idempotency-Key: replay, reuse with another body, in-flight duplicates."""

from __future__ import annotations

import threading
import time

import pytest

from tests.functional.conftest import customer_body


def test_replay_returns_first_response_and_creates_nothing_more(api, platform_key):
    headers = {"Idempotency-Key": "k-1"}
    first = api.json("POST", "/v1/customers", platform_key, customer_body(), headers=headers)
    again = api.call("POST", "/v1/customers", platform_key, customer_body(), headers=headers)
    assert first[0] == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    import json

    assert json.loads(again.body) == first[1]
    _, page = api.json("GET", "/v1/customers", platform_key)
    assert len(page["data"]) == 1


def test_same_key_different_body_is_422_idempotency_key_reused(api, platform_key):
    headers = {"Idempotency-Key": "k-2"}
    api.json("POST", "/v1/customers", platform_key, customer_body(), headers=headers)
    status, body = api.json(
        "POST", "/v1/customers", platform_key, customer_body(name="Other"), headers=headers
    )
    assert (status, body["error"]["code"]) == (422, "idempotency_key_reused")


def test_same_key_on_another_endpoint_is_reuse(api, platform_key):
    from tests.functional.conftest import contractor_body

    headers = {"Idempotency-Key": "k-3"}
    api.json("POST", "/v1/customers", platform_key, customer_body(), headers=headers)
    status, body = api.json(
        "POST", "/v1/contractors", platform_key, contractor_body(), headers=headers
    )
    assert (status, body["error"]["code"]) == (422, "idempotency_key_reused")


def test_keys_are_scoped_per_platform(api, platform_key, other_platform_key):
    headers = {"Idempotency-Key": "shared"}
    a = api.json("POST", "/v1/customers", platform_key, customer_body(), headers=headers)
    b = api.json("POST", "/v1/customers", other_platform_key, customer_body(), headers=headers)
    assert a[0] == b[0] == 201
    assert a[1]["id"] != b[1]["id"]


def test_validation_failures_are_not_stored(api, platform_key):
    headers = {"Idempotency-Key": "k-4"}
    bad = api.json("POST", "/v1/customers", platform_key, customer_body(name=""), headers=headers)
    assert bad[0] == 422
    # Nothing ran, so nothing was stored: the corrected request under the same key goes through.
    good = api.json("POST", "/v1/customers", platform_key, customer_body(), headers=headers)
    assert good[0] == 201


def test_eight_concurrent_runs_with_one_key_execute_once(aws, dynamo):
    """The claim's conditional write lets exactly one of 8 racing threads run the action.

    `dynamo` makes moto apply each request atomically, as DynamoDB does.
    """
    from chalicelib.adapters.idempotency import Result
    from chalicelib.bootstrap import container
    from chalicelib.domain.errors import Conflict

    executor = container().idempotency
    executions = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)
    outcomes: list[object] = []

    def action():
        with lock:
            executions.append(1)
        time.sleep(0.3)
        body = '{"id": "cus_x"}'
        return Result(201, body, kept=body)

    def worker():
        barrier.wait()
        try:
            outcome = executor.run(
                scope="plt_test:race", fingerprint="same", action=action, lambda_context=None
            )
            outcomes.append(outcome.result.status)
        except Conflict as conflict:
            outcomes.append(conflict.code)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(executions) == 1
    assert outcomes.count(201) >= 1
    assert set(outcomes) <= {201, "idempotency_in_progress"}
    # After completion every retry replays.
    replay = executor.run(
        scope="plt_test:race", fingerprint="same", action=action, lambda_context=None
    )
    assert replay.replayed and replay.result.status == 201
    assert len(executions) == 1


@pytest.mark.parametrize("key", ["", "x" * 256])
def test_bad_idempotency_key_is_422(api, platform_key, key):
    status, body = api.json(
        "POST", "/v1/customers", platform_key, customer_body(), headers={"Idempotency-Key": key}
    )
    assert status == 422
    assert body["error"]["details"][0]["loc"] == ["header", "Idempotency-Key"]
