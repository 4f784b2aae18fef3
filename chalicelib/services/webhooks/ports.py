"""What the webhook use cases and the delivery job depend on (adapters implement these; the
service tests pass fakes from tests/fakes.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from chalicelib.domain.parties import Page
from chalicelib.domain.webhooks import (
    DeliveryAttempt,
    DeliveryTask,
    EndpointUrl,
    RecordedEvent,
    SealedSecret,
    SendOutcome,
    WebhookEndpoint,
)
from chalicelib.domain.webhooks.urls import Target


class EndpointRepository(Protocol):
    def get(self, platform_id: str, endpoint_id: str) -> WebhookEndpoint | None:
        """The endpoint, deleted or not."""
        ...

    def get_many(
        self, platform_id: str, endpoint_ids: Sequence[str]
    ) -> dict[str, WebhookEndpoint]: ...

    def live(self, platform_id: str) -> list[WebhookEndpoint]:
        """Every endpoint of the platform not deleted (at most 20)."""
        ...

    def page(
        self, platform_id: str, *, limit: int, starting_after: str | None
    ) -> Page[WebhookEndpoint]: ...


class EventStore(Protocol):
    def record(self, event: RecordedEvent, tasks: Sequence[DeliveryTask]) -> bool:
        """Store the event with its delivery tasks, atomically; False if it was recorded before."""
        ...

    def get(self, platform_id: str, event_id: str) -> RecordedEvent | None: ...

    def get_many(self, platform_id: str, event_ids: Sequence[str]) -> dict[str, RecordedEvent]: ...

    def page(
        self,
        platform_id: str,
        *,
        event_type: str | None,
        since: datetime,
        limit: int,
        starting_after: str | None,
    ) -> Page[RecordedEvent]: ...


class DeliveryStore(Protocol):
    """Delivery tasks due by time, and the attempt log."""

    def enqueue(self, tasks: list[DeliveryTask]) -> None: ...

    @property
    def shards(self) -> int:
        """How many shards the queue is spread over (a large run fans out by shard)."""
        ...

    def due(
        self, now: datetime, limit: int, *, platform: str | None = None, shard: int | None = None
    ) -> list[DeliveryTask]:
        """Up to `limit` tasks due at `now`, earliest first (all shards, or one)."""
        ...

    def move(self, task: DeliveryTask, due_at: datetime, *, attempts: int) -> DeliveryTask:
        """Conflict when another run moved or settled the task first."""
        ...

    def done(self, task: DeliveryTask) -> None: ...

    def log(self, attempt: DeliveryAttempt) -> None: ...

    def attempts(
        self, platform_id: str, endpoint_id: str, *, limit: int, starting_after: str | None
    ) -> Page[DeliveryAttempt]: ...


class SecretVault(Protocol):
    def new_secret(
        self, *, platform: str, endpoint: str, now: datetime
    ) -> tuple[str, SealedSecret]:
        """A fresh `whsec_` secret: its text (shown once) and its sealed form (stored)."""
        ...

    def reveal(self, sealed: SealedSecret, *, platform: str, endpoint: str) -> str: ...


class UrlGuard(Protocol):
    def accept(self, url: str) -> EndpointUrl:
        """The URL if this stage accepts it for an endpoint; ValidationFailed otherwise."""
        ...

    def target(self, url: str) -> Target:
        """Where a delivery connects now; raises `Refused` (with a reason) when it may not."""
        ...


class Sender(Protocol):
    def post(self, target: Target, body: str, headers: dict[str, str]) -> SendOutcome: ...
