"""The `outbox` job: hand every due event to each registered consumer, then remove it.

Per event: claim it (a conditional move to `now + LEASE`, attempts + 1), so two overlapping runs
(a scheduled one and an admin's, or an EventBridge re-delivery) never both handle it; give it to
each consumer that has not handled it yet; then delete it. A consumer that raises leaves the
event in the outbox, due again after a backoff, with the consumers that did handle it recorded so
they are not called again; the other consumers and the other events of the run go on. A run
that dies mid-event leaves that event claimed until the lease ends, then it is due again:
nothing is lost.

A run takes at most `BATCH` events or `BUDGET_SECONDS` (the admin route answers within API
Gateway's 29 s). When more is due, the run fans out by outbox shard instead
(chalicelib/jobs/fanout.py; to the jobs queue in AWS, and on the local and test stages, without
a queue, in-process before the run answers): one worker per shard settles its shard's due events
page by page, 8 at a time, for up to `SHARD_BUDGET_SECONDS`. A busy platform records tens of
thousands of events a minute (docs/data-model.md, "Capacity"); one invocation settles a few
hundred, 64 workers a minute's worth each minute. What a worker leaves is the next minute's
run's: an outbox shard is never sent again as a continuation, or each minute a backlog lasted
would add a worker to every shard, each claiming what the others claim. An event whose claim or
settle fails (DynamoDB throttling) is counted in `failures` and left to its lease; the run goes
on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from time import monotonic as monotonic_seconds
from typing import TYPE_CHECKING

from aws_lambda_powertools.logging import Logger

from chalicelib.domain.clock import utc_today
from chalicelib.domain.errors import Conflict
from chalicelib.domain.events import OutboxEvent
from chalicelib.jobs.registry import JobRequest, JobResult
from chalicelib.ports import Clock, OutboxConsumer, OutboxEntry, OutboxReader

if TYPE_CHECKING:
    from chalicelib.jobs.fanout import FanOut

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
# A fanned-out worker's time on its shard: done before the next minute's run fans out again.
SHARD_BUDGET_SECONDS = 45.0
# Events a shard worker delivers at once (each waits on DynamoDB most of its time). Events of one
# object go to different shards anyway, so a fanned-out run promises no order between them.
SHARD_THREADS = 8
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
        self._lock = threading.Lock()  # a fanned-out worker hands over events concurrently

    def handle(self, event: OutboxEvent) -> None:
        with self._lock:
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

    def merge(self, other: _Tally) -> None:
        self.processed += other.processed
        self.retried += other.retried
        self.skipped += other.skipped
        self.failures.extend(other.failures)


class OutboxJob:
    """`outbox`: deliver due events to the consumers, by name (names are recorded on retries)."""

    name = "outbox"

    def __init__(
        self,
        outbox: OutboxReader,
        consumers: Mapping[str, OutboxConsumer],
        clock: Clock,
        *,
        batch: int = BATCH,
        budget_seconds: float = BUDGET_SECONDS,
        monotonic: Callable[[], float] = monotonic_seconds,
        fanout: FanOut | None = None,
        shard_budget_seconds: float = SHARD_BUDGET_SECONDS,
        shard_threads: int = 1,
    ) -> None:
        self._outbox = outbox
        # Read at each run, so a consumer registered after this job was built is called too.
        self._consumers = consumers
        self._clock = clock
        self._batch = batch
        self._budget = budget_seconds
        self._monotonic = monotonic
        self._fanout = fanout
        self._shard_budget = shard_budget_seconds
        self._threads = shard_threads

    def __call__(self, request: JobRequest) -> JobResult:
        """Settle what is due, or, when more is due than one run takes, fan out by shard and
        answer the run's id."""
        started = self._monotonic()
        now = run_instant(request, self._clock)
        due = self._outbox.due(now, self._batch + 1, platform=request.platform)
        if self._fanout is not None and len(due) > self._batch:
            return self._fanout.start(self.name, request, self._outbox.shards, now)
        tally = _Tally()
        more = len(due) > self._batch
        for entry in due[: self._batch]:
            if self._monotonic() - started > self._budget:
                more = True
                break
            tally.merge(self._deliver_safely(entry, now))
        return self._result(tally, more, now, request)

    def work_shard(self, request: JobRequest, shard: int) -> tuple[JobResult, bool]:
        """A worker's turn on one shard (chalicelib/jobs/fanout.py): page after page of its due
        events until none is left or its budget is spent. The result says `more` when events
        are left; the shard is done for this run all the same (the next run takes the rest)."""
        started = self._monotonic()
        now = run_instant(request, self._clock)
        tally = _Tally()
        seen: set[str] = set()  # a settled event is no longer due at `now`: a guard only
        more = False

        def deliver(entry: OutboxEntry) -> _Tally | None:
            if self._monotonic() - started > self._shard_budget:
                return None  # left for the next run
            return self._deliver_safely(entry, now)

        with ThreadPoolExecutor(self._threads, thread_name_prefix="outbox-shard") as pool:
            while not more:
                due = self._outbox.due(now, self._batch, platform=request.platform, shard=shard)
                page = [entry for entry in due if entry.event.id not in seen]
                if not page:
                    break
                seen.update(entry.event.id for entry in page)
                for counted in pool.map(deliver, page):  # the page settles before the next read
                    if counted is None:
                        more = True
                    else:
                        tally.merge(counted)
        return self._result(tally, more, now, request), False

    def _lease_until(self, now: datetime) -> datetime:
        # Leases guard against runs happening now, whatever instant this one reads as now.
        return max(now, self._clock.now()) + LEASE

    def _result(self, tally: _Tally, more: bool, now: datetime, request: JobRequest) -> JobResult:
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

    def _deliver_safely(self, entry: OutboxEntry, now: datetime) -> _Tally:
        """`_deliver`, but a failure of the outbox itself (a claim, a settle: DynamoDB throttling
        or down) is this event's alone: counted and logged, the event left to its lease (due
        again when it ends, or now if it was never claimed), and the run goes on."""
        try:
            return self._deliver(entry, now, self._lease_until(now))
        except Exception as error:
            logger.exception("outbox event not settled", extra={"event": entry.event.id})
            return _Tally(
                failures=[
                    {
                        "event": entry.event.id,
                        "consumer": "outbox",
                        "error": type(error).__name__,
                        "attempts": str(entry.event.attempts),
                        "next_attempt": "when its lease ends",
                    }
                ]
            )

    def _deliver(self, entry: OutboxEntry, now: datetime, lease_until: datetime) -> _Tally:
        """Claim one event, hand it to each consumer that has not handled it, settle it: its
        count (it touches nothing else of the run, so events can be delivered concurrently)."""
        tally = _Tally()
        try:
            claimed = self._outbox.claim(entry, lease_until)
        except Conflict:
            tally.skipped += 1  # another run has it, or settled it meanwhile
            return tally
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
            return tally
        if not failures:
            tally.processed += 1
            return tally
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
        return tally
