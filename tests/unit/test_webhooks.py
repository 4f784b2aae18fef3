"""Webhooks without moto: the URL policy (SSRF), the retry schedule, endpoint transitions, the
outbox consumer and the delivery job on in-memory fakes, and the sender's hard deadline."""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks import Webhook

from chalicelib.adapters.webhooks.addresses import AddressGuard
from chalicelib.adapters.webhooks.sender import HttpSender, signature_headers
from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.events import OutboxEvent
from chalicelib.domain.webhooks import (
    MAX_ATTEMPTS,
    DeliveryRefused,
    SendOutcome,
    WebhookEndpoint,
    parse_endpoint_url,
    retry_delay,
)
from chalicelib.domain.webhooks.deliveries import JITTER, RETRY_DELAYS
from chalicelib.domain.webhooks.endpoints import FAILING_LIMIT, ROTATION_OVERLAP
from chalicelib.domain.webhooks.urls import Target, address_is_public
from chalicelib.jobs.fanout import FanOut, work
from chalicelib.jobs.registry import JobRequest
from chalicelib.jobs.webhooks import WebhookDeliveryJob
from chalicelib.request_scope import keyed_scope, write_scope
from chalicelib.services.webhooks.endpoints import WebhookEndpointServices
from chalicelib.services.webhooks.events import EventServices, WebhookEventConsumer
from tests.fakes import FakeApp
from tests.fakes_webhooks import (
    FakeGuard,
    FakeSecrets,
    FakeSender,
    FakeWebhookEndpoints,
    FakeWebhookEvents,
)
from tests.unit.test_jobs import CountingIds, FakeRuns, SentQueue

PLATFORM = "plt_00000000000000000000000000"
OTHER = "plt_00000000000000000000000001"


# --- which URLs, which addresses ---------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",  # loopback: local and test stages only
        "http://hooks.example.com/x",  # plain http
        "https://10.0.0.8/x",
        "https://172.16.4.4/x",
        "https://192.168.1.1/x",
        "https://169.254.169.254/latest/meta-data/",  # the metadata service
        "https://[::1]/x",
        "https://[::ffff:10.0.0.1]/x",  # IPv4 private address inside IPv6
        "https://[fd00::1]/x",
        "https://100.64.0.1/x",  # shared address space
        "https://0.0.0.0/x",
        "https://localhost/x",
        "https://api.localhost/x",
        "https://metadata.google.internal/x",
        "https://printer.local/x",
        "https://0x7f.1/x",  # numeric forms a resolver reads as 127.0.0.1
        "https://2130706433/x",
        "https://user:pw@hooks.example.com/x",
        "https://hooks.example.com/x#frag",
        "ftp://hooks.example.com/x",
        "https:///x",
    ],
)
def test_production_refuses_private_loopback_metadata_and_odd_urls(url):
    with pytest.raises(ValidationFailed) as refused:
        parse_endpoint_url(url, loopback_allowed=False)
    assert refused.value.details[0]["loc"] == ["body", "url"]


@pytest.mark.parametrize(
    "url", ["https://hooks.example.com/jobcover?x=1", "https://93.184.216.34:8443/x"]
)
def test_production_accepts_https_to_public_hosts(url):
    parsed = parse_endpoint_url(url, loopback_allowed=False)
    assert parsed.scheme == "https" and not parsed.loopback


def test_local_stages_also_accept_http_127_0_0_1_with_a_port_and_nothing_else_over_http():
    parsed = parse_endpoint_url("http://127.0.0.1:9000/hooks?a=b", loopback_allowed=True)
    assert (parsed.host, parsed.port, parsed.target) == ("127.0.0.1", 9000, "/hooks?a=b")
    for url in ("http://127.0.0.1/x", "http://localhost:9000/x", "http://10.0.0.1:80/x"):
        with pytest.raises(ValidationFailed):
            parse_endpoint_url(url, loopback_allowed=True)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        ("10.1.2.3", False),
        ("127.0.0.1", False),
        ("169.254.169.254", False),
        ("::ffff:169.254.169.254", False),
        ("2002:0a00:0001::1", False),  # 6to4 of 10.0.0.1
        ("fe80::1%eth0", False),
        ("224.0.0.1", False),
        ("2001:db8::1", False),
        ("not-an-address", False),
    ],
)
def test_only_globally_routable_unicast_addresses_are_public(address, public):
    assert address_is_public(address) is public


def guard(answers: dict[str, list[str]], *, prod: bool = True, egress: str = "public"):
    def resolve(host: str, port: int) -> list[str]:
        if host not in answers:
            raise OSError("no such host")
        return answers[host]

    return AddressGuard(
        loopback_allowed=not prod,
        unresolved_allowed=not prod,
        egress=egress,  # type: ignore[arg-type]
        resolver=resolve,
    )


def test_a_name_resolving_to_any_private_address_is_refused_at_creation():
    mixed = guard({"hooks.example.com": ["93.184.216.34", "10.0.0.9"]})
    with pytest.raises(ValidationFailed, match="non-public"):
        mixed.accept("https://hooks.example.com/x")
    assert guard({"hooks.example.com": ["93.184.216.34"]}).accept("https://hooks.example.com/x")


def test_an_unresolvable_name_is_refused_in_production_but_accepted_offline_on_local_stages():
    with pytest.raises(ValidationFailed, match="does not resolve"):
        guard({}).accept("https://hooks.example.com/x")
    assert guard({}, prod=False).accept("https://hooks.example.com/x").host == "hooks.example.com"


def test_delivery_rechecks_the_address_so_dns_rebinding_reaches_nothing():
    answers = {"hooks.example.com": ["93.184.216.34"]}
    rebinding = guard(answers)
    rebinding.accept("https://hooks.example.com/x")
    assert rebinding.target("https://hooks.example.com/x").address == "93.184.216.34"
    answers["hooks.example.com"] = ["169.254.169.254"]
    with pytest.raises(DeliveryRefused) as refused:
        rebinding.target("https://hooks.example.com/x")
    assert refused.value.reason == "address_not_allowed"


def test_loopback_egress_confines_deliveries_to_127_0_0_1():
    confined = guard({"hooks.example.com": ["93.184.216.34"]}, prod=False, egress="loopback")
    with pytest.raises(DeliveryRefused, match="egress"):
        confined.target("https://hooks.example.com/x")
    assert confined.target("http://127.0.0.1:9/x").address == "127.0.0.1"


# --- the retry schedule ------------------------------------------------------------------------


def test_the_schedule_is_api_md_eight_attempts_over_about_28_hours():
    delays = [retry_delay(n) for n in range(1, MAX_ATTEMPTS)]
    assert delays == list(RETRY_DELAYS)
    assert [d.total_seconds() for d in RETRY_DELAYS] == [5, 300, 1800, 7200, 18000, 36000, 36000]
    assert MAX_ATTEMPTS == 8 and retry_delay(8) is None
    assert timedelta(hours=27) < sum(RETRY_DELAYS, timedelta()) < timedelta(hours=29)


@given(st.integers(min_value=1, max_value=7), st.floats(min_value=-1, max_value=1))
def test_jitter_stays_within_ten_percent(attempts, jitter):
    delay = retry_delay(attempts, jitter)
    base = RETRY_DELAYS[attempts - 1]
    assert delay is not None
    assert base * (1 - JITTER) <= delay <= base * (1 + JITTER)


# --- endpoints ---------------------------------------------------------------------------------

NOW = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)


def endpoint() -> WebhookEndpoint:
    secrets = FakeSecrets()
    return WebhookEndpoint.create(
        endpoint_id="whe_1",
        platform=PLATFORM,
        url="http://127.0.0.1:9/x",
        events=["policy.activated"],
        secret=secrets.new_secret(platform=PLATFORM, endpoint="whe_1", now=NOW)[1],
        now=NOW,
    ).state


def test_rotation_keeps_the_old_secret_signing_for_24_hours_then_only_the_new():
    original = endpoint()
    new = FakeSecrets().new_secret(platform=PLATFORM, endpoint="whe_1", now=NOW)[1]
    rotated = original.rotate(new.model_copy(update={"ciphertext": "sealed:new"}), NOW).state
    assert [s.ciphertext for s in rotated.signing_secrets(NOW)] == [
        "sealed:new",
        original.secrets[0].ciphertext,
    ]
    later = NOW + ROTATION_OVERLAP
    assert [s.ciphertext for s in rotated.signing_secrets(later)] == ["sealed:new"]


def test_failing_for_five_days_disables_and_a_success_or_enabling_forgets_the_streak():
    started = endpoint().delivery_failed(NOW)
    assert started is not None and started.state.failing_since == NOW
    failing = started.state
    assert failing.delivery_failed(NOW + FAILING_LIMIT - timedelta(seconds=1)) is None
    disabled = failing.delivery_failed(NOW + FAILING_LIMIT)
    assert disabled is not None
    assert (disabled.state.disabled, disabled.state.disabled_reason) == (True, "failing")
    assert not disabled.state.subscribes("policy.activated")
    healed = failing.delivered(NOW + timedelta(days=1))
    assert healed is not None and healed.state.failing_since is None
    enabled = disabled.state.update(url=None, events=None, disabled=False, now=NOW).state
    assert (enabled.disabled, enabled.disabled_reason, enabled.failing_since) == (False, None, None)


def test_a_deleted_endpoint_cannot_change():
    deleted = endpoint().delete(NOW).state
    with pytest.raises(Conflict):
        deleted.rotate(deleted.secrets[0], NOW)
    assert deleted.delivery_failed(NOW) is None and not deleted.subscribes("policy.activated")


# --- services and the job on fakes -------------------------------------------------------------


class World:
    """The webhook services, consumer and job on fakes, sharing one store and clock."""

    def __init__(self, sender: FakeSender | None = None, **job: object) -> None:
        self.app = FakeApp()
        self.endpoints = FakeWebhookEndpoints(self.app.store)
        self.events = FakeWebhookEvents()
        self.secrets = FakeSecrets()
        self.guard = FakeGuard()
        self.sender = sender or FakeSender()
        self.services = WebhookEndpointServices(
            endpoints=self.endpoints,
            deliveries=self.events,
            uow=self.app.unit_of_work,
            secrets=self.secrets,
            guard=self.guard,
            ids=self.app.ids,
            clock=self.app.clock,
        )
        self.consumer = WebhookEventConsumer(
            self.endpoints,
            self.events,
            lambda e: json.dumps({"id": e.id}),
            self.app.ids,
            self.app.clock,
        )
        self.event_services = EventServices(
            self.events, self.endpoints, self.events, self.app.ids, self.app.clock
        )
        self.metrics: list[dict[str, int]] = []
        self.job = WebhookDeliveryJob(
            deliveries=self.events,
            events=self.events,
            endpoints=self.endpoints,
            uow=self.app.unit_of_work,
            secrets=self.secrets,
            guard=self.guard,
            sender=self.sender,
            sign=signature_headers,
            ids=self.app.ids,
            clock=self.app.clock,
            metrics=self.metrics.append,
            jitter=lambda: 0.0,
            **job,  # type: ignore[arg-type]
        )

    def event(self, number: int, platform: str = PLATFORM, kind: str = "policy.activated"):
        return OutboxEvent(
            id=f"evt_{number:026d}",
            type=kind,
            platform=platform,
            object_type="policy",
            object_id=f"pol_{number:026d}",
            data={},
            created_at=self.app.clock.now(),
            due_at=self.app.clock.now(),
        )

    def run(self, now: datetime | None = None) -> dict[str, object]:
        at = now or self.app.clock.now()
        return self.job(JobRequest(as_of=at.date(), now=at))


def test_the_consumer_records_each_event_once_with_a_task_per_subscribed_endpoint():
    world = World()
    subscribed = world.services.create(PLATFORM, "http://127.0.0.1:1/a", ["policy.activated"])
    world.services.create(PLATFORM, "http://127.0.0.1:2/b", ["assignment.bound"])
    world.services.create(OTHER, "http://127.0.0.1:3/c", ["policy.activated"])
    event = world.event(1)
    world.consumer.handle(event)
    world.consumer.handle(event)  # seen again after a crash
    assert [t.endpoint for t in world.events.tasks.values()] == [subscribed.endpoint.id]
    assert list(world.events.events) == [(PLATFORM, event.id)]


def test_create_shows_the_secret_once_and_a_replayed_commit_answers_none():
    world = World()
    with write_scope(keyed_scope("create whe, key k1")):
        created = world.services.create(PLATFORM, "http://127.0.0.1:1/a", ["policy.activated"])
    assert created.secret is not None and created.secret.startswith("whsec_")
    # The client retries the same keyed request after its answer was lost: same endpoint, and
    # the secret is not shown again.
    with write_scope(keyed_scope("create whe, key k1")):
        again = world.services.create(PLATFORM, "http://127.0.0.1:1/a", ["policy.activated"])
    assert (again.endpoint.id, again.secret) == (created.endpoint.id, None)
    assert len(world.endpoints.live(PLATFORM)) == 1


def test_a_platform_has_at_most_twenty_endpoints():
    world = World()
    for n in range(20):
        world.services.create(PLATFORM, f"http://127.0.0.1:{n + 1}/a", ["policy.activated"])
    with pytest.raises(Conflict, match="at most 20"):
        world.services.create(PLATFORM, "http://127.0.0.1:99/a", ["policy.activated"])


def test_a_delivery_is_signed_so_the_library_verifies_it():
    world = World()
    created = world.services.create(PLATFORM, "http://127.0.0.1:1/a", ["policy.activated"])
    world.consumer.handle(world.event(1))
    result = world.run()
    assert result["delivered"] == 1
    ((_, body, headers),) = world.sender.sent
    headers = {**headers, "webhook-timestamp": str(int(time.time()))}
    resigned = signature_headers(
        headers["webhook-id"], body, [created.secret or ""], datetime.now(UTC)
    )
    assert Webhook(created.secret or "").verify(body, resigned) == {"id": "evt_" + "0" * 25 + "1"}


def test_failures_retry_on_schedule_then_fail_for_good_and_count_the_metric():
    world = World(FakeSender(lambda url: SendOutcome(500, None, 3)))
    world.services.create(PLATFORM, "http://127.0.0.1:1/a", ["policy.activated"])
    world.consumer.handle(world.event(1))
    at = world.app.clock.now()
    assert world.run(at)["processed"] == 1
    for delay in RETRY_DELAYS:  # each retry is due exactly its delay after the last attempt
        at += delay
        assert world.run(at - timedelta(microseconds=1))["processed"] == 0
        assert world.run(at)["processed"] == 1
    log = world.events.attempt_log
    assert [a.attempt for a in log] == list(range(1, 9))
    assert [a.delivery_status for a in log] == ["retrying"] * 7 + ["failed"]
    assert world.events.tasks == {}
    assert sum(m["WebhookDeliveriesFailed"] for m in world.metrics) == 1


def test_a_refused_address_is_a_failed_attempt_without_a_request():
    world = World()
    created = world.services.create(PLATFORM, "http://127.0.0.1:1/a", ["policy.activated"])
    world.guard.refused[created.endpoint.url] = "address_not_allowed"
    world.consumer.handle(world.event(1))
    world.run()
    (attempt,) = world.events.attempt_log
    assert (attempt.status, attempt.error, attempt.response_code) == (
        "failed",
        "address_not_allowed",
        None,
    )
    assert world.sender.sent == []


def test_a_deleted_or_disabled_endpoint_drops_its_pending_deliveries():
    world = World()
    gone = world.services.create(PLATFORM, "http://127.0.0.1:1/a", ["policy.activated"])
    paused = world.services.create(PLATFORM, "http://127.0.0.1:2/a", ["policy.activated"])
    world.consumer.handle(world.event(1))
    world.services.delete(PLATFORM, gone.endpoint.id)
    world.services.update(PLATFORM, paused.endpoint.id, url=None, events=None, disabled=True)
    assert world.run()["dropped"] == 2
    assert world.sender.sent == [] and world.events.tasks == {}


def test_a_slow_endpoint_delays_only_its_own_deliveries():
    finished: dict[str, float] = {}

    def answer(url: str) -> SendOutcome:
        if "slow" in url:
            time.sleep(0.5)
        finished[url] = time.monotonic()
        return SendOutcome(200, None, 1)

    world = World(FakeSender(answer))
    world.services.create(PLATFORM, "http://127.0.0.1:1/slow", ["policy.activated"])
    for n in range(4):
        world.services.create(PLATFORM, f"http://127.0.0.1:{n + 2}/fast", ["policy.activated"])
    world.consumer.handle(world.event(1))
    started = time.monotonic()
    assert world.run()["delivered"] == 5
    fast = [t for url, t in finished.items() if "fast" in url]
    assert max(fast) - started < 0.3 < finished["http://127.0.0.1:1/slow"] - started


def test_what_the_budget_leaves_unsent_is_released_for_the_next_run():
    clock_ticks = iter([0.0, 0.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0])
    world = World(monotonic=lambda: next(clock_ticks, 100.0), budget_seconds=1.0)
    world.services.create(PLATFORM, "http://127.0.0.1:1/a", ["policy.activated"])
    world.consumer.handle(world.event(1))
    world.consumer.handle(world.event(2))
    result = world.run()
    assert result["released"] >= 1 and result["delivered"] + result["released"] == 2
    assert world.run()["delivered"] == result["released"]


def test_redeliver_queues_the_event_for_subscribed_endpoints_and_refuses_a_disabled_one():
    world = World()
    one = world.services.create(PLATFORM, "http://127.0.0.1:1/a", ["policy.activated"])
    world.consumer.handle(world.event(1))
    world.run()
    assert world.event_services.redeliver(PLATFORM, world.event(1).id, None) == [one.endpoint.id]
    world.services.update(PLATFORM, one.endpoint.id, url=None, events=None, disabled=True)
    with pytest.raises(Conflict):
        world.event_services.redeliver(PLATFORM, world.event(1).id, one.endpoint.id)


# --- the sender --------------------------------------------------------------------------------


def test_the_sender_gives_up_at_its_deadline_even_when_the_receiver_dribbles():
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    stop = threading.Event()

    def dribble() -> None:
        connection, _ = server.accept()
        with connection:
            connection.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100:
                if stop.is_set():
                    return
                try:
                    connection.sendall(bytes([byte]))
                except OSError:
                    return
                time.sleep(0.1)

    thread = threading.Thread(target=dribble, daemon=True)
    thread.start()
    target = Target(
        parse_endpoint_url(f"http://127.0.0.1:{port}/x", loopback_allowed=True), "127.0.0.1"
    )
    started = time.monotonic()
    outcome = HttpSender(timeout_seconds=1.0).post(target, "{}", {})
    elapsed = time.monotonic() - started
    stop.set()
    server.close()
    assert outcome.error == "timeout" and outcome.status_code is None
    assert elapsed < 1.6


def test_a_failing_delivery_round_leaves_the_outbox_result_standing():
    from chalicelib.jobs.webhooks import then_deliver

    def broken(request: JobRequest) -> dict[str, object]:
        raise RuntimeError("boom")

    run = then_deliver(lambda request: {"processed": 3}, broken)
    assert run(JobRequest(as_of=NOW.date())) == {
        "processed": 3,
        "webhooks": {"error": "RuntimeError"},
    }


def test_one_run_records_every_endpoints_failing_streak_even_inside_one_request_scope():
    world = World(FakeSender(lambda url: SendOutcome(500, None, 1)))
    ids = [
        world.services.create(PLATFORM, f"http://127.0.0.1:{n}/a", ["policy.activated"]).endpoint.id
        for n in (1, 2, 3)
    ]
    world.consumer.handle(world.event(1))
    with write_scope(keyed_scope("POST /v1/admin/jobs/webhooks, key k")):  # an admin request
        world.run()
    for endpoint_id in ids:
        stored = world.endpoints.get(PLATFORM, endpoint_id)
        assert stored is not None and stored.failing_since == world.app.clock.now()


def test_one_endpoint_receives_up_to_per_endpoint_requests_at_once_and_every_event_once():
    in_flight, most = 0, 0
    lock = threading.Lock()

    def answer(url: str) -> SendOutcome:
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        time.sleep(0.02)
        with lock:
            in_flight -= 1
        return SendOutcome(200, None, 20)

    world = World(FakeSender(answer), per_endpoint=4)
    world.services.create(PLATFORM, "http://127.0.0.1:1/busy", ["policy.activated"])
    for n in range(20):
        world.consumer.handle(world.event(n))

    assert world.run()["delivered"] == 20
    assert most == 4  # four at once, never more
    bodies = sorted(json.loads(body)["id"] for _, body, _ in world.sender.sent)
    assert bodies == sorted(world.event(n).id for n in range(20))


def test_a_large_delivery_run_fans_out_by_queue_shard_and_sends_each_task_once():
    queue, runs = SentQueue(), FakeRuns()
    world = World(batch=3, fanout=FanOut(queue, runs, CountingIds()))
    queue.worker = lambda message: work(message, {"webhooks": world.job}, queue, runs)
    for port in (1, 2):
        world.services.create(PLATFORM, f"http://127.0.0.1:{port}/a", ["policy.activated"])
    for n in range(5):
        world.consumer.handle(world.event(n))

    result = world.run()

    shards = world.events.shards
    assert (result["processed"], result["shards"]) == (0, shards)
    assert [message.shard for message in queue.sent] == list(range(shards))  # no continuation
    record = runs.get(str(result["run"]))
    assert record == {"shards": shards, "shards_done": shards, "processed": 10, "failed": 0}
    assert sorted((url, json.loads(body)["id"]) for url, body, _ in world.sender.sent) == sorted(
        (f"http://127.0.0.1:{port}/a", world.event(n).id) for port in (1, 2) for n in range(5)
    )
    assert world.events.tasks == {}
    assert world.run()["processed"] == 0  # within the batch now: no fan-out, nothing due
