"""In-memory fakes of the webhook ports (the service and job tests run on these, no moto).

Endpoints live in the `FakeStore` of tests/fakes.py, so `FakeUnitOfWork` commits their changes
with the same version checks as the DynamoDB unit of work."""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.parties import Page
from chalicelib.domain.webhooks import (
    DeliveryAttempt,
    DeliveryRefused,
    DeliveryTask,
    EndpointUrl,
    RecordedEvent,
    SealedSecret,
    SendOutcome,
    WebhookEndpoint,
    parse_endpoint_url,
)
from chalicelib.domain.webhooks.urls import Target
from tests.fakes import FakeStore, _page


class FakeWebhookEndpoints:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def get(self, platform_id: str, endpoint_id: str) -> WebhookEndpoint | None:
        return self._store.get("webhook_endpoint", platform_id, endpoint_id)  # type: ignore[no-any-return]

    def get_many(self, platform_id: str, endpoint_ids: Sequence[str]) -> dict[str, WebhookEndpoint]:
        found = (self.get(platform_id, endpoint_id) for endpoint_id in endpoint_ids)
        return {e.id: e for e in found if e is not None}

    def live(self, platform_id: str) -> list[WebhookEndpoint]:
        return [
            e
            for e in self._store.of_kind("webhook_endpoint")
            if e.platform == platform_id and not e.deleted
        ]

    def page(
        self, platform_id: str, *, limit: int, starting_after: str | None
    ) -> Page[WebhookEndpoint]:
        return _page(self.live(platform_id), limit, starting_after)


@dataclass
class FakeWebhookEvents:
    events: dict[tuple[str, str], RecordedEvent] = field(default_factory=dict)
    tasks: dict[str, DeliveryTask] = field(default_factory=dict)
    attempt_log: list[DeliveryAttempt] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # -- EventStore --------------------------------------------------------------------------
    def record(self, event: RecordedEvent, tasks: Sequence[DeliveryTask]) -> bool:
        with self.lock:
            if (event.platform, event.id) in self.events:
                return False
            self.events[(event.platform, event.id)] = event
            self.tasks.update({task.id: task for task in tasks})
            return True

    def get(self, platform_id: str, event_id: str) -> RecordedEvent | None:
        return self.events.get((platform_id, event_id))

    def get_many(self, platform_id: str, event_ids: Sequence[str]) -> dict[str, RecordedEvent]:
        found = (self.get(platform_id, event_id) for event_id in event_ids)
        return {e.id: e for e in found if e is not None}

    def page(
        self,
        platform_id: str,
        *,
        event_type: str | None,
        since: datetime,
        limit: int,
        starting_after: str | None,
    ) -> Page[RecordedEvent]:
        items = [
            e
            for (platform, _), e in self.events.items()
            if platform == platform_id and event_type in (None, e.type) and e.created_at >= since
        ]
        return _page(items, limit, starting_after)

    # -- DeliveryStore -----------------------------------------------------------------------
    def enqueue(self, tasks: list[DeliveryTask]) -> None:
        with self.lock:
            self.tasks.update({task.id: task for task in tasks})

    shards = 4

    @classmethod
    def shard_of(cls, task: DeliveryTask) -> int:
        return zlib.crc32(task.id.encode()) % cls.shards

    def due(
        self,
        now: datetime,
        limit: int,
        *,
        platform: str | None = None,
        shard: int | None = None,
    ) -> list[DeliveryTask]:
        with self.lock:
            due = [
                t
                for t in self.tasks.values()
                if t.due_at <= now
                and platform in (None, t.platform)
                and shard in (None, self.shard_of(t))
            ]
        return sorted(due, key=lambda t: (t.due_at, t.id))[:limit]

    def move(self, task: DeliveryTask, due_at: datetime, *, attempts: int) -> DeliveryTask:
        with self.lock:
            if self.tasks.get(task.id) != task:
                raise Conflict(f"Delivery {task.id} was settled meanwhile.")
            moved = replace(task, due_at=due_at, attempts=attempts)
            self.tasks[task.id] = moved
            return moved

    def done(self, task: DeliveryTask) -> None:
        with self.lock:
            if self.tasks.get(task.id) != task:
                raise Conflict(f"Delivery {task.id} was settled meanwhile.")
            del self.tasks[task.id]

    def log(self, attempt: DeliveryAttempt) -> None:
        with self.lock:
            self.attempt_log.append(attempt)

    def attempts(
        self, platform_id: str, endpoint_id: str, *, limit: int, starting_after: str | None
    ) -> Page[DeliveryAttempt]:
        items = [
            a for a in self.attempt_log if a.platform == platform_id and a.endpoint == endpoint_id
        ]
        return _page(items, limit, starting_after)


class FakeSecrets:
    """`whsec_` secrets "sealed" reversibly, so tests can tell which secret signed."""

    def __init__(self) -> None:
        self.count = 0

    def new_secret(
        self, *, platform: str, endpoint: str, now: datetime
    ) -> tuple[str, SealedSecret]:
        self.count += 1
        text = f"whsec_{self.count:032d}"
        return text, SealedSecret(ciphertext=f"sealed:{text}", key_id="fake", created_at=now)

    def reveal(self, sealed: SealedSecret, *, platform: str, endpoint: str) -> str:
        return sealed.ciphertext.removeprefix("sealed:")


class FakeGuard:
    """Accepts loopback and https URLs; a URL listed in `refused` is refused at delivery."""

    def __init__(self) -> None:
        self.refused: dict[str, str] = {}

    def accept(self, url: str) -> EndpointUrl:
        return parse_endpoint_url(url, loopback_allowed=True)

    def target(self, url: str) -> Target:
        if url in self.refused:
            raise DeliveryRefused(self.refused[url])
        try:
            parsed = parse_endpoint_url(url, loopback_allowed=True)
        except ValidationFailed as invalid:
            raise DeliveryRefused("url_not_allowed") from invalid
        return Target(parsed, "127.0.0.1")


@dataclass
class FakeSender:
    """Answers per URL from `answers` (a function of the URL and the attempt's headers)."""

    answer: Callable[[str], SendOutcome] = lambda url: SendOutcome(200, None, 5)
    sent: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def post(self, target: Target, body: str, headers: dict[str, str]) -> SendOutcome:
        with self.lock:
            self.sent.append((target.url.url, body, headers))
        return self.answer(target.url.url)
