"""`make run`'s scheduler thread and the admin jobs route, over HTTP and the local AWS emulator."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from chalicelib.adapters.dynamodb.outbox import outbox_item, outbox_key
from chalicelib.adapters.dynamodb.table import to_attributes
from chalicelib.domain.events import OutboxEvent
from devserver.resources import stage_environment
from tests.acceptance.conftest import start_stack, stop_stack

pytestmark = pytest.mark.acceptance
TABLE = stage_environment("dev")["JOBCOVER_TABLE_NAME"]


def outbox_event(number: int, due: datetime) -> OutboxEvent:
    return OutboxEvent(
        id=f"evt_{number:026d}",
        type="policy.activated",
        platform="plt_demo",
        object_type="policy",
        object_id=f"pol_{number:026d}",
        data={},
        created_at=due,
        due_at=due,
    )


def test_the_scheduler_thread_runs_the_outbox_job_and_stops_with_the_stack():
    running = start_stack(extra_env={"JOBCOVER_LOCAL_SCHEDULE_SECONDS": "1"})
    try:
        assert running.process.stdout is not None
        threading.Thread(target=running.process.stdout.read, daemon=True).start()
        assert "outbox every 1 s" in running.banner
        dynamodb = boto3.client("dynamodb", endpoint_url=running.aws_url)
        now = datetime.now(UTC)
        due, later = (
            outbox_event(1, now - timedelta(seconds=1)),
            outbox_event(2, now + timedelta(days=1)),
        )
        for event in (due, later):
            dynamodb.put_item(TableName=TABLE, Item=to_attributes(outbox_item(event)))

        def stored(event: OutboxEvent) -> bool:
            pk, sk = outbox_key(event.id, event.due_at)
            answer = dynamodb.get_item(
                TableName=TABLE, Key=to_attributes({"pk": pk, "sk": sk}), ConsistentRead=True
            )
            return "Item" in answer

        deadline = time.monotonic() + 20
        while stored(due) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not stored(due), "the scheduler never delivered the due event"
        assert stored(later)

        # Ops can run the same job on demand; the event not yet due stays put.
        answer = running.call("POST", "/v1/admin/jobs/outbox", running.admin_key, json={})
        assert answer.status_code == 200, answer.text
        assert answer.json()["job"] == "outbox" and answer.json()["processed"] == 0
        assert stored(later)
    finally:
        assert stop_stack(running.process), "the stack needed SIGKILL or left a process behind"
