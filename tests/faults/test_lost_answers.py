"""Every write path with its DynamoDB answer lost after the commit: the SDK's retry (same
ClientRequestToken) meets its own write and the caller gets the answer it earned, never a 409
about its own object; nothing is written twice; the books balance."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from tests.faults.injection import DynamoFaults
from tests.functional.conftest import (
    ADMIN_KEY,
    Api,
    california_contractor_body,
    contractor_body,
    customer_body,
    quote_body,
)
from tests.functional.test_assignments import TODAY, address, window


@pytest.fixture
def faults(api: Api) -> DynamoFaults:
    from chalicelib.bootstrap import container

    return DynamoFaults().install(container().dynamodb)


@pytest.fixture
def underwriter(api: Api) -> str:
    return str(api.json("POST", "/v1/api-keys", ADMIN_KEY, {"role": "underwriter"})[1]["api_key"])


class Scene:
    """A platform with an opted-in NJ/PA tech, driven over the API."""

    def __init__(self, api: Api, key: str, underwriter: str) -> None:
        self.api, self.key, self.underwriter = api, key, underwriter
        self.contractor = self.post("/v1/contractors", contractor_body())["id"]
        quote = self.post("/v1/quotes", quote_body(self.contractor))
        self.policy = self.post("/v1/policies", {"quote": quote["id"], "accept_terms": True})

    def post(self, path: str, body: Any, key: str | None = None, expect: int = 201) -> Any:
        status, answer = self.api.json("POST", path, key or self.key, body)
        assert status == expect, answer
        return answer

    def job(self, external_id: str, **overrides: Any) -> dict[str, Any]:
        body = {
            "external_id": external_id,
            "contractor": self.contractor,
            "trade": "hvac",
            "work_address": address("PA"),
            "window": window(),
            "pay": {"amount_cents": 40_000, "basis": "flat"},
            "lines": ["wc", "gl"],
            **overrides,
        }
        return body

    def assignment(self, external_id: str, **overrides: Any) -> dict[str, Any]:
        return dict(self.post("/v1/assignments", self.job(external_id, **overrides)))

    def get(self, path: str, key: str | None = None) -> Any:
        status, body = self.api.json("GET", path, key or self.key)
        assert status == 200, body
        return body

    def books_balance(self, assignment_id: str) -> None:
        ledger = self.get(f"/v1/ledger?assignment={assignment_id}")
        assert (
            ledger["total_cents"] == self.get(f"/v1/assignments/{assignment_id}")["premium_cents"]
        )


@pytest.fixture
def scene(api: Api, platform_key: str, underwriter: str) -> Scene:
    return Scene(api, platform_key, underwriter)


def test_create_assignment(scene: Scene, faults: DynamoFaults) -> None:
    faults.lose_answer()
    created = scene.assignment("lost-1")
    assert created["status"] == "bound"
    listed = scene.get("/v1/assignments")["data"]
    assert [a["id"] for a in listed] == [created["id"]]
    scene.books_balance(created["id"])
    # The commit and the SDK's retry; then the certificate's own (its revision recorded valid).
    assert faults.seen.count("TransactWriteItems") == 3


def test_create_assignment_with_waiver_claim(scene: Scene, faults: DynamoFaults) -> None:
    customer = scene.post("/v1/customers", customer_body())["id"]
    faults.lose_answer()
    created = scene.assignment("lost-w", customer=customer)
    charges = scene.get(f"/v1/ledger?assignment={created['id']}")["data"]
    assert sum(e["type"] == "waiver_charge" for e in charges) >= 1
    scene.books_balance(created["id"])


Step = Callable[[Scene, str], tuple[int, Any]]


def _patch(scene: Scene, asg: str) -> tuple[int, Any]:
    body = {"pay": {"amount_cents": 55_000, "basis": "flat"}}
    return scene.api.json("PATCH", f"/v1/assignments/{asg}", scene.key, body)  # type: ignore[no-any-return]


def _start(scene: Scene, asg: str) -> tuple[int, Any]:
    return scene.api.json("POST", f"/v1/assignments/{asg}/start", scene.key, {})  # type: ignore[no-any-return]


def _cancel(scene: Scene, asg: str) -> tuple[int, Any]:
    body = {"reason": "client_request"}
    return scene.api.json("POST", f"/v1/assignments/{asg}/cancel", scene.key, body)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("step", "status"),
    [(_patch, "bound"), (_start, "active"), (_cancel, "cancelled")],
    ids=["patch", "start", "cancel"],
)
def test_transition(scene: Scene, faults: DynamoFaults, step: Step, status: str) -> None:
    created = scene.assignment("t-1", window=window(days_from_now=0, hours=30))
    faults.lose_answer()
    code, body = step(scene, created["id"])
    assert code == 200, body
    assert body["status"] == status
    scene.books_balance(created["id"])


def test_complete(scene: Scene, faults: DynamoFaults) -> None:
    created = scene.assignment("c-1", window=window(days_from_now=0, hours=30))
    assert _start(scene, created["id"])[0] == 200
    faults.lose_answer()
    code, body = scene.api.json(
        "POST", f"/v1/assignments/{created['id']}/complete", scene.key, {"actual_pay_cents": 45_000}
    )
    assert code == 200, body
    assert body["status"] == "completed"
    entries = scene.get(f"/v1/ledger?assignment={created['id']}")["data"]
    assert sum(e["type"] == "premium_adjustment" for e in entries) == 2  # wc and gl, once each
    scene.books_balance(created["id"])


def test_quote_and_policy(scene: Scene, faults: DynamoFaults) -> None:
    faults.lose_answer()
    quote = scene.post("/v1/quotes", quote_body(scene.contractor))
    faults.lose_answer()
    policy = scene.post("/v1/policies", {"quote": quote["id"], "accept_terms": True})
    assert policy["quote"] == quote["id"]
    again = scene.api.json(
        "POST", "/v1/policies", scene.key, {"quote": quote["id"], "accept_terms": True}
    )
    assert again[0] == 409 and again[1]["error"]["code"] == "quote_already_bound"


def test_referral_decision_of_a_dispatch(scene: Scene, faults: DynamoFaults) -> None:
    backdated = quote_body(scene.contractor, effective_date=(TODAY - timedelta(days=5)).isoformat())
    quote = scene.post("/v1/quotes", backdated)
    scene.post(f"/v1/referrals/{quote['referral']['id']}/approve", {}, scene.underwriter, 200)
    scene.post("/v1/policies", {"quote": quote["id"], "accept_terms": True})
    referred = scene.assignment("r-1", window=window(days_from_now=-1, hours=72))
    assert referred["status"] == "referred"
    faults.lose_answer()
    decided = scene.post(
        f"/v1/referrals/{referred['referral']['id']}/approve", {}, scene.underwriter, 200
    )
    assert decided["status"] == "approved"
    after = scene.get(f"/v1/assignments/{referred['id']}")
    assert after["status"] == "bound"
    scene.books_balance(referred["id"])


def test_payment_pays_once(
    api: Api, platform_key: str, underwriter: str, faults: DynamoFaults
) -> None:
    contractor = api.json("POST", "/v1/contractors", platform_key, california_contractor_body())[1]
    quote = api.json(
        "POST",
        "/v1/quotes",
        platform_key,
        quote_body(
            contractor["id"],
            trade="plumbing",
            work_state="CA",
            lines=["wc"],
            effective_date=(TODAY + timedelta(days=21)).isoformat(),
            estimated_annual_pay_cents=400_000_000,
            hourly_wage_cents=4000,
        ),
    )[1]
    api.json("POST", f"/v1/referrals/{quote['referral']['id']}/approve", underwriter, {})
    policy = api.json(
        "POST", "/v1/policies", platform_key, {"quote": quote["id"], "accept_terms": True}
    )[1]
    faults.lose_answer()
    status, payment = api.json(
        "POST",
        f"/v1/policies/{policy['id']}/payments",
        platform_key,
        {"amount_cents": 10_000, "reference": "ach-1"},
    )
    assert status == 201, payment
    after = api.json("GET", f"/v1/policies/{policy['id']}", platform_key)[1]
    assert after["balance_due_cents"] == policy["balance_due_cents"] - 10_000
