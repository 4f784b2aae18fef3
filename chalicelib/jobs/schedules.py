"""The scheduled functions: each runs one named job for today, as `POST /v1/admin/jobs/{name}`
would without a body. Chalice deploys each as its own Lambda function on an EventBridge rule;
`make run` calls the same handlers from its scheduler thread (devserver/scheduler.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.logging import Logger
from chalice.app import Blueprint, CloudWatchEvent, Cron, Rate

from chalicelib.bootstrap import container

if TYPE_CHECKING:
    from chalicelib.jobs.registry import JobResult

bp = Blueprint(__name__)
logger = Logger(service="jobcover")


def run_scheduled(name: str, event: CloudWatchEvent) -> JobResult:
    """Run job `name` for today and log its result (the function's answer too)."""
    logger.set_correlation_id(event.event_id)
    try:
        result = container().jobs.run(name)
        logger.info("job finished", extra={"result": result})
    finally:
        logger.set_correlation_id(None)
    return result


@bp.schedule(Rate(1, unit=Rate.MINUTES), name="outbox", description="Deliver due outbox events")
def outbox(event: CloudWatchEvent) -> dict[str, Any]:
    return run_scheduled("outbox", event)


# The term jobs, daily at 06:00 UTC (API.md "Scheduled functions"), each for today's date.
DAILY_0600_UTC = Cron(0, 6, "*", "*", "?", "*")


@bp.schedule(DAILY_0600_UTC, name="renewals", description="Renew policies expiring within 30 days")
def renewals(event: CloudWatchEvent) -> dict[str, Any]:
    return run_scheduled("renewals", event)


@bp.schedule(
    DAILY_0600_UTC,
    name="expirations",
    description="Expire ended terms; take pending cancellations into effect; unreported jobs",
)
def expirations(event: CloudWatchEvent) -> dict[str, Any]:
    return run_scheduled("expirations", event)


@bp.schedule(
    DAILY_0600_UTC, name="rescissions", description="Rescind binds whose down payment is past due"
)
def rescissions(event: CloudWatchEvent) -> dict[str, Any]:
    return run_scheduled("rescissions", event)


@bp.schedule(
    DAILY_0600_UTC,
    name="audits",
    description="Request final audits of ended annual terms and audits of unreported jobs",
)
def audits(event: CloudWatchEvent) -> dict[str, Any]:
    return run_scheduled("audits", event)
