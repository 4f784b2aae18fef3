"""The answer is lost after the commit and every SDK retry fails too: the client sees a 503
(nothing kept under its Idempotency-Key), and its retry with the same key answers what the first
attempt committed, exactly once, never a 409 about its own object."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.faults.injection import DynamoFaults
from tests.faults.test_lost_answers import Scene
from tests.functional.conftest import Api, contractor_body, customer_body, quote_body
from tests.functional.test_assignments import window


@pytest.fixture
def faults(api: Api) -> DynamoFaults:
    from chalicelib.bootstrap import container

    return DynamoFaults().install(container().dynamodb)


@pytest.fixture
def scene(api: Api, platform_key: str) -> Scene:
    return Scene(api, platform_key, "")


def keyed(scene: Scene, path: str, body: Any, key: str) -> Any:
    return scene.api.call("POST", path, scene.key, body, headers={"Idempotency-Key": key})


def lose_then_retry(
    scene: Scene, faults: DynamoFaults, path: str, body: Any, key: str
) -> dict[str, Any]:
    faults.lose_answer(then_fail=10)  # every SDK retry fails: the client gets the failure
    first = keyed(scene, path, body, key)
    assert first.status_code == 503, first.body
    assert first.headers.get("Retry-After")
    faults.planned.clear()
    retry = keyed(scene, path, body, key)
    assert retry.status_code in (200, 201), retry.body
    return dict(json.loads(retry.body))


POSTS: dict[str, Callable[[Scene], tuple[str, Any]]] = {
    "customer": lambda s: ("/v1/customers", customer_body()),
    "contractor": lambda s: ("/v1/contractors", contractor_body(external_id="tech-2")),
    "quote": lambda s: ("/v1/quotes", quote_body(s.contractor)),
    "assignment": lambda s: ("/v1/assignments", s.job("retry-1")),
}


@pytest.mark.parametrize("kind", sorted(POSTS))
def test_create_retried_after_a_503_answers_the_one_it_committed(
    scene: Scene, faults: DynamoFaults, kind: str
) -> None:
    path, body = POSTS[kind](scene)
    created = lose_then_retry(scene, faults, path, body, f"create-{kind}")
    listed = scene.get(path)["data"] if kind != "quote" else [created]
    assert [item["id"] for item in listed].count(created["id"]) == 1
    if kind in ("customer", "assignment"):
        assert len(listed) == 1


@pytest.mark.parametrize("action", ["start", "cancel"])
def test_action_retried_after_a_503_answers_its_own_change(
    scene: Scene, faults: DynamoFaults, action: str
) -> None:
    created = scene.assignment("act-1", window=window(days_from_now=0, hours=30))
    body = {"reason": "client_request"} if action == "cancel" else {}
    answer = lose_then_retry(
        scene, faults, f"/v1/assignments/{created['id']}/{action}", body, f"act-{action}"
    )
    assert answer["status"] == {"start": "active", "cancel": "cancelled"}[action]
    scene.books_balance(created["id"])


def test_policy_retried_after_a_503_is_the_one_policy(scene: Scene, faults: DynamoFaults) -> None:
    quote = scene.post("/v1/quotes", quote_body(scene.contractor))
    policy = lose_then_retry(
        scene, faults, "/v1/policies", {"quote": quote["id"], "accept_terms": True}, "pol-1"
    )
    assert policy["quote"] == quote["id"]
