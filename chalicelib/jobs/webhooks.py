"""The `webhooks` job: send every due delivery, signed, and schedule what failed.

It runs after the outbox at each `outbox` run (so an event reaches its receivers in the run
that recorded it) and on its own (`POST /v1/admin/jobs/webhooks`). A round reads the due tasks
(one Query per shard), takes each for the attempt (a conditional move to `now + LEASE`: an
overlapping run skips it), then sends: one worker thread per endpoint, so a slow receiver
delays only its own deliveries. All table writes stay on the job's thread, in the order results
arrive: the attempt logged, the task moved to its retry time (API.md's schedule, with jitter) or
deleted; an eighth failure makes the delivery `failed`. Afterwards each endpoint's failing
streak is updated, and an endpoint failing for five days is disabled. On the live clock a run
waits for retries due within its budget (the 5 s one), so a blip costs seconds, not a minute.
"""

from __future__ import annotations

import queue
import random
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from time import monotonic as monotonic_seconds
from time import sleep as sleep_seconds

from aws_lambda_powertools.logging import Logger

from chalicelib.domain.change import ObjectRef
from chalicelib.domain.clock import utc_today
from chalicelib.domain.errors import Conflict
from chalicelib.domain.webhooks import (
    DeliveryRefused,
    DeliveryTask,
    RecordedEvent,
    SendOutcome,
    WebhookEndpoint,
    attempt_outcome,
)
from chalicelib.domain.webhooks.deliveries import JITTER
from chalicelib.jobs.outbox import run_instant
from chalicelib.jobs.registry import Job, JobRequest, JobResult
from chalicelib.ports import Clock, IdGenerator, UnitOfWork
from chalicelib.request_scope import fresh_scope, write_scope
from chalicelib.services.webhooks.ports import (
    DeliveryStore,
    EndpointRepository,
    EventStore,
    SecretVault,
    Sender,
    UrlGuard,
)

# Longer than one endpoint's share of a run can take (the outbox function's timeout is 120 s).
LEASE = timedelta(minutes=5)
BATCH = 200
# No send starts after this many seconds of a run (a send may take its 10 s more).
BUDGET_SECONDS = 15.0
WORKERS = 16
logger = Logger(service="jobcover")
Signer = Callable[[str, str, list[str], datetime], dict[str, str]]
Metric = Callable[[dict[str, int]], None]


@dataclass
class _Plan:
    """One endpoint's share of a round: its tasks taken for this attempt, with their events."""

    endpoint: WebhookEndpoint
    secrets: list[str]
    tasks: list[tuple[DeliveryTask, RecordedEvent]]
    succeeded: int = 0
    failed: int = 0


@dataclass
class _Tally:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    dropped: int = 0
    skipped: int = 0
    released: int = 0
    disabled: list[str] = field(default_factory=list)
    more: bool = False


class WebhookDeliveryJob:
    def __init__(
        self,
        *,
        deliveries: DeliveryStore,
        events: EventStore,
        endpoints: EndpointRepository,
        uow: Callable[[], UnitOfWork],
        secrets: SecretVault,
        guard: UrlGuard,
        sender: Sender,
        sign: Signer,
        ids: IdGenerator,
        clock: Clock,
        metrics: Metric = lambda counts: None,
        batch: int = BATCH,
        budget_seconds: float = BUDGET_SECONDS,
        workers: int = WORKERS,
        jitter: Callable[[], float] = lambda: random.uniform(-JITTER, JITTER),  # noqa: S311 (jitter, not a secret)
        monotonic: Callable[[], float] = monotonic_seconds,
        sleep: Callable[[float], None] = sleep_seconds,
    ) -> None:
        self._deliveries = deliveries
        self._events = events
        self._endpoints = endpoints
        self._uow = uow
        self._secrets = secrets
        self._guard = guard
        self._sender = sender
        self._sign = sign
        self._ids = ids
        self._clock = clock
        self._metrics = metrics
        self._batch = batch
        self._budget = budget_seconds
        self._workers = workers
        self._jitter = jitter
        self._monotonic = monotonic
        self._sleep = sleep

    def __call__(self, request: JobRequest) -> JobResult:
        started = self._monotonic()
        # A run at a given `now` (tests, ops) reads that instant throughout; else the clock.
        fixed = run_instant(request, self._clock)
        live = request.now is None and request.as_of == utc_today(self._clock.now())
        tally = _Tally()
        rounds = 0
        while True:
            now = self._clock.now() if live else fixed
            next_due = self._round(now, request.platform, tally, started, live)
            rounds += 1
            if not live or next_due is None or tally.more:
                break
            wait = (next_due - self._clock.now()).total_seconds()
            if self._monotonic() - started + wait > self._budget:
                break
            self._sleep(max(0.0, wait))
        self._metrics(
            {
                "WebhookAttemptsSucceeded": tally.delivered,
                "WebhookAttemptsFailed": tally.retrying + tally.failed,
                "WebhookDeliveriesFailed": tally.failed,
                "WebhookEndpointsDisabled": len(tally.disabled),
            }
        )
        return {
            "processed": tally.delivered + tally.retrying + tally.failed,
            "delivered": tally.delivered,
            "retrying": tally.retrying,
            "failed": tally.failed,
            "dropped": tally.dropped,
            "skipped": tally.skipped,
            "released": tally.released,
            "disabled_endpoints": tally.disabled,
            "rounds": rounds,
            "more": tally.more,
        }

    # -- one round ---------------------------------------------------------------------------
    def _round(
        self, now: datetime, platform: str | None, tally: _Tally, started: float, live: bool
    ) -> datetime | None:
        """Send what is due at `now`; the earliest retry this round scheduled, if any."""
        due = self._deliveries.due(now, self._batch + 1, platform=platform)
        tally.more = len(due) > self._batch
        plans = self._plan(due[: self._batch], now, tally)
        if not plans:
            return None
        results: queue.Queue[tuple[_Plan, DeliveryTask, SendOutcome | None] | None] = queue.Queue()
        deadline = started + self._budget
        next_due: datetime | None = None
        with ThreadPoolExecutor(max_workers=min(self._workers, len(plans))) as pool:
            for plan in plans:
                pool.submit(self._send_all, plan, results, deadline)
            running = len(plans)
            while running:
                item = results.get()
                if item is None:
                    running -= 1
                    continue
                plan, task, outcome = item
                at = self._clock.now() if live else now
                retry_at = self._settle(plan, task, outcome, at, tally)
                if retry_at is not None and (next_due is None or retry_at < next_due):
                    next_due = retry_at
        for plan in plans:
            self._update_health(plan, self._clock.now() if live else now, tally)
        return next_due

    def _plan(self, due: list[DeliveryTask], now: datetime, tally: _Tally) -> list[_Plan]:
        """Group the tasks by endpoint, drop those whose endpoint or event is gone, and take
        the rest for this attempt."""
        groups: dict[tuple[str, str], list[DeliveryTask]] = {}
        for task in due:
            groups.setdefault((task.platform, task.endpoint), []).append(task)
        lease_until = max(now, self._clock.now()) + LEASE
        plans: list[_Plan] = []
        for platform, members in _by_platform(groups):
            endpoints = self._endpoints.get_many(platform, [e for e, _ in members])
            events = self._events.get_many(platform, [t.event for _, ts in members for t in ts])
            for endpoint_id, tasks in members:
                endpoint = endpoints.get(endpoint_id)
                if endpoint is None or endpoint.deleted or endpoint.disabled:
                    self._drop(tasks, tally)
                    continue
                taken: list[tuple[DeliveryTask, RecordedEvent]] = []
                for task in tasks:
                    event = events.get(task.event)
                    if event is None:  # past its 30 days
                        self._drop([task], tally)
                        continue
                    try:
                        taken.append(
                            (
                                self._deliveries.move(task, lease_until, attempts=task.attempts),
                                event,
                            )
                        )
                    except Conflict:
                        tally.skipped += 1
                if taken:
                    secrets = [
                        self._secrets.reveal(s, platform=platform, endpoint=endpoint.id)
                        for s in endpoint.signing_secrets(now)
                    ]
                    plans.append(_Plan(endpoint, secrets, taken))
        return plans

    def _send_all(
        self,
        plan: _Plan,
        results: queue.Queue[tuple[_Plan, DeliveryTask, SendOutcome | None] | None],
        deadline: float,
    ) -> None:
        """One endpoint's deliveries, in order (worker thread: no table access here)."""
        try:
            try:
                target = self._guard.target(plan.endpoint.url)
                refusal: str | None = None
            except DeliveryRefused as refused:
                target, refusal = None, refused.reason
            for task, event in plan.tasks:
                if self._monotonic() > deadline:
                    results.put((plan, task, None))
                    continue
                if target is None:
                    outcome = SendOutcome(None, refusal, 0)
                else:
                    headers = self._sign(event.id, event.body, plan.secrets, self._clock.now())
                    outcome = self._sender.post(target, event.body, headers)
                results.put((plan, task, outcome))
        except Exception:  # the tasks stay leased and are due again when the lease ends
            logger.exception("webhook worker failed", extra={"endpoint": plan.endpoint.id})
        finally:
            results.put(None)

    def _settle(
        self,
        plan: _Plan,
        task: DeliveryTask,
        outcome: SendOutcome | None,
        now: datetime,
        tally: _Tally,
    ) -> datetime | None:
        """Log the attempt and move the task to its retry, or delete it. None: no retry."""
        try:
            if outcome is None:  # out of time before sending: due again at once
                self._deliveries.move(task, now, attempts=task.attempts)
                tally.released += 1
                return None
            attempt = attempt_outcome(
                task, outcome, attempt_id=self._ids.new("wha"), now=now, jitter=self._jitter()
            )
            self._deliveries.log(attempt)
            if attempt.next_retry_at is not None:
                self._deliveries.move(task, attempt.next_retry_at, attempts=attempt.attempt)
            else:
                self._deliveries.done(task)
        except Conflict:
            tally.skipped += 1  # the lease ran out and another run took the task over
            return None
        if attempt.status == "succeeded":
            plan.succeeded += 1
            tally.delivered += 1
        else:
            plan.failed += 1
            if attempt.delivery_status == "failed":
                tally.failed += 1
                logger.warning(
                    "webhook delivery failed for good",
                    extra={"delivery": task.id, "event": task.event, "endpoint": task.endpoint},
                )
            else:
                tally.retrying += 1
        return attempt.next_retry_at

    def _update_health(self, plan: _Plan, now: datetime, tally: _Tally) -> None:
        endpoint = plan.endpoint
        if plan.succeeded:
            change = endpoint.delivered(now)
        elif plan.failed:
            change = endpoint.delivery_failed(now)
        else:
            return
        if change is None:
            return
        # Its own write scope: one run (even inside an admin request) commits many of these.
        with write_scope(fresh_scope()):
            uow = self._uow()
            uow.record(change)
            try:
                uow.commit(ObjectRef("webhook_endpoint", endpoint.platform, endpoint.id))
            except Conflict:
                return  # changed meanwhile (a PATCH): the next attempt updates the streak
        if change.state.disabled and not endpoint.disabled:
            tally.disabled.append(endpoint.id)
            logger.warning(
                "webhook endpoint disabled after 5 days failing",
                extra={"endpoint": endpoint.id, "platform": endpoint.platform},
            )

    def _drop(self, tasks: Iterable[DeliveryTask], tally: _Tally) -> None:
        for task in tasks:
            try:
                self._deliveries.done(task)
            except Conflict:
                continue
            tally.dropped += 1


def _by_platform(
    groups: dict[tuple[str, str], list[DeliveryTask]],
) -> list[tuple[str, list[tuple[str, list[DeliveryTask]]]]]:
    platforms: dict[str, list[tuple[str, list[DeliveryTask]]]] = {}
    for (platform, endpoint), tasks in groups.items():
        platforms.setdefault(platform, []).append((endpoint, tasks))
    return list(platforms.items())


def then_deliver(outbox: Job, deliveries: Job) -> Job:
    """The `outbox` run followed by a delivery round: its result under `webhooks`."""

    def run(request: JobRequest) -> JobResult:
        result = outbox(request)
        try:
            result["webhooks"] = deliveries(request)
        except Exception as exc:  # the outbox's work stands; the deliveries wait for the next run
            logger.exception("webhook delivery round failed")
            result["webhooks"] = {"error": type(exc).__name__}
        return result

    return run
