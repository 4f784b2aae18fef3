"""The jobs queue's worker: each message settles one shard of a fanned-out run of a term job,
the outbox or webhook deliveries (chalicelib/jobs/fanout.py). A message that fails is retried by
SQS, then moved to the dead-letter queue (an alarm watches its depth).

The queue's name follows the stage (`jobcover-jobs-<stage>`): chalice reads it when it packages
or deploys a stage, with that stage's environment in place.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from aws_lambda_powertools.logging import Logger
from chalice.app import Blueprint, SQSEvent

from chalicelib.bootstrap import container
from chalicelib.lazy import deferred_import

if TYPE_CHECKING:
    from chalicelib.jobs import fanout
else:  # imported by the first message (chalicelib/lazy.py)
    fanout = deferred_import("chalicelib.jobs.fanout")

bp = Blueprint(__name__)
logger = Logger(service="jobcover")
QUEUE_NAME = f"jobcover-jobs-{os.environ.get('JOBCOVER_STAGE', 'dev')}"


# At most this many workers at once (the function's reserved concurrency in .chalice/config.json
# is the same): the 64 outbox shards and 64 delivery-queue shards each minute under a backlog,
# and at 06:00 UTC the four term jobs' 8 due-index shards each. An event source that stays under
# the function's concurrency is never throttled (a throttled message would wait out the queue's
# 30 min visibility timeout).
MAX_WORKERS = 160


@bp.on_sqs_message(
    queue=QUEUE_NAME, batch_size=1, name="job_worker", maximum_concurrency=MAX_WORKERS
)
def job_worker(event: SQSEvent) -> None:
    for record in event:
        message = fanout.ShardWork.parse(record.body)
        logger.set_correlation_id(message.run)
        try:
            result = container().work(message)
            logger.info("job shard worked", extra={"work": message.body(), "result": result})
        finally:
            logger.set_correlation_id(None)
