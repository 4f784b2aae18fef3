"""The outbox reader on moto, and the outbox job run through the admin route and as the scheduled
function (chalice's test client), against events written with the lead's `outbox_put`."""

from __future__ import annotations

import json
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from chalice.test import Client

from chalicelib.adapters.dynamodb.outbox import (
    OUTBOX_SHARDS,
    DynamoOutbox,
    outbox_item,
    outbox_key,
    outbox_put,
    outbox_shard,
)
from chalicelib.adapters.dynamodb.table import to_attributes
from chalicelib.bootstrap import container
from chalicelib.domain.errors import Conflict
from chalicelib.domain.events import OutboxEvent
from chalicelib.jobs.outbox import LEASE, OutboxJob, retry_delay
from chalicelib.jobs.registry import JobRequest
from devserver.localaws import DynamoSemantics
from devserver.resources import create_resources, stage_environment, stage_names
from tests.conftest import PROJECT_DIR
from tests.functional.conftest import ADMIN_KEY, Api

NOW = datetime.now(UTC)
FAR = datetime(2199, 1, 1, tzinfo=UTC)


def make_event(
    number: int, *, platform: str = "plt_a", due: datetime | None = None, **kw: Any
) -> OutboxEvent:
    due = due or NOW - timedelta(minutes=2)
    return OutboxEvent(
        id=f"evt_{number:026d}",
        type="assignment.bound",
        platform=platform,
        object_type="assignment",
        object_id=f"asg_{number:026d}",
        data={"id": f"asg_{number:026d}", "status": "bound"},
        created_at=due,
        due_at=due,
        **kw,
    )


def record(*events: OutboxEvent) -> None:
    """Write events as a unit of work does: `outbox_put` operations in a TransactWriteItems."""
    container().table.transact([outbox_put(e) for e in events], conflict_message="outbox put")


def remaining() -> dict[str, OutboxEvent]:
    return {entry.event.id: entry.event for entry in container().outbox.due(FAR, 1000)}


class Recorder:
    def __init__(self, fail: bool = False) -> None:
        self.seen: list[str] = []
        self.fail = fail
        self.lock = threading.Lock()

    def handle(self, event: OutboxEvent) -> None:
        with self.lock:
            self.seen.append(event.id)
        if self.fail:
            raise RuntimeError("receiver down")


@pytest.fixture
def recorder(api: Api) -> Recorder:
    """A consumer registered next to the marker, in the container the app uses."""
    consumer = Recorder()
    container().outbox_consumers["recorder"] = consumer
    return consumer


def run_job(api: Api, body: Any = None, name: str = "outbox", key: str = ADMIN_KEY):
    return api.json("POST", f"/v1/admin/jobs/{name}", key, body)


def invoke_schedule(api: Api) -> dict[str, Any]:
    event = api.client.events.generate_cw_event(
        source="aws.events",
        detail_type="Scheduled Event",
        detail={},
        resources=["arn:aws:events:us-east-1:123456789012:rule/jobcover-test-outbox"],
    )
    return dict(api.client.lambda_.invoke("outbox", event).payload)


def new_platform(api: Api, name: str) -> str:
    status, body = api.json("POST", "/v1/platforms", ADMIN_KEY, {"name": name})
    assert status == 201, body
    return str(body["id"])


# --- the reader ----------------------------------------------------------------------------


def test_events_spread_over_the_shards_and_are_read_earliest_first(aws):
    events = [make_event(n, due=NOW - timedelta(seconds=n)) for n in range(1, 161)]
    for start in range(0, len(events), 80):  # a transaction takes at most 100 items
        record(*events[start : start + 80])
    assert len({outbox_shard(e.id) for e in events}) == OUTBOX_SHARDS
    due = container().outbox.due(NOW, 200)
    assert [entry.event.id for entry in due] == [e.id for e in reversed(events)]
    assert due[0].event == events[-1]
    assert [entry.event.id for entry in container().outbox.due(NOW, 3)] == [
        e.id for e in reversed(events[-3:])
    ]


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The Limit of every one-partition due Query (`DynamoTable.query_due`), in order."""
    from chalicelib.adapters.dynamodb import table as table_module

    limits: list[int] = []
    query_due = table_module.DynamoTable.query_due

    def counting(self: Any, **kwargs: Any) -> Any:
        limits.append(kwargs["limit"])
        return query_due(self, **kwargs)

    monkeypatch.setattr(table_module.DynamoTable, "query_due", counting)
    return limits


def test_due_reads_each_shard_for_its_share_and_further_only_where_the_merge_needs_it(aws, asked):
    """A backlog crowded into a few shards: `due(limit)` is still exactly the `limit` earliest
    events, and the shards are read for about twice their share of `limit`, not `limit` each
    (32 x 501 items per run, read under the local stack's lock, stalled every request)."""
    crowded = [n for n in range(1, 4000) if outbox_shard(f"evt_{n:026d}") in {3, 7}][:300]
    spread = list(range(5000, 5200))
    events = [make_event(n, due=NOW - timedelta(seconds=i)) for i, n in enumerate(crowded)]
    events += [make_event(n, due=NOW - timedelta(hours=1, seconds=i)) for i, n in enumerate(spread)]
    for start in range(0, len(events), 80):
        record(*events[start : start + 80])
    for limit in (10, 250, 501):
        asked.clear()
        expected = [e.id for e in sorted(events, key=lambda e: (e.due_at, e.id))][:limit]
        assert [entry.event.id for entry in container().outbox.due(NOW, limit)] == expected
        assert sum(asked) <= 3 * limit + 2 * OUTBOX_SHARDS, (limit, sum(asked))


def test_the_due_index_reads_each_shard_for_its_share_not_the_whole_limit(aws, asked, monkeypatch):
    """The term jobs' due index, like the outbox: exactly the `limit` earliest due records,
    with its eight shards read for about twice their share, not `limit` each."""
    from datetime import date

    from chalicelib.adapters.dynamodb import due as due_module

    table = container().table
    as_of = date(2026, 6, 1)
    ids = [f"pol_{n:026d}" for n in range(400)]
    crowded = [i for i in ids if due_module.due_shard(i) in {2, 5}][:120]
    spread = ids[300:400]
    sort_keys = {}
    for n, object_id in enumerate(crowded + spread):
        on = as_of - timedelta(days=1 if object_id in crowded else 30)
        duesk = f"{on.isoformat()}#plt_x#{object_id}#{n:04d}"
        sort_keys[object_id] = duesk
        table.client.put_item(
            TableName=table.name,
            Item=to_attributes(
                {
                    "pk": "plt_x#POL",
                    "sk": object_id,
                    "duepk": due_module.due_partition(
                        "expirations", due_module.due_shard(object_id)
                    ),
                    "duesk": duesk,
                }
            ),
        )
    monkeypatch.setattr(due_module, "due_record", lambda item: str(item["duesk"]))
    index = due_module.DynamoDueIndex(table)
    for limit in (5, 60, 200):
        asked.clear()
        expected = sorted(sort_keys.values())[:limit]
        assert index.due("expirations", as_of, limit=limit) == expected
        assert sum(asked) <= 3 * limit + 2 * due_module.DUE_SHARDS, (limit, sum(asked))


def test_an_event_is_due_at_its_instant_not_a_microsecond_before(aws):
    at = datetime(2026, 5, 1, 12, 0, 0, 500_000, tzinfo=UTC)
    record(make_event(1, due=at))
    outbox = container().outbox
    assert outbox.due(at - timedelta(microseconds=1), 10) == []
    assert [entry.event.id for entry in outbox.due(at, 10)] == [make_event(1).id]


def test_platform_filter_reads_past_other_tenants_events(aws):
    # Limit applies before the filter: the reader must page on to find the one event.
    record(*[make_event(n, platform="plt_busy", due=NOW - timedelta(hours=1)) for n in range(30)])
    record(make_event(99, platform="plt_quiet"))
    due = container().outbox.due(NOW, 1, platform="plt_quiet")
    assert [entry.event.platform for entry in due] == ["plt_quiet"]


def test_claim_moves_the_item_and_counts_the_attempt_keeping_other_attributes(aws):
    event = make_event(1)
    item = outbox_item(event) | {"request_id": "req-123"}
    container().dynamodb.put_item(TableName=container().table.name, Item=to_attributes(item))
    outbox = container().outbox
    (entry,) = outbox.due(NOW, 10)
    assert entry.extra == {"request_id": "req-123"}

    claimed = outbox.claim(entry, NOW + LEASE)
    assert claimed.event.attempts == 1 and claimed.event.due_at == NOW + LEASE
    assert outbox.due(NOW, 10) == []
    stored = container().table.get(*outbox_key(event.id, NOW + LEASE))
    assert stored is not None and stored["request_id"] == "req-123"
    assert container().table.get(*outbox_key(event.id, event.due_at)) is None

    with pytest.raises(Conflict):
        outbox.claim(entry, NOW + LEASE + timedelta(seconds=1))  # stale: it moved
    with pytest.raises(Conflict):
        outbox.done(entry)

    back = outbox.retry(claimed, NOW + timedelta(minutes=1), handled_by=frozenset({"marker"}))
    assert back.event.attempts == 1 and back.handled_by == {"marker"}
    (reread,) = outbox.due(NOW + timedelta(minutes=1), 10)
    assert reread.handled_by == {"marker"} and reread.extra == {"request_id": "req-123"}
    outbox.done(reread)
    assert remaining() == {}


def test_an_events_data_is_stored_as_its_json_and_items_holding_a_map_still_read(aws):
    data = {"id": "asg_1", "pay": {"amount_cents": 40_000, "hours": None}, "lines": ["wc", "gl"]}
    new, old = make_event(1), make_event(2)
    record(replace(new, data=data))
    earlier = outbox_item(old) | {"data": data}  # as items were written before: a map
    container().dynamodb.put_item(TableName=container().table.name, Item=to_attributes(earlier))

    stored = container().dynamodb.get_item(
        TableName=container().table.name,
        Key=to_attributes(dict(zip(("pk", "sk"), outbox_key(new.id, new.due_at), strict=True))),
    )["Item"]
    assert json.loads(stored["data"]["S"]) == data
    assert {event_id: event.data for event_id, event in remaining().items()} == {
        new.id: data,
        old.id: data,
    }


# --- the job through the admin route -------------------------------------------------------


def test_due_events_are_handed_to_consumers_once_and_removed(api, recorder):
    due = [make_event(n) for n in range(1, 6)]
    later = make_event(9, due=NOW + timedelta(hours=1))
    record(*due, later)

    status, body = run_job(api)
    assert status == 200, body
    assert body["job"] == "outbox" and body["as_of"] == NOW.date().isoformat()
    assert (body["processed"], body["retried"], body["skipped"]) == (5, 0, 0)
    assert sorted(recorder.seen) == [e.id for e in due]
    assert list(remaining()) == [later.id]
    marker = container().outbox_consumers["marker"]
    assert sum(marker.counts.values()) == 5  # type: ignore[attr-defined]

    status, body = run_job(api, {})
    assert (status, body["processed"]) == (200, 0)
    assert len(recorder.seen) == 5


def test_a_failing_consumer_leaves_the_event_for_a_later_retry(api, recorder):
    flaky = Recorder(fail=True)
    container().outbox_consumers["flaky"] = flaky
    record(make_event(1), make_event(2))

    status, body = run_job(api)
    assert status == 200, body
    assert (body["processed"], body["retried"]) == (0, 2)
    assert {f["consumer"] for f in body["failures"]} == {"flaky"}
    kept = remaining()
    assert set(kept) == {make_event(1).id, make_event(2).id}
    for event in kept.values():
        assert event.attempts == 1
        assert event.due_at > NOW + retry_delay(1) - timedelta(seconds=5)

    # Not due yet; at the retry time only the consumer that failed is called again.
    assert run_job(api)[1]["processed"] == 0
    flaky.fail = False
    retry_at = max(e.due_at for e in kept.values())
    status, body = run_job(api, {"now": retry_at.isoformat()})
    assert (status, body["processed"]) == (200, 2), body
    assert sorted(recorder.seen) == sorted(kept)  # once each, on the first attempt
    assert sorted(flaky.seen) == sorted([*kept, *kept])
    assert remaining() == {}


def test_platform_limits_the_run_to_one_tenant(api, recorder):
    ours, theirs = new_platform(api, "Ours"), new_platform(api, "Theirs")
    record(make_event(1, platform=ours), make_event(2, platform=theirs))
    status, body = run_job(api, {"platform": theirs})
    assert (status, body["processed"], body["platform"]) == (200, 1, theirs)
    assert recorder.seen == [make_event(2).id]
    assert list(remaining()) == [make_event(1).id]


def test_a_future_as_of_runs_on_the_test_stage(api, recorder):
    tomorrow = NOW + timedelta(days=1)
    record(make_event(1, due=tomorrow))
    status, body = run_job(api, {"as_of": tomorrow.date().isoformat()})
    assert (status, body["processed"]) == (200, 1), body  # end of as_of's day
    assert body["as_of"] == tomorrow.date().isoformat()


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"as_of": "2026-02-30"}, ["body", "as_of"]),
        ({"now": "2026-01-05T10:00:00"}, ["body", "now"]),  # no offset
        ({"as_of": "2026-01-05", "now": "2026-01-06T10:00:00Z"}, ["body", "now"]),
        ({"as_of": "2026-01-05", "now": "2026-01-05T23:30:00-05:00"}, ["body", "now"]),
        ({"when": "today"}, ["body", "when"]),
    ],
)
def test_bad_run_requests_are_422(api, body, where):
    status, answer = run_job(api, body)
    assert status == 422, answer
    assert answer["error"]["details"][0]["loc"][:2] == where


def test_unknown_job_or_platform_is_404_and_only_admins_run_jobs(api, platform_key):
    status, body = run_job(api, name="renewals-typo")
    assert (status, body["error"]["code"]) == (404, "not_found")
    assert "outbox" in body["error"]["message"]
    status, body = run_job(api, {"platform": "plt_00000000000000000000000000"})
    assert status == 404
    assert run_job(api, key=platform_key)[0] == 403
    assert api.call("POST", "/v1/admin/jobs/outbox").status_code == 401


def test_the_run_route_is_in_the_openapi_document(api):
    spec = api.json("GET", "/openapi.json")[1]
    assert "post" in spec["paths"]["/v1/admin/jobs/{name}"]


# --- the job as the scheduled function -----------------------------------------------------


def test_the_scheduled_function_runs_the_outbox_job(api, recorder):
    record(make_event(1), make_event(2, due=NOW + timedelta(hours=1)))
    result = invoke_schedule(api)
    assert result["job"] == "outbox" and result["processed"] == 1
    assert recorder.seen == [make_event(1).id]
    assert invoke_schedule(api)["processed"] == 0
    assert list(remaining()) == [make_event(2).id]
    json.dumps(result)  # the function's answer is JSON


def test_the_lambda_entry_point_runs_without_the_app_module(aws):
    # In AWS the function's handler is `chalicelib.jobs.schedules.outbox`: app.py is not loaded.
    from chalicelib.jobs.schedules import outbox

    record(make_event(1))
    scheduled = {
        "version": "0",
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": NOW.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/jobcover-prod-outbox"],
        "detail": {},
    }
    assert outbox(scheduled, None)["processed"] == 1
    assert remaining() == {}


def test_overlapping_runs_hand_each_event_over_once(api, recorder, dynamo: DynamoSemantics):
    events = [make_event(n) for n in range(1, 25)]
    record(*events)
    runs = 4
    all_read = threading.Barrier(runs)
    app = container()

    class ReadTogether(DynamoOutbox):
        """Every run reads the same due events before any claims one: they all race."""

        def due(self, now, limit, *, platform=None):
            found = super().due(now, limit, platform=platform)
            all_read.wait(timeout=10)
            return found

    job = OutboxJob(ReadTogether(app.table), app.outbox_consumers, app.clock)
    request = JobRequest(as_of=NOW.date())
    with ThreadPoolExecutor(max_workers=runs) as pool:
        results = list(pool.map(lambda _: job(request), range(runs)))
    assert sum(r["processed"] for r in results) == len(events)
    assert sum(r["skipped"] for r in results) == (runs - 1) * len(events)
    assert Counter(recorder.seen) == Counter({e.id: 1 for e in events})
    assert remaining() == {}


# --- production refuses to move the clock --------------------------------------------------


@pytest.fixture
def prod_api(aws: None, monkeypatch: pytest.MonkeyPatch):
    from app import app

    env = stage_environment("prod")
    create_resources(boto3.session.Session(), stage="prod", names=stage_names(env))
    boto3.client("ssm").put_parameter(
        Name=env["JOBCOVER_ADMIN_KEY_PARAMETER"], Value="jca_prod_admin", Type="SecureString"
    )
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    with Client(app, stage_name="prod", project_dir=PROJECT_DIR) as client:
        yield Api(client)


def test_production_refuses_now_and_future_dates_but_runs_today(prod_api):
    today = NOW.date()
    refused = [
        {"now": NOW.isoformat()},
        {"as_of": today.isoformat(), "now": NOW.isoformat()},
        {"as_of": (today + timedelta(days=1)).isoformat()},
    ]
    for body in refused:
        status, answer = run_job(prod_api, body, key="jca_prod_admin")
        assert status == 422, (body, answer)
    status, answer = run_job(
        prod_api, {"as_of": (today - timedelta(days=1)).isoformat()}, key="jca_prod_admin"
    )
    assert (status, answer["processed"]) == (200, 0), answer
    assert run_job(prod_api, key="jca_prod_admin")[0] == 200
