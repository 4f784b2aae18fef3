"""Webhooks end to end on moto: endpoints per API.md, events recorded with their change, and
deliveries to a real receiver on 127.0.0.1 that verifies every signature with the
`standardwebhooks` library."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.adapters.dynamodb.webhook_deliveries import SHARDS as WEBHOOK_SHARDS
from chalicelib.bootstrap import container
from chalicelib.domain.events import EVENT_TYPES
from tests.functional.conftest import ADMIN_KEY, Api, contractor_body, quote_body
from tests.receiver import Receiver, running_receiver

pytestmark = pytest.mark.usefixtures("dynamo")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


def create_endpoint(
    api: Api, key: str, url: str, events: list[str] | None = None
) -> dict[str, Any]:
    status, body = api.json(
        "POST", "/v1/webhook-endpoints", key, {"url": url, "events": events or ["policy.activated"]}
    )
    assert status == 201, body
    return dict(body)


def bind_policy(api: Api, key: str, external_id: str = "tech-1") -> str:
    status, contractor = api.json(
        "POST", "/v1/contractors", key, contractor_body(external_id=external_id)
    )
    assert status == 201, contractor
    status, quote = api.json("POST", "/v1/quotes", key, quote_body(contractor["id"]))
    assert status == 201, quote
    status, policy = api.json(
        "POST", "/v1/policies", key, {"quote": quote["id"], "accept_terms": True}
    )
    assert status == 201 and policy["status"] == "active", policy
    return str(policy["id"])


def run_outbox(api: Api, now: datetime | None = None, job: str = "outbox") -> dict[str, Any]:
    body = {"now": now.isoformat()} if now else {}
    status, result = api.json("POST", f"/v1/admin/jobs/{job}", ADMIN_KEY, body)
    assert status == 200, result
    return dict(result)


def attempts(api: Api, key: str, endpoint: str) -> list[dict[str, Any]]:
    status, body = api.json("GET", f"/v1/webhook-endpoints/{endpoint}/deliveries", key)
    assert status == 200, body
    return list(body["data"])


# --- endpoints -------------------------------------------------------------------------------


def test_create_shows_a_whsec_secret_once_and_stores_only_its_ciphertext(
    api, platform_key, receiver
):
    created = create_endpoint(
        api, platform_key, receiver.url, ["policy.activated", "assignment.bound"]
    )
    assert created["id"].startswith("whe_") and created["object"] == "webhook_endpoint"
    secret = created["secret"]
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    assert created["events"] == ["policy.activated", "assignment.bound"]
    assert created["disabled"] is False

    status, fetched = api.json("GET", f"/v1/webhook-endpoints/{created['id']}", platform_key)
    assert status == 200 and "secret" not in fetched
    status, listed = api.json("GET", "/v1/webhook-endpoints", platform_key)
    assert [e["id"] for e in listed["data"]] == [created["id"]] and "secret" not in listed["data"][
        0
    ]

    platform = str(container().auth.authenticate(f"Bearer {platform_key}").platform)
    items = container().table.query_all(partition=("pk", f"{platform}#WHE"))
    stored = json.dumps(items, default=str)
    assert secret not in stored and secret[6:] not in stored  # only KMS ciphertext at rest
    endpoint = container().webhook_store.endpoints.get(platform, created["id"])
    assert endpoint is not None and endpoint.secrets[0].ciphertext in stored
    store = container().webhook_store.secrets
    assert store.reveal(endpoint.secrets[0], platform=platform, endpoint=endpoint.id) == secret


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"url": "http://127.0.0.1:9/x", "events": ["policy.exploded"]}, ["body", "events", 0]),
        ({"url": "http://127.0.0.1:9/x", "events": []}, ["body", "events"]),
        (
            {"url": "http://127.0.0.1:9/x", "events": ["policy.activated", "policy.activated"]},
            ["body", "events"],
        ),
        ({"url": "http://127.0.0.1/x", "events": ["policy.activated"]}, ["body", "url"]),
        ({"url": "http://example.com/x", "events": ["policy.activated"]}, ["body", "url"]),
        ({"url": "ftp://127.0.0.1:9/x", "events": ["policy.activated"]}, ["body", "url"]),
        ({"url": "https://10.0.0.8/x", "events": ["policy.activated"]}, ["body", "url"]),
        (
            {"url": "http://127.0.0.1:9/x", "events": ["policy.activated"], "secret": "x"},
            ["body", "secret"],
        ),
    ],
)
def test_unknown_events_and_refused_urls_are_422(api, platform_key, body, where):
    status, answer = api.json("POST", "/v1/webhook-endpoints", platform_key, body)
    assert status == 422, answer
    assert answer["error"]["details"][0]["loc"][: len(where)] == where


def test_patch_changes_url_events_and_disabled_and_an_empty_patch_is_422(
    api, platform_key, receiver
):
    created = create_endpoint(api, platform_key, receiver.url)
    path = f"/v1/webhook-endpoints/{created['id']}"
    status, body = api.json(
        "PATCH", path, platform_key, {"events": ["assignment.bound"], "disabled": True}
    )
    assert status == 200, body
    assert body["events"] == ["assignment.bound"] and body["disabled"] is True
    assert body["disabled_reason"] == "requested"
    status, body = api.json(
        "PATCH", path, platform_key, {"disabled": False, "url": "http://127.0.0.1:1/new"}
    )
    assert (status, body["disabled"], body["disabled_reason"], body["url"]) == (
        200,
        False,
        None,
        "http://127.0.0.1:1/new",
    )
    assert api.json("PATCH", path, platform_key, {})[0] == 422
    assert api.json("PATCH", path, platform_key, {"disabled": "yes"})[0] == 422
    assert api.json("PATCH", path, platform_key, {"events": ["nope.nope"]})[0] == 422


def test_delete_makes_the_endpoint_404_and_another_platform_never_sees_it(
    api, platform_key, other_platform_key, receiver
):
    created = create_endpoint(api, platform_key, receiver.url)
    path = f"/v1/webhook-endpoints/{created['id']}"
    for method, body in (("GET", None), ("PATCH", {"disabled": True}), ("DELETE", None)):
        assert api.json(method, path, other_platform_key, body)[0] == 404
    assert api.json("POST", path + "/rotate-secret", other_platform_key)[0] == 404
    assert api.json("GET", path + "/deliveries", other_platform_key)[0] == 404

    status, body = api.json("DELETE", path, platform_key)
    assert (status, body) == (
        200,
        {"id": created["id"], "object": "webhook_endpoint", "deleted": True},
    )
    assert api.json("GET", path, platform_key)[0] == 404
    assert api.json("DELETE", path, platform_key)[0] == 404
    assert api.json("GET", "/v1/webhook-endpoints", platform_key)[1]["data"] == []


# --- delivery ----------------------------------------------------------------------------------


def test_a_state_change_reaches_the_receiver_signed_carrying_the_api_object(
    api, platform_key, receiver
):
    created = create_endpoint(api, platform_key, receiver.url)
    policy_id = bind_policy(api, platform_key)

    result = run_outbox(api)
    assert result["webhooks"]["delivered"] == 1, result
    (delivery,) = receiver.received
    payload = delivery.verify(created["secret"])
    assert payload["type"] == "policy.activated"
    assert delivery.headers["webhook-id"] == payload["id"]
    assert delivery.headers["Content-Type"] == "application/json"
    status, policy = api.json("GET", f"/v1/policies/{policy_id}", platform_key)
    assert payload["data"] == policy

    # A bind also issues its certificate (`certificate.issued`); this endpoint has not subscribed.
    status, events = api.json("GET", "/v1/events?type=policy.activated", platform_key)
    assert status == 200 and events["data"] == [payload]
    (attempt,) = attempts(api, platform_key, created["id"])
    assert attempt["event"] == payload["id"] and attempt["response_code"] == 200
    assert (attempt["status"], attempt["delivery_status"], attempt["attempt"]) == (
        "succeeded",
        "succeeded",
        1,
    )
    assert attempt["next_retry_at"] is None

    run_outbox(api, datetime.now(UTC) + timedelta(days=1))
    assert len(receiver.received) == 1  # seen once after success


def test_retries_after_500s_follow_the_schedule_and_stop_at_the_first_2xx(
    api, platform_key, receiver
):
    receiver.script = [500, 503]
    created = create_endpoint(api, platform_key, receiver.url)
    bind_policy(api, platform_key)
    now = datetime.now(UTC) + timedelta(minutes=1)

    first = run_outbox(api, now)
    assert first["webhooks"]["retrying"] == 1
    (attempt,) = attempts(api, platform_key, created["id"])
    retry_at = datetime.fromisoformat(attempt["next_retry_at"])
    assert timedelta(seconds=4.5) <= retry_at - now <= timedelta(seconds=5.5)
    assert run_outbox(api, now + timedelta(seconds=4))["webhooks"]["processed"] == 0

    run_outbox(api, retry_at, job="webhooks")
    newest = attempts(api, platform_key, created["id"])[0]
    assert (newest["attempt"], newest["response_code"]) == (2, 503)
    second_retry = datetime.fromisoformat(newest["next_retry_at"])
    assert timedelta(minutes=4.5) <= second_retry - retry_at <= timedelta(minutes=5.5)

    run_outbox(api, second_retry, job="webhooks")
    run_outbox(api, second_retry + timedelta(days=2), job="webhooks")
    codes = [a["response_code"] for a in reversed(attempts(api, platform_key, created["id"]))]
    assert codes == [500, 503, 200]
    ids = {r.headers["webhook-id"] for r in receiver.received}
    assert len(receiver.received) == 3 and len(ids) == 1  # one event id across retries
    for delivery in receiver.received:
        delivery.verify(created["secret"])


def test_a_delivery_fails_after_eight_attempts_and_raises_the_metric(
    api, platform_key, receiver, monkeypatch
):
    counted: list[dict[str, int]] = []
    receiver.default = 500
    created = create_endpoint(api, platform_key, receiver.url)
    bind_policy(api, platform_key)
    monkeypatch.setattr(container().webhook_deliveries, "_metrics", counted.append)
    at = datetime.now(UTC) + timedelta(minutes=1)
    for _ in range(8):
        run_outbox(api, at)
        latest = attempts(api, platform_key, created["id"])[0]
        if latest["next_retry_at"] is None:
            break
        at = datetime.fromisoformat(latest["next_retry_at"])
    history = attempts(api, platform_key, created["id"])
    assert [a["attempt"] for a in history] == list(range(8, 0, -1))
    assert history[0]["delivery_status"] == "failed" and history[0]["next_retry_at"] is None
    assert sum(c["WebhookDeliveriesFailed"] for c in counted) == 1
    span = datetime.fromisoformat(history[0]["created_at"]) - datetime.fromisoformat(
        history[-1]["created_at"]
    )
    assert timedelta(hours=25) < span < timedelta(hours=31)  # about 28 hours
    run_outbox(api, at + timedelta(days=3))
    assert len(receiver.received) == 8


def test_an_endpoint_failing_for_five_days_is_disabled(api, platform_key, receiver):
    receiver.default = 500
    created = create_endpoint(api, platform_key, receiver.url)
    bind_policy(api, platform_key)
    start = datetime.now(UTC) + timedelta(minutes=1)
    run_outbox(api, start)
    _status, endpoint = api.json("GET", f"/v1/webhook-endpoints/{created['id']}", platform_key)
    assert endpoint["failing_since"] is not None and endpoint["disabled"] is False
    events = api.json("GET", "/v1/events", platform_key)[1]["data"]
    # Five days on, another failure disables it.
    redelivered = api.json("POST", f"/v1/events/{events[0]['id']}/redeliver", platform_key, {})
    assert redelivered[0] == 200, redelivered
    result = run_outbox(api, start + timedelta(days=5, minutes=1))
    assert result["webhooks"]["disabled_endpoints"] == [created["id"]]
    endpoint = api.json("GET", f"/v1/webhook-endpoints/{created['id']}", platform_key)[1]
    assert (endpoint["disabled"], endpoint["disabled_reason"]) == (True, "failing")


def test_a_timeout_is_a_failed_attempt_and_a_slow_receiver_does_not_delay_another(
    api, platform_key, monkeypatch
):
    monkeypatch.setenv("JOBCOVER_WEBHOOK_TIMEOUT_SECONDS", "1")
    with running_receiver() as slow, running_receiver() as fast:
        slow.script = [("sleep", 3.0, 200)]
        slow_endpoint = create_endpoint(api, platform_key, slow.url)
        create_endpoint(api, platform_key, fast.url)
        bind_policy(api, platform_key)
        started = time.monotonic()
        result = run_outbox(api, datetime.now(UTC) + timedelta(minutes=1))
        assert result["webhooks"]["delivered"] == 1 and result["webhooks"]["retrying"] == 1
        assert fast.received[0].at - started < slow.received[0].at - started + 0.9
        assert fast.received[0].at - slow.received[0].at < 0.9  # sent side by side
        (attempt,) = attempts(api, platform_key, slow_endpoint["id"])
        assert (attempt["error"], attempt["response_code"]) == ("timeout", None)
        assert 900 <= attempt["latency_ms"] < 2500


def test_a_redirect_is_a_failure_and_is_not_followed(api, platform_key, receiver):
    with running_receiver() as elsewhere:
        receiver.default = 302
        receiver.extra_headers = {"Location": elsewhere.url}
        created = create_endpoint(api, platform_key, receiver.url)
        bind_policy(api, platform_key)
        run_outbox(api, datetime.now(UTC) + timedelta(minutes=1))
        (attempt,) = attempts(api, platform_key, created["id"])
        assert (attempt["status"], attempt["response_code"]) == ("failed", 302)
        assert elsewhere.received == []


def test_a_platform_never_receives_another_platforms_events(api, platform_key, other_platform_key):
    with running_receiver() as ours, running_receiver() as theirs:
        create_endpoint(api, platform_key, ours.url, ["policy.activated", "assignment.bound"])
        create_endpoint(api, other_platform_key, theirs.url, sorted(EVENT_TYPES))
        bind_policy(api, platform_key)
        run_outbox(api)
        assert len(ours.received) == 1 and theirs.received == []
        assert api.json("GET", "/v1/events", other_platform_key)[1]["data"] == []
        event_id = api.json("GET", "/v1/events", platform_key)[1]["data"][0]["id"]
        assert (
            api.json("POST", f"/v1/events/{event_id}/redeliver", other_platform_key, {})[0] == 404
        )


def test_unsubscribed_and_disabled_endpoints_get_nothing(api, platform_key, receiver):
    with running_receiver() as disabled:
        create_endpoint(api, platform_key, receiver.url, ["assignment.bound"])
        paused = create_endpoint(api, platform_key, disabled.url)
        api.json("PATCH", f"/v1/webhook-endpoints/{paused['id']}", platform_key, {"disabled": True})
        bind_policy(api, platform_key)
        run_outbox(api)
        assert receiver.received == [] and disabled.received == []
        recorded = api.json("GET", "/v1/events", platform_key)[1]["data"]
        assert sorted(e["type"] for e in recorded) == ["certificate.issued", "policy.activated"]


def test_rotation_signs_with_both_secrets_for_24_hours(api, platform_key, receiver):
    created = create_endpoint(api, platform_key, receiver.url)
    status, rotated = api.json(
        "POST", f"/v1/webhook-endpoints/{created['id']}/rotate-secret", platform_key
    )
    assert status == 200, rotated
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != created["secret"]
    assert rotated["previous_secret_expires_at"] is not None
    bind_policy(api, platform_key)
    run_outbox(api)
    (delivery,) = receiver.received
    assert len(delivery.headers["webhook-signature"].split(" ")) == 2
    assert delivery.verify(created["secret"]) == delivery.verify(rotated["secret"])

    event_id = json.loads(delivery.body)["id"]
    api.json("POST", f"/v1/events/{event_id}/redeliver", platform_key, {})
    run_outbox(api, datetime.now(UTC) + timedelta(hours=25))
    later = receiver.received[1]
    assert len(later.headers["webhook-signature"].split(" ")) == 1
    later_payload = json.loads(later.body)
    assert later_payload["id"] == event_id
    with pytest.raises(Exception, match="signature"):
        later.verify(created["secret"])


def test_redeliver_sends_the_same_event_again_to_one_or_every_endpoint(api, platform_key, receiver):
    created = create_endpoint(api, platform_key, receiver.url)
    bind_policy(api, platform_key)
    run_outbox(api)
    event_id = json.loads(receiver.received[0].body)["id"]
    status, body = api.json(
        "POST", f"/v1/events/{event_id}/redeliver", platform_key, {"endpoint": created["id"]}
    )
    assert (status, body) == (
        200,
        {"event": event_id, "object": "event_redelivery", "endpoints": [created["id"]]},
    )
    run_outbox(api)
    assert [json.loads(r.body)["id"] for r in receiver.received] == [event_id, event_id]
    assert receiver.received[0].body == receiver.received[1].body  # the same bytes, re-signed
    assert (
        api.json("POST", "/v1/events/evt_00000000000000000000000000/redeliver", platform_key, {})[0]
        == 404
    )


def test_events_list_filters_by_type_and_since_and_pages_newest_first(api, platform_key):
    bind_policy(api, platform_key, "tech-1")
    bind_policy(api, platform_key, "tech-2")
    run_outbox(api)  # each bind: policy.activated and its certificate.issued
    status, page = api.json("GET", "/v1/events?limit=1", platform_key)
    assert status == 200 and page["has_more"] is True
    status, rest = api.json(
        "GET", f"/v1/events?limit=5&starting_after={page['data'][0]['id']}", platform_key
    )
    assert len(rest["data"]) == 3 and rest["has_more"] is False
    assert rest["data"][0]["id"] < page["data"][0]["id"]
    assert len(api.json("GET", "/v1/events?type=policy.activated", platform_key)[1]["data"]) == 2
    assert api.json("GET", "/v1/events?type=assignment.bound", platform_key)[1]["data"] == []
    future = (datetime.now(UTC) + timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    assert api.json("GET", f"/v1/events?since={future}", platform_key)[1]["data"] == []
    assert api.json("GET", "/v1/events?type=nope", platform_key)[0] == 422
    assert api.json("GET", "/v1/events?starting_after=bad", platform_key)[0] == 422


def test_an_event_seen_twice_by_the_consumer_is_recorded_and_delivered_once(
    api, platform_key, receiver
):
    create_endpoint(api, platform_key, receiver.url)
    bind_policy(api, platform_key)
    due = container().outbox.due(datetime.now(UTC), 10)
    (entry,) = [e for e in due if e.event.type == "policy.activated"]
    consumer = container().webhook_events
    consumer.handle(entry.event)
    consumer.handle(entry.event)  # a crash between the consumer and the outbox delete
    run_outbox(api)
    assert len(receiver.received) == 1
    assert len(api.json("GET", "/v1/events?type=policy.activated", platform_key)[1]["data"]) == 1


# --- the production stage: SSRF -----------------------------------------------------------------


@pytest.fixture
def prod_api(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Api, str]]:
    """The app on the `prod` stage (its own tables, the admin key in SSM) and a platform key."""
    import boto3
    from chalice.test import Client

    from app import app
    from devserver.resources import create_resources, stage_environment, stage_names
    from tests.conftest import PROJECT_DIR

    env = stage_environment("prod")
    # As a deployer sets it (docs/deploy.md): the stack's bucket, named with the account id.
    bucket = "jobcover-certificates-prod-123456789012"
    env["JOBCOVER_BUCKET_NAME"] = bucket
    session = boto3.session.Session()
    create_resources(session, stage="prod", names=stage_names(env))
    session.client("ssm").put_parameter(
        Name=env["JOBCOVER_ADMIN_KEY_PARAMETER"], Value="jca_prod_admin", Type="SecureString"
    )
    for name in ("JOBCOVER_ADMIN_KEY", "JOBCOVER_WEBHOOK_EGRESS"):  # the test stage's
        monkeypatch.delenv(name, raising=False)
    with Client(app, stage_name="prod", project_dir=PROJECT_DIR) as client:
        # The stage's environment as deployed: chalice's test client re-applies the config file's
        # variables on every request, so the deployer's setting goes in as a user parameter.
        client._chalice_config._user_provided_params["environment_variables"] = {
            "JOBCOVER_BUCKET_NAME": bucket
        }
        api = Api(client)
        status, body = api.json("POST", "/v1/platforms", "jca_prod_admin", {"name": "Prod"})
        assert status == 201, body
        yield api, str(body["api_key"])


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hooks",
        "https://10.0.0.8/hooks",
        "https://169.254.169.254/latest/meta-data/iam",
        "https://localhost/hooks",
        "https://hooks.localhost/hooks",
        "https://private.example.com/hooks",  # resolves to 10.1.2.3 (below)
        "https://nowhere.example.com/hooks",  # does not resolve
    ],
)
def test_production_refuses_loopback_private_metadata_and_local_names(prod_api, url, monkeypatch):
    from chalicelib.adapters.webhooks import addresses

    monkeypatch.setattr(addresses, "resolve_host", fake_dns({"private.example.com": ["10.1.2.3"]}))
    api, key = prod_api
    status, body = api.json(
        "POST", "/v1/webhook-endpoints", key, {"url": url, "events": ["policy.activated"]}
    )
    assert status == 422, body
    assert body["error"]["details"][0]["loc"] == ["body", "url"]


def fake_dns(answers: dict[str, list[str]]) -> Any:
    def resolve(host: str, port: int) -> list[str]:
        if host not in answers:
            raise OSError("no such host")
        return answers[host]

    return resolve


def test_production_rechecks_at_delivery_so_dns_rebinding_connects_nowhere(prod_api, monkeypatch):
    import socket

    from chalicelib.adapters.webhooks import addresses

    answers = {"hooks.example.com": ["93.184.216.34"]}
    monkeypatch.setattr(addresses, "resolve_host", fake_dns(answers))
    api, key = prod_api
    created = create_endpoint(api, key, "https://hooks.example.com/jobcover")
    answers["hooks.example.com"] = ["169.254.169.254"]  # re-pointed after the check

    def no_connection(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"a delivery tried to connect to {args!r}")

    monkeypatch.setattr(socket, "create_connection", no_connection)
    bind_policy(api, key)
    status, result = api.json("POST", "/v1/admin/jobs/outbox", "jca_prod_admin", {})
    assert status == 200, result
    # On the live clock the run also made the 5 s retry: refused again, still no connection.
    tried = attempts(api, key, created["id"])
    assert tried and {(a["status"], a["error"]) for a in tried} == {
        ("failed", "address_not_allowed")
    }


# --- no event without its change, no change without its event -----------------------------------


def test_an_event_is_written_in_the_transaction_of_its_change_or_not_at_all(
    api, platform_key, receiver, monkeypatch
):
    from moto.dynamodb.exceptions import TransactionCanceledException
    from moto.dynamodb.models import DynamoDBBackend

    create_endpoint(api, platform_key, receiver.url)
    original = DynamoDBBackend.transact_write_items
    transactions: list[list[str]] = []
    fail_next = {"policy": True}

    def keys_of(items: list[dict[str, Any]]) -> list[str]:
        keys = []
        for item in items:
            ((kind, body),) = item.items()
            attributes = body["Item"] if kind == "Put" else body["Key"]
            keys.append(attributes["pk"]["S"])
        return keys

    def transact(backend: DynamoDBBackend, items: list[dict[str, Any]]) -> None:
        keys = keys_of(items)
        if fail_next["policy"] and any(k.endswith("#POL") for k in keys):
            fail_next["policy"] = False
            raise TransactionCanceledException(
                [("ConditionalCheckFailed", "injected", None)] * len(items)
            )
        original(backend, items)
        transactions.append(keys)

    monkeypatch.setattr(DynamoDBBackend, "transact_write_items", transact)
    status, contractor = api.json("POST", "/v1/contractors", platform_key, contractor_body())
    status, quote = api.json("POST", "/v1/quotes", platform_key, quote_body(contractor["id"]))
    body = {"quote": quote["id"], "accept_terms": True}

    status, refused = api.json("POST", "/v1/policies", platform_key, body)
    assert status == 409, refused  # the change did not commit: no policy, and no event
    assert api.json("GET", "/v1/policies", platform_key)[1]["data"] == []
    assert container().outbox.due(datetime.now(UTC) + timedelta(days=1), 10) == []

    status, policy = api.json("POST", "/v1/policies", platform_key, body)
    assert status == 201, policy
    (committed,) = [keys for keys in transactions if any(k.endswith("#POL") for k in keys)]
    assert sum(k.startswith("OUTBOX#") for k in committed) == 1  # its event, in its transaction
    due = container().outbox.due(datetime.now(UTC), 10)
    (entry,) = [e for e in due if e.event.type != "certificate.issued"]
    assert (entry.event.type, entry.event.object_id) == ("policy.activated", policy["id"])
    run_outbox(api)
    (event,) = api.json("GET", "/v1/events?type=policy.activated", platform_key)[1]["data"]
    assert event["data"]["id"] == policy["id"] and len(receiver.received) == 1


@pytest.mark.parametrize(
    "body", [{"events": None}, {"url": None, "disabled": None}, {"events": [1]}]
)
def test_a_patch_of_nulls_or_wrong_types_is_422_never_a_500(api, platform_key, receiver, body):
    created = create_endpoint(api, platform_key, receiver.url)
    status, answer = api.json("PATCH", f"/v1/webhook-endpoints/{created['id']}", platform_key, body)
    assert status == 422, answer


def test_a_large_delivery_run_fans_out_by_queue_shard(api, platform_key, receiver, monkeypatch):
    monkeypatch.setenv("JOBCOVER_WEBHOOKS_BATCH", "2")
    endpoint = create_endpoint(api, platform_key, receiver.url)
    policies = [bind_policy(api, platform_key, f"tech-{n}") for n in range(3)]

    status, started = api.json("POST", "/v1/admin/jobs/outbox", ADMIN_KEY, {})

    assert status == 202, started  # the outbox's own run finished; its deliveries fanned out
    status, run = api.json("GET", f"/v1/admin/jobs/runs/{started['run']}", ADMIN_KEY)
    assert (status, run["job"], run["shards"]) == (200, "webhooks", WEBHOOK_SHARDS), run
    assert (run["status"], run["processed"]) == ("completed", 3), run
    received = [r.verify(endpoint["secret"]) for r in receiver.received]
    assert sorted(payload["data"]["id"] for payload in received) == sorted(policies)


def test_an_endpoints_attempts_page_newest_first_across_the_log_shards(api, platform_key, receiver):
    receiver.default = 500  # every attempt fails: each retry logs another
    endpoint = create_endpoint(api, platform_key, receiver.url)
    bind_policy(api, platform_key)
    run_outbox(api)
    for minutes in (1, 6, 40, 200):  # past each retry delay (5 s, 5 min, 30 min, 2 h)
        run_outbox(api, datetime.now(UTC) + timedelta(minutes=minutes), job="webhooks")
    logged = attempts(api, platform_key, endpoint["id"])
    assert len(logged) == 5  # spread over the log's shards by attempt id

    paged: list[str] = []
    cursor = ""
    while True:
        path = f"/v1/webhook-endpoints/{endpoint['id']}/deliveries?limit=2{cursor}"
        status, body = api.json("GET", path, platform_key)
        assert status == 200, body
        paged += [item["id"] for item in body["data"]]
        if not body["has_more"]:
            break
        cursor = f"&starting_after={body['data'][-1]['id']}"
    assert paged == sorted((item["id"] for item in logged), reverse=True)
    assert [item["attempt"] for item in logged] == [5, 4, 3, 2, 1]
