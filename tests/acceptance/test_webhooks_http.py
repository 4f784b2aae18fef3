"""Webhooks on `make run`'s stack with the scheduler thread on: a state change reaches a real
receiver on 127.0.0.1, signed (verified with the `standardwebhooks` library), within seconds,
and a receiver that fails once gets the event again 5 s later."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.acceptance.conftest import Stack, start_stack, stop_stack
from tests.answers import CLEAN_ANSWERS
from tests.receiver import Receiver, running_receiver

pytestmark = pytest.mark.acceptance


def wait_for(receiver: Receiver, count: int, seconds: float) -> float:
    """Seconds until the receiver has `count` requests (fails after `seconds`)."""
    started = time.monotonic()
    while len(receiver.received) < count:
        assert time.monotonic() - started < seconds, f"only {len(receiver.received)} deliveries"
        time.sleep(0.05)
    return receiver.received[count - 1].at


def bind_policy(stack: Stack, key: str) -> str:
    contractor = stack.call(
        "POST",
        "/v1/contractors",
        key,
        json={
            "legal_name": "Dana Reyes",
            "entity_type": "sole_proprietor",
            "tin_type": "ssn",
            "tin": "123-45-6789",
            "has_employees": False,
            "email": "dana@example.com",
            "address": {"line1": "1 Main", "city": "Newark", "state": "NJ", "postal_code": "07102"},
            "years_in_business": 5,
        },
    ).json()["id"]
    quote = stack.call(
        "POST",
        "/v1/quotes",
        key,
        json={
            "contractor": contractor,
            "trade": "hvac",
            "work_state": "NJ",
            "lines": ["wc", "gl"],
            "effective_date": datetime.now(UTC).date().isoformat(),
            "estimated_annual_pay_cents": 4_000_000,
            "operations": CLEAN_ANSWERS,
        },
    ).json()["id"]
    policy = stack.call("POST", "/v1/policies", key, json={"quote": quote, "accept_terms": True})
    assert policy.status_code == 201, policy.text
    return str(policy.json()["id"])


def test_a_commit_reaches_the_receiver_signed_and_a_failed_attempt_is_retried_in_seconds():
    running = start_stack(extra_env={"JOBCOVER_LOCAL_SCHEDULE_SECONDS": "1"})
    try:
        assert running.process.stdout is not None
        threading.Thread(target=running.process.stdout.read, daemon=True).start()
        key = running.platform_key
        with running_receiver() as receiver:
            created = running.call(
                "POST",
                "/v1/webhook-endpoints",
                key,
                json={"url": receiver.url, "events": ["policy.activated"]},
            )
            assert created.status_code == 201, created.text
            secret = created.json()["secret"]

            committed = time.monotonic()
            policy_id = bind_policy(running, key)
            latency = wait_for(receiver, 1, 20) - committed
            payload = receiver.received[0].verify(secret)
            assert payload["type"] == "policy.activated" and payload["data"]["id"] == policy_id
            print(f"\ncommit -> receiver: {latency:.2f} s (scheduler every 1 s)")

            receiver.script = [500]  # the next event fails once, then succeeds
            committed = time.monotonic()
            bind_policy(running, key)
            wait_for(receiver, 3, 30)
            first, retry = receiver.received[1], receiver.received[2]
            assert first.headers["webhook-id"] == retry.headers["webhook-id"]
            assert 4.0 <= retry.at - first.at <= 12.0, retry.at - first.at
            retry.verify(secret)
            print(
                f"flaky receiver: 2 attempts, delivered {retry.at - committed:.2f} s after commit"
            )

            time.sleep(2.5)
            assert len(receiver.received) == 3  # each event seen once after its success
            attempts = running.call(
                "GET", f"/v1/webhook-endpoints/{created.json()['id']}/deliveries", key
            ).json()["data"]
            assert [a["response_code"] for a in attempts] == [200, 500, 200]
            events = running.call("GET", "/v1/events?type=policy.activated", key).json()["data"]
            assert len(events) == 2
            since = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
            assert running.call("GET", "/v1/events", key, params={"since": since}).json() == {
                "data": [],
                "has_more": False,
            }
    finally:
        assert stop_stack(running.process), "the stack needed SIGKILL or left a process behind"
