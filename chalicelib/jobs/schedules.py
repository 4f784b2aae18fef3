"""The scheduled functions: each runs one named job for today, as `POST /v1/admin/jobs/{name}`
would without a body. Chalice deploys each as its own Lambda function on an EventBridge rule;
`make run` calls the same handlers from its scheduler thread (devserver/scheduler.py).
"""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, CloudWatchEvent, Rate

from chalicelib.bootstrap import container
from chalicelib.jobs.outbox import logger
from chalicelib.jobs.registry import JobResult

bp = Blueprint(__name__)


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
