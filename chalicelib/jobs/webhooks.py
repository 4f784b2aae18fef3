"""The `webhooks` job: delivery rounds until nothing more is due within the run's budget.

It runs after the outbox at each `outbox` run (`then_deliver`: an event reaches its receivers
in the run that recorded it) and on its own (`POST /v1/admin/jobs/webhooks`, with `now` to move
the clock on dev and test). A round is `chalicelib/services/webhooks/delivery.py`. On the live
clock a run waits for retries due within its budget (the 5 s one), so a blip costs seconds, not
a minute; later retries go to later runs. The counts go out as metrics (the alarm's input).

When more is due than one round takes, the run fans out by delivery-queue shard instead, as the
outbox does (chalicelib/jobs/outbox.py; the jobs queue in AWS, in-process on the local and test
stages): each `job_worker` turn runs rounds on its own shard for up to `SHARD_BUDGET_SECONDS` and
leaves the rest to the next minute's run (never sent again as a continuation). An endpoint's
tasks are spread over all 64 shards, so under such a backlog it takes up to `PER_ENDPOINT`
requests per shard worker at once; below it, `PER_ENDPOINT` at most.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from time import monotonic as monotonic_seconds
from time import sleep as sleep_seconds
from typing import TYPE_CHECKING

from aws_lambda_powertools.logging import Logger

from chalicelib.domain.clock import utc_today
from chalicelib.domain.webhooks import DeliveryTask
from chalicelib.domain.webhooks.deliveries import JITTER
from chalicelib.jobs.outbox import SHARD_BUDGET_SECONDS, run_instant
from chalicelib.jobs.registry import Job, JobRequest, JobResult
from chalicelib.ports import Clock, IdGenerator, UnitOfWork
from chalicelib.services.webhooks.delivery import DeliveryRound, Signer, Tally
from chalicelib.services.webhooks.ports import (
    DeliveryStore,
    EndpointRepository,
    EventStore,
    SecretVault,
    Sender,
    UrlGuard,
)

if TYPE_CHECKING:
    from chalicelib.jobs.fanout import FanOut

BATCH = 200
# No send starts after this many seconds of a run (a send may take its 10 s more).
BUDGET_SECONDS = 15.0
WORKERS = 64
# Requests one round sends one endpoint at once (a busy platform's one endpoint takes every event).
PER_ENDPOINT = 4
logger = Logger(service="jobcover")
Metric = Callable[[dict[str, int]], None]


def _jitter() -> float:
    return random.uniform(-JITTER, JITTER)  # noqa: S311 (spreads retries; not a secret)


class WebhookDeliveryJob:
    name = "webhooks"

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
        per_endpoint: int = PER_ENDPOINT,
        jitter: Callable[[], float] = _jitter,
        monotonic: Callable[[], float] = monotonic_seconds,
        sleep: Callable[[float], None] = sleep_seconds,
        fanout: FanOut | None = None,
        shard_budget_seconds: float = SHARD_BUDGET_SECONDS,
    ) -> None:
        self._round = DeliveryRound(
            deliveries=deliveries,
            events=events,
            endpoints=endpoints,
            uow=uow,
            secrets=secrets,
            guard=guard,
            sender=sender,
            sign=sign,
            ids=ids,
            clock=clock,
            jitter=jitter,
            monotonic=monotonic,
            batch=batch,
            workers=workers,
            per_endpoint=per_endpoint,
        )
        self._deliveries = deliveries
        self._batch = batch
        self._fanout = fanout
        self._shard_budget = shard_budget_seconds
        self._clock = clock
        self._metrics = metrics
        self._budget = budget_seconds
        self._monotonic = monotonic
        self._sleep = sleep

    def __call__(self, request: JobRequest) -> JobResult:
        started = self._monotonic()
        deadline = started + self._budget
        # A run at a given `now` (tests, ops) reads that instant throughout; else the clock.
        fixed = run_instant(request, self._clock)
        live = request.now is None and request.as_of == utc_today(self._clock.now())
        now = self._clock.now() if live else fixed
        due: list[DeliveryTask] | None = None
        if self._fanout is not None:
            due = self._deliveries.due(now, self._batch + 1, platform=request.platform)
            if len(due) > self._batch:
                return self._fanout.start(self.name, request, self._deliveries.shards, fixed)
        tally = Tally()
        rounds = 0
        while True:
            next_due = self._round.run(now, request.platform, tally, deadline, live, due=due)
            due = None  # read afresh from the second round on
            rounds += 1
            if not live or next_due is None or tally.more:
                break
            wait = (next_due - self._clock.now()).total_seconds()
            if self._monotonic() + wait > deadline:
                break
            self._sleep(max(0.0, wait))
            now = self._clock.now()
        return self._result(tally, rounds)

    def work_shard(self, request: JobRequest, shard: int) -> tuple[JobResult, bool]:
        """A worker's turn on one shard (chalicelib/jobs/fanout.py): rounds on its due tasks
        until none is left or its budget is spent; the rest is the next run's (`more`)."""
        deadline = self._monotonic() + self._shard_budget
        fixed = run_instant(request, self._clock)
        live = request.now is None and request.as_of == utc_today(self._clock.now())
        tally = Tally()
        rounds = 0
        while True:
            now = self._clock.now() if live else fixed
            self._round.run(now, request.platform, tally, deadline, live, shard)
            rounds += 1
            if not tally.more or self._monotonic() > deadline:
                break
        tally.more = tally.more or tally.released > 0
        return self._result(tally, rounds), False

    def _result(self, tally: Tally, rounds: int) -> JobResult:
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


def then_deliver(outbox: Job, deliveries: Job) -> Job:
    """The `outbox` run followed by a delivery round: its result under `webhooks`. When the
    deliveries fanned out and the outbox did not, their run is the run's (`run`: the trigger
    answers 202 and `GET /v1/admin/jobs/runs/{id}` follows it); when both did, the outbox's is,
    and the deliveries' run id is under `webhooks` (and in the log)."""

    def run(request: JobRequest) -> JobResult:
        result = outbox(request)
        try:
            delivered = deliveries(request)
        except Exception as exc:  # the outbox's work stands; the deliveries wait for the next run
            logger.exception("webhook delivery round failed")
            delivered = {"error": type(exc).__name__}
        result["webhooks"] = delivered
        if "run" in delivered:
            logger.info("webhook deliveries fanned out", extra={"run": delivered["run"]})
            result.setdefault("run", delivered["run"])
        return result

    return run
