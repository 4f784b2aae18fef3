"""One delivery round: send every due webhook delivery, signed, and schedule what failed.

The due tasks (one Query per shard) are grouped by endpoint; a task whose endpoint is deleted or
disabled, or whose event is past its 30 days, is dropped. Each other task is taken for the
attempt (a conditional move to `now + LEASE`: an overlapping run skips it). Then each endpoint's
tasks are sent by up to `per_endpoint` worker threads of its own, each sending its share in due
order (one round sends an endpoint at most that many requests at once; no order is promised
between them), so a slow receiver delays only its own deliveries. A run that fans out runs one
round per delivery-queue shard at a time, and an endpoint's tasks are spread over every shard:
under a backlog an endpoint takes up to `per_endpoint` requests per shard worker. The workers
touch no table: every write stays on the calling thread, in the order results arrive (the
attempt logged, the task moved to its retry time, with jitter, or deleted; an eighth failure
makes the delivery `failed`). Last, each endpoint's failing streak is updated through the unit
of work, which disables an endpoint failing for five days.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aws_lambda_powertools.logging import Logger

from chalicelib.domain.change import ObjectRef
from chalicelib.domain.errors import Conflict
from chalicelib.domain.webhooks import (
    DeliveryRefused,
    DeliveryTask,
    RecordedEvent,
    SendOutcome,
    WebhookEndpoint,
    attempt_outcome,
)
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

# Longer than one endpoint's share of a run can take (the outbox function's timeout is 120 s; a
# fanned-out worker's turn ends after 45 s, and a send after 10 s more).
LEASE = timedelta(minutes=5)
logger = Logger(service="jobcover")
Signer = Callable[[str, str, list[str], datetime], dict[str, str]]
_Result = tuple["_Plan", DeliveryTask, SendOutcome | None]


@dataclass
class _Plan:
    """One endpoint's share of a round: its tasks taken for this attempt, with their events."""

    endpoint: WebhookEndpoint
    secrets: list[str]
    tasks: list[tuple[DeliveryTask, RecordedEvent]]
    succeeded: int = 0
    failed: int = 0


@dataclass
class Tally:
    """What a run's rounds did."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    dropped: int = 0
    skipped: int = 0
    released: int = 0
    disabled: list[str] = field(default_factory=list)
    more: bool = False


@dataclass(frozen=True)
class DeliveryRound:
    deliveries: DeliveryStore
    events: EventStore
    endpoints: EndpointRepository
    uow: Callable[[], UnitOfWork]
    secrets: SecretVault
    guard: UrlGuard
    sender: Sender
    sign: Signer
    ids: IdGenerator
    clock: Clock
    jitter: Callable[[], float]
    monotonic: Callable[[], float]
    batch: int
    workers: int
    per_endpoint: int = 1

    def run(
        self,
        now: datetime,
        platform: str | None,
        tally: Tally,
        deadline: float,
        live: bool,
        shard: int | None = None,
        due: list[DeliveryTask] | None = None,
    ) -> datetime | None:
        """Send what is due at `now` (all shards, or one; no send starts after the monotonic
        `deadline`; `live`: attempts are stamped with the clock, else with `now`; `due`: what
        the caller has just read of it, up to `batch + 1` tasks). Answers the earliest retry
        this round scheduled, if any."""
        if due is None:
            due = self.deliveries.due(now, self.batch + 1, platform=platform, shard=shard)
        tally.more = len(due) > self.batch
        plans = self._plan(due[: self.batch], now, tally)
        if not plans:
            return None
        # Each endpoint's tasks, dealt to up to `per_endpoint` senders of its own.
        shares = [
            (plan, plan.tasks[lane :: self.per_endpoint])
            for plan in plans
            for lane in range(min(self.per_endpoint, len(plan.tasks)))
        ]
        results: queue.Queue[_Result | None] = queue.Queue()
        next_due: datetime | None = None
        with ThreadPoolExecutor(max_workers=min(self.workers, len(shares))) as pool:
            for plan, share in shares:
                pool.submit(self._send_all, plan, share, results, deadline)
            running = len(shares)
            while running:
                item = results.get()
                if item is None:
                    running -= 1
                    continue
                plan, task, outcome = item
                at = self.clock.now() if live else now
                retry_at = self._settle(plan, task, outcome, at, tally)
                if retry_at is not None and (next_due is None or retry_at < next_due):
                    next_due = retry_at
        for plan in plans:
            self._update_health(plan, self.clock.now() if live else now, tally)
        return next_due

    def _plan(self, due: list[DeliveryTask], now: datetime, tally: Tally) -> list[_Plan]:
        """Group the tasks by endpoint, drop those whose endpoint or event is gone, and take
        the rest for this attempt."""
        groups: dict[tuple[str, str], list[DeliveryTask]] = {}
        for task in due:
            groups.setdefault((task.platform, task.endpoint), []).append(task)
        lease_until = max(now, self.clock.now()) + LEASE
        plans: list[_Plan] = []
        for platform, members in _by_platform(groups):
            endpoints = self.endpoints.get_many(platform, [e for e, _ in members])
            events = self.events.get_many(platform, [t.event for _, ts in members for t in ts])
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
                                self.deliveries.move(task, lease_until, attempts=task.attempts),
                                event,
                            )
                        )
                    except Conflict:
                        tally.skipped += 1
                if taken:
                    secrets = [
                        self.secrets.reveal(s, platform=platform, endpoint=endpoint.id)
                        for s in endpoint.signing_secrets(now)
                    ]
                    plans.append(_Plan(endpoint, secrets, taken))
        return plans

    def _send_all(
        self,
        plan: _Plan,
        tasks: list[tuple[DeliveryTask, RecordedEvent]],
        results: queue.Queue[_Result | None],
        deadline: float,
    ) -> None:
        """A share of one endpoint's deliveries, in order (worker thread: no table access)."""
        try:
            try:
                target = self.guard.target(plan.endpoint.url)
                refusal: str | None = None
            except DeliveryRefused as refused:
                target, refusal = None, refused.reason
            for task, event in tasks:
                if self.monotonic() > deadline:
                    results.put((plan, task, None))
                    continue
                if target is None:
                    outcome = SendOutcome(None, refusal, 0)
                else:
                    headers = self.sign(event.id, event.body, plan.secrets, self.clock.now())
                    outcome = self.sender.post(target, event.body, headers)
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
        tally: Tally,
    ) -> datetime | None:
        """Log the attempt and move the task to its retry, or delete it. None: no retry."""
        try:
            if outcome is None:  # out of time before sending: due again at once
                self.deliveries.move(task, now, attempts=task.attempts)
                tally.released += 1
                return None
            attempt = attempt_outcome(
                task, outcome, attempt_id=self.ids.new("wha"), now=now, jitter=self.jitter()
            )
            self.deliveries.log(attempt)
            if attempt.next_retry_at is not None:
                self.deliveries.move(task, attempt.next_retry_at, attempts=attempt.attempt)
            else:
                self.deliveries.done(task)
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

    def _update_health(self, plan: _Plan, now: datetime, tally: Tally) -> None:
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
            uow = self.uow()
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

    def _drop(self, tasks: Iterable[DeliveryTask], tally: Tally) -> None:
        for task in tasks:
            try:
                self.deliveries.done(task)
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
