"""Webhook delivery on `make run`'s stack: commit-to-receiver latency and attempts per event.

    python bench/webhooks.py [N]

Starts the local stack with the scheduler thread every second (JOBCOVER_LOCAL_SCHEDULE_SECONDS=1)
and a receiver on 127.0.0.1 that verifies every signature with `standardwebhooks`. Phase 1: N
policies bound one after another; the latency from the `POST /v1/policies` answer to the signed
`policy.activated` at the receiver, next to the baseline of the schedule's own period (a
delivery cannot beat the run that sends it). Phase 2: N more with a receiver that fails 30 % of
requests at random (seeded); retries beyond the in-run 5 s one are driven with
`POST /v1/admin/jobs/webhooks {"now"}`; prints attempts per event (1 / 0.7 = 1.43 expected) and
checks every event arrived, every signature verified.
"""

from __future__ import annotations

import random
import statistics
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.acceptance.conftest import Stack, start_stack, stop_stack  # noqa: E402
from tests.receiver import Receiver, running_receiver  # noqa: E402

PERIOD_SECONDS = 1.0
FAILURE_RATE = 0.3


class FlakyReceiver(Receiver):
    def __init__(self, failure_rate: float, seed: int) -> None:
        super().__init__()
        self._random = random.Random(seed)
        self.failure_rate = failure_rate

    def next_answer(self) -> int | tuple[str, float, int]:
        with self.lock:
            return 500 if self._random.random() < self.failure_rate else 200


def bind_policy(stack: Stack, key: str, n: int) -> str:
    contractor = stack.call(
        "POST",
        "/v1/contractors",
        key,
        json={
            "legal_name": f"Tech {n}",
            "entity_type": "sole_proprietor",
            "tin_type": "ssn",
            "tin": "123-45-6789",
            "has_employees": False,
            "email": "tech@example.com",
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
            "lines": ["wc"],
            "effective_date": datetime.now(UTC).date().isoformat(),
            "estimated_annual_pay_cents": 4_000_000,
        },
    ).json()["id"]
    answer = stack.call("POST", "/v1/policies", key, json={"quote": quote, "accept_terms": True})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def endpoint(stack: Stack, key: str, url: str) -> str:
    answer = stack.call(
        "POST", "/v1/webhook-endpoints", key, json={"url": url, "events": ["policy.activated"]}
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["secret"])


def latency(stack: Stack, key: str, n: int) -> list[float]:
    with running_receiver() as receiver:
        secret = endpoint(stack, key, receiver.url)
        figures = []
        for number in range(n):
            policy = bind_policy(stack, key, number)
            committed = time.monotonic()
            deadline = committed + 30
            while len(receiver.received) <= number:
                assert time.monotonic() < deadline, "no delivery within 30 s"
                time.sleep(0.01)
            delivery = receiver.received[number]
            assert delivery.verify(secret)["data"]["id"] == policy
            figures.append(delivery.at - committed)
        return figures


def flaky(stack: Stack, key: str, n: int) -> Counter[str]:
    with running_receiver(FlakyReceiver(FAILURE_RATE, seed=7)) as base:
        secret = endpoint(stack, key, base.url)
        policies = [bind_policy(stack, key, 1000 + i) for i in range(n)]
        # The scheduler makes the first attempts and the 5 s retries on the live clock; later
        # retries (5 min on) are then driven with `now`, where the live runs never reach them.
        time.sleep(15)
        at = datetime.now(UTC)
        deadline = time.monotonic() + 120
        while True:
            events = {r.headers["webhook-id"] for r in base.received}
            if len(events) == n and _settled(stack, key) == n:
                break
            assert time.monotonic() < deadline, "flaky deliveries did not finish"
            time.sleep(1.5)
            at += timedelta(hours=1)  # past the 5 min / 30 min / 2 h retries
            stack.call(
                "POST", "/v1/admin/jobs/webhooks", stack.admin_key, json={"now": at.isoformat()}
            )
        for delivery in base.received:
            delivery.verify(secret)
        per_event = Counter(r.headers["webhook-id"] for r in base.received)
        assert len(per_event) == len(policies)
        newest = stack.call("GET", "/v1/webhook-endpoints", key).json()["data"][0]["id"]
        log = stack.call("GET", f"/v1/webhook-endpoints/{newest}/deliveries?limit=100", key).json()[
            "data"
        ]
        print(f"  attempts logged {len(log)}, requests received {len(base.received)}")
        return per_event


def _settled(stack: Stack, key: str) -> int:
    """How many events have their last attempt made (succeeded, or failed for good)."""
    newest = stack.call("GET", "/v1/webhook-endpoints", key).json()["data"][0]["id"]
    attempts = stack.call(
        "GET", f"/v1/webhook-endpoints/{newest}/deliveries?limit=100", key
    ).json()["data"]
    return len({a["event"] for a in attempts if a["delivery_status"] != "retrying"})


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    stack = start_stack(extra_env={"JOBCOVER_LOCAL_SCHEDULE_SECONDS": str(PERIOD_SECONDS)})
    assert stack.process.stdout is not None
    threading.Thread(target=stack.process.stdout.read, daemon=True).start()
    try:
        figures = latency(stack, stack.platform_key, n)
        median = statistics.median(figures)
        print(f"commit -> receiver, {n} events (scheduler every {PERIOD_SECONDS:g} s):")
        print(
            f"  median {median:.2f} s, max {max(figures):.2f} s; baseline (the period) "
            f"{PERIOD_SECONDS:.2f} s; ratio {median / PERIOD_SECONDS:.2f}x"
        )
        other = stack.call("POST", "/v1/platforms", stack.admin_key, json={"name": "Flaky"})
        per_event = flaky(stack, other.json()["api_key"], n)
        counts = list(per_event.values())
        print(f"flaky receiver ({FAILURE_RATE:.0%} of requests fail), {n} events:")
        print(
            f"  attempts per event: mean {statistics.mean(counts):.2f} (expected "
            f"{1 / (1 - FAILURE_RATE):.2f}), max {max(counts)}; every event delivered, verified"
        )
    finally:
        stop_stack(stack.process)


if __name__ == "__main__":
    main()
