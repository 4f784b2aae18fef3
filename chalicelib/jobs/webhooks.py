"""The `webhooks` job: delivery rounds until nothing more is due within the run's budget.

It runs after the outbox at each `outbox` run (`then_deliver`: an event reaches its receivers
in the run that recorded it) and on its own (`POST /v1/admin/jobs/webhooks`, with `now` to move
the clock on dev and test). A round is `chalicelib/services/webhooks/delivery.py`. On the live
clock a run waits for retries due within its budget (the 5 s one), so a blip costs seconds, not
a minute; later retries go to later runs. The counts go out as metrics (the alarm's input).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from time import monotonic as monotonic_seconds
from time import sleep as sleep_seconds

from aws_lambda_powertools.logging import Logger

from chalicelib.domain.clock import utc_today
from chalicelib.domain.webhooks.deliveries import JITTER
from chalicelib.jobs.outbox import run_instant
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

BATCH = 200
# No send starts after this many seconds of a run (a send may take its 10 s more).
BUDGET_SECONDS = 15.0
WORKERS = 16
logger = Logger(service="jobcover")
Metric = Callable[[dict[str, int]], None]


def _jitter() -> float:
    return random.uniform(-JITTER, JITTER)  # noqa: S311 (spreads retries; not a secret)


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
        jitter: Callable[[], float] = _jitter,
        monotonic: Callable[[], float] = monotonic_seconds,
        sleep: Callable[[float], None] = sleep_seconds,
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
        )
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
        tally = Tally()
        rounds = 0
        while True:
            now = self._clock.now() if live else fixed
            next_due = self._round.run(now, request.platform, tally, deadline, live)
            rounds += 1
            if not live or next_due is None or tally.more:
                break
            wait = (next_due - self._clock.now()).total_seconds()
            if self._monotonic() + wait > deadline:
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
