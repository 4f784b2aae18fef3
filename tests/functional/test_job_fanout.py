"""A term-job or outbox run larger than one invocation fans out by shard: 202 with a run id, shard
messages on the jobs queue (moto SQS) worked by the `job_worker` function (the test client's
lambda invoke with an SQS event), progress at `GET /v1/admin/jobs/runs/{id}`; without a queue
the same work runs in-process."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from chalicelib.adapters.dynamodb.due import DUE_SHARDS
from chalicelib.adapters.dynamodb.outbox import OUTBOX_SHARDS
from tests.functional.conftest import ADMIN_KEY, Api, contractor_body, quote_body

TODAY = datetime.now(UTC).date()
QUEUE = "jobcover-jobs-test"


def policies_ending(api: Api, key: str, count: int, days: int) -> list[dict[str, Any]]:
    made = []
    for n in range(count):
        contractor = api.json(
            "POST", "/v1/contractors", key, contractor_body(external_id=f"tech-{n}")
        )[1]["id"]
        quote = api.json(
            "POST",
            "/v1/quotes",
            key,
            quote_body(contractor, end_date=(TODAY + timedelta(days=days)).isoformat()),
        )[1]
        status, policy = api.json(
            "POST", "/v1/policies", key, {"quote": quote["id"], "accept_terms": True}
        )
        assert status == 201, policy
        made.append(policy)
    return made


def start(api: Api, name: str, as_of) -> tuple[int, dict[str, Any]]:
    return api.json("POST", f"/v1/admin/jobs/{name}", ADMIN_KEY, {"as_of": as_of.isoformat()})


def test_without_a_queue_a_large_run_fans_out_in_process(api, platform_key, monkeypatch):
    monkeypatch.setenv("JOBCOVER_JOBS_BATCH", "2")
    made = policies_ending(api, platform_key, 5, 40)
    status, body = start(api, "renewals", TODAY + timedelta(days=10))
    assert status == 202, body
    status, run = api.json("GET", f"/v1/admin/jobs/runs/{body['run']}", ADMIN_KEY)
    assert status == 200, run
    assert (run["status"], run["shards"], run["shards_done"]) == (
        "completed",
        DUE_SHARDS,
        DUE_SHARDS,
    )
    assert run["processed"] == 5
    for policy in made:
        renewed = api.json("GET", f"/v1/policies/{policy['id']}", platform_key)[1]
        assert renewed["renewed_by"]
    # Below the batch, a run answers its result at once.
    status, body = start(api, "renewals", TODAY + timedelta(days=10))
    assert (status, body["processed"]) == (200, 0)


@pytest.fixture
def sqs_queue(aws, monkeypatch) -> str:
    monkeypatch.setenv("JOBCOVER_JOBS_QUEUE_NAME", QUEUE)
    monkeypatch.setenv("JOBCOVER_JOBS_BATCH", "2")
    return str(boto3.client("sqs").get_queue_url(QueueName=QUEUE)["QueueUrl"])


def drain(api: Api, url: str) -> int:
    """Deliver the queue's messages to the worker function until none is left."""
    sqs = boto3.client("sqs")
    delivered = 0
    while True:
        answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
        messages = answer.get("Messages", [])
        if not messages:
            return delivered
        for message in messages:
            event = api.client.events.generate_sqs_event(
                message_bodies=[message["Body"]], queue_name=QUEUE
            )
            api.client.lambda_.invoke("job_worker", event)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            delivered += 1


def test_with_sqs_the_run_is_worked_by_the_worker_function(api, platform_key, sqs_queue):
    made = policies_ending(api, platform_key, 5, 40)
    status, body = start(api, "renewals", TODAY + timedelta(days=10))
    assert status == 202, body
    run_path = f"/v1/admin/jobs/runs/{body['run']}"
    pending = api.json("GET", run_path, ADMIN_KEY)[1]
    assert (pending["status"], pending["processed"]) == ("running", 0)
    sent = boto3.client("sqs").get_queue_attributes(
        QueueUrl=sqs_queue, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]["ApproximateNumberOfMessages"]
    assert int(sent) == DUE_SHARDS
    first = json.loads(
        boto3.client("sqs").receive_message(QueueUrl=sqs_queue, VisibilityTimeout=0)["Messages"][0][
            "Body"
        ]
    )
    assert set(first) == {"run", "job", "shard", "as_of", "now", "platform"}
    assert drain(api, sqs_queue) >= DUE_SHARDS
    done = api.json("GET", run_path, ADMIN_KEY)[1]
    assert (done["status"], done["processed"]) == ("completed", 5)
    for policy in made:
        assert api.json("GET", f"/v1/policies/{policy['id']}", platform_key)[1]["renewed_by"]


def test_unknown_run_is_404(api):
    assert api.json("GET", "/v1/admin/jobs/runs/run_nope", ADMIN_KEY)[0] == 404


def activated(api: Api, key: str) -> list[str]:
    status, page = api.json("GET", "/v1/events?type=policy.activated&limit=100", key)
    assert status == 200, page
    return sorted(event["data"]["id"] for event in page["data"])


def test_a_large_outbox_run_fans_out_by_outbox_shard(api, platform_key, monkeypatch):
    monkeypatch.setenv("JOBCOVER_OUTBOX_BATCH", "2")
    made = policies_ending(api, platform_key, 4, 40)

    status, body = start(api, "outbox", TODAY)

    assert status == 202, body
    run = api.json("GET", f"/v1/admin/jobs/runs/{body['run']}", ADMIN_KEY)[1]
    assert (run["status"], run["shards"], run["shards_done"]) == (
        "completed",
        OUTBOX_SHARDS,
        OUTBOX_SHARDS,
    )
    assert run["processed"] >= len(made)  # each bind's events, policy.activated among them
    assert activated(api, platform_key) == sorted(policy["id"] for policy in made)
    status, body = start(api, "outbox", TODAY)
    assert (status, body["processed"]) == (200, 0)


def test_with_sqs_outbox_shards_are_worked_by_the_worker_function(
    api, platform_key, sqs_queue, monkeypatch
):
    monkeypatch.setenv("JOBCOVER_OUTBOX_BATCH", "2")
    made = policies_ending(api, platform_key, 3, 40)

    status, body = start(api, "outbox", TODAY)

    assert status == 202, body
    assert activated(api, platform_key) == []  # nothing handled until the workers run
    assert drain(api, sqs_queue) == OUTBOX_SHARDS  # one message a shard, no continuations
    done = api.json("GET", f"/v1/admin/jobs/runs/{body['run']}", ADMIN_KEY)[1]
    assert done["status"] == "completed"
    assert activated(api, platform_key) == sorted(policy["id"] for policy in made)
