"""Events as platforms see them, deliveries of them to endpoints, and the retry schedule.

A `RecordedEvent` is an outbox event rendered as the API returns its object, kept 30 days for
`GET /v1/events` and redelivery; its `body` is the exact JSON sent (and signed) on every attempt.
A `DeliveryTask` is one event owed to one endpoint, due at a time; each try is logged as a
`DeliveryAttempt`. After a failed attempt the next is due after `RETRY_DELAYS` (API.md: 5 s,
5 min, 30 min, 2 h, 5 h, 10 h, 10 h), with jitter; the eighth failure makes the delivery `failed`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

EVENT_RETENTION = timedelta(days=30)
ATTEMPT_RETENTION = timedelta(days=30)
RETRY_DELAYS = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# Each delay is stretched or shrunk by up to this fraction, so receivers that failed together
# are not retried in lockstep.
JITTER = 0.1
AttemptStatus = Literal["succeeded", "failed"]
DeliveryStatus = Literal["succeeded", "retrying", "failed"]


@dataclass(frozen=True)
class RecordedEvent:
    id: str
    type: str
    platform: str
    created_at: datetime
    body: str  # {"id", "type", "created_at", "data"} as sent

    def kept_at(self, now: datetime) -> bool:
        return now - self.created_at < EVENT_RETENTION


@dataclass(frozen=True)
class DeliveryTask:
    """One event owed to one endpoint; `attempts` made so far, the next due at `due_at`."""

    id: str
    platform: str
    endpoint: str
    event: str
    event_type: str
    created_at: datetime
    due_at: datetime
    attempts: int = 0


@dataclass(frozen=True)
class SendOutcome:
    """What one HTTP attempt came to: a status code, or an error with no response."""

    status_code: int | None
    error: str | None
    latency_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True)
class DeliveryAttempt:
    id: str
    platform: str
    endpoint: str
    delivery: str
    event: str
    event_type: str
    attempt: int
    status: AttemptStatus
    delivery_status: DeliveryStatus
    response_code: int | None
    error: str | None
    latency_ms: int
    next_retry_at: datetime | None
    created_at: datetime


def retry_delay(attempts: int, jitter: float = 0.0) -> timedelta | None:
    """The wait after the `attempts`-th failed attempt (1-based), scaled by `1 + jitter` with
    `jitter` in [-JITTER, JITTER]; None after the last attempt (the delivery has failed)."""
    if attempts >= MAX_ATTEMPTS:
        return None
    bounded = max(-JITTER, min(JITTER, jitter))
    return RETRY_DELAYS[max(attempts, 1) - 1] * (1 + bounded)


def attempt_outcome(
    task: DeliveryTask,
    outcome: SendOutcome,
    *,
    attempt_id: str,
    now: datetime,
    jitter: float,
) -> DeliveryAttempt:
    """The log entry for the attempt just made: succeeded, retrying at a time, or failed."""
    attempt = task.attempts + 1
    delay = None if outcome.succeeded else retry_delay(attempt, jitter)
    if outcome.succeeded:
        status: DeliveryStatus = "succeeded"
    else:
        status = "retrying" if delay is not None else "failed"
    return DeliveryAttempt(
        id=attempt_id,
        platform=task.platform,
        endpoint=task.endpoint,
        delivery=task.id,
        event=task.event,
        event_type=task.event_type,
        attempt=attempt,
        status="succeeded" if outcome.succeeded else "failed",
        delivery_status=status,
        response_code=outcome.status_code,
        error=outcome.error,
        latency_ms=outcome.latency_ms,
        next_retry_at=now + delay if delay is not None else None,
        created_at=now,
    )
