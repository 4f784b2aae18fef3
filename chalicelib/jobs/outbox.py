"""The `outbox` job: hand every due event to each registered consumer, then remove it.

Per event: claim it (a conditional move to `now + LEASE`, attempts + 1), so two overlapping runs
(a scheduled one and an admin's, or an EventBridge re-delivery) never both handle it; give it to
each consumer that has not handled it yet; then delete it. A consumer that raises leaves the
event in the outbox, due again after a backoff, with the consumers that did handle it recorded so
they are not called again; the other consumers and the other events of the run go on. A run
that dies mid-event leaves that event claimed until the lease ends, then it is due again:
nothing is lost.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from time import monotonic as monotonic_seconds

from aws_lambda_powertools.logging import Logger

from chalicelib.domain.clock import utc_today
from chalicelib.domain.errors import Conflict
from chalicelib.domain.events import OutboxEvent
from chalicelib.jobs.registry import JobRequest, JobResult
from chalicelib.ports import Clock, OutboxConsumer, OutboxEntry, OutboxReader

# Longer than any one event's handling can take (the outbox function's timeout is 120 s).
LEASE = timedelta(minutes=5)
# Delay before attempt n+1 after attempt n failed; the last one repeats: never given up.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
)
# One run stops claiming after this many events or seconds (the admin route must answer within
# API Gateway's 29 s); what is left is due for the next run, and the result says `more`.
BATCH = 500
BUDGET_SECONDS = 20.0
logger = Logger(service="jobcover")
# The consumers by a stable name: the name is what an outbox item records as `handled_by`.
Consumers = dict[str, OutboxConsumer]


def retry_delay(attempts: int) -> timedelta:
    """Backoff after the `attempts`-th attempt failed (1-based): 1 min, 5 min, 30 min, 2 h, 5 h,
    then every 10 h."""
    return RETRY_DELAYS[min(max(attempts, 1), len(RETRY_DELAYS)) - 1]


def run_instant(request: JobRequest, clock: Clock) -> datetime:
    """The instant a run reads as now: `now` if given; the clock on today; else the end of
    `as_of` (everything due on or before that date)."""
    if request.now is not None:
        return request.now
    current = clock.now()
    if request.as_of == utc_today(current):
        return current
    return datetime.combine(request.as_of, time.max, tzinfo=UTC)


class MarkerConsumer:
    """The first consumer, a no-op marker: logs the event and counts it by type. Certificates
    and webhooks register real consumers next to it."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def handle(self, event: OutboxEvent) -> None:
        self.counts[event.type] = self.counts.get(event.type, 0) + 1
        logger.info(
            "outbox event",
            extra={"event": event.id, "type": event.type, "platform": event.platform},
        )


@dataclass
class _Tally:
    processed: int = 0
    retried: int = 0
    skipped: int = 0
    failures: list[dict[str, str]] = field(default_factory=list)


class OutboxJob:
    """`outbox`: deliver due events to the consumers, by name (names are recorded on retries)."""

    def __init__(
        self,
        outbox: OutboxReader,
        consumers: Mapping[str, OutboxConsumer],
        clock: Clock,
        *,
        batch: int = BATCH,
        budget_seconds: float = BUDGET_SECONDS,
        monotonic: Callable[[], float] = monotonic_seconds,
    ) -> None:
        self._outbox = outbox
        # Read at each run, so a consumer registered after this job was built is called too.
        self._consumers = consumers
        self._clock = clock
        self._batch = batch
        self._budget = budget_seconds
        self._monotonic = monotonic

    def __call__(self, request: JobRequest) -> JobResult:
        started = self._monotonic()
        now = run_instant(request, self._clock)
        due = self._outbox.due(now, self._batch + 1, platform=request.platform)
        # Leases guard against runs happening now, whatever instant this one reads as now.
        lease_until = max(now, self._clock.now()) + LEASE
        tally = _Tally()
        more = len(due) > self._batch
        for entry in due[: self._batch]:
            if self._monotonic() - started > self._budget:
                more = True
                break
            self._deliver(entry, now, lease_until, tally)
        result: JobResult = {
            "processed": tally.processed,
            "retried": tally.retried,
            "skipped": tally.skipped,
            "more": more,
            "now": now.isoformat(),
            "platform": request.platform,
        }
        if tally.failures:
            result["failures"] = tally.failures
        return result

    def _deliver(
        self, entry: OutboxEntry, now: datetime, lease_until: datetime, tally: _Tally
    ) -> None:
        try:
            claimed = self._outbox.claim(entry, lease_until)
        except Conflict:
            tally.skipped += 1  # another run has it, or settled it meanwhile
            return
        handled = set(claimed.handled_by)
        failures: list[tuple[str, Exception]] = []
        for name, consumer in list(self._consumers.items()):
            if name in handled:
                continue
            try:
                consumer.handle(claimed.event)
            except Exception as exc:  # any consumer failure: retry later, never lose the event
                failures.append((name, exc))
            else:
                handled.add(name)
        due_at = now + retry_delay(claimed.event.attempts)
        try:
            if failures:
                self._outbox.retry(claimed, due_at, handled_by=frozenset(handled))
            else:
                self._outbox.done(claimed)
        except Conflict:
            # The lease ran out and another run took the event over: it is that run's now.
            tally.skipped += 1
            return
        if not failures:
            tally.processed += 1
            return
        tally.retried += 1
        for consumer_name, error in failures:
            tally.failures.append(
                {
                    "event": claimed.event.id,
                    "consumer": consumer_name,
                    "error": type(error).__name__,
                    "attempts": str(claimed.event.attempts),
                    "next_attempt": due_at.isoformat(),
                }
            )
            logger.warning(
                "outbox consumer failed; event retried later",
                extra={"event": claimed.event.id, "consumer": consumer_name, "error": repr(error)},
            )
