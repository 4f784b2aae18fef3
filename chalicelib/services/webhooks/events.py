"""Events: the outbox consumer that records each event (30 days) and queues a delivery to every
endpoint of its platform subscribed to its type; listing them; redelivering one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.events import OutboxEvent
from chalicelib.domain.parties import Page
from chalicelib.domain.webhooks import DeliveryTask, RecordedEvent, WebhookEndpoint
from chalicelib.domain.webhooks.deliveries import EVENT_RETENTION
from chalicelib.ports import Clock, IdGenerator
from chalicelib.services.lookup import fetch
from chalicelib.services.webhooks.ports import DeliveryStore, EndpointRepository, EventStore

# The outbox event rendered as platforms see it: {"id", "type", "created_at", "data"} as JSON,
# `data` being the object as the API returns it.
Render = Callable[[OutboxEvent], str]


def delivery_tasks(
    event: RecordedEvent,
    endpoints: list[WebhookEndpoint],
    ids: IdGenerator,
    now: datetime,
) -> list[DeliveryTask]:
    return [
        DeliveryTask(
            id=ids.new("whd"),
            platform=event.platform,
            endpoint=endpoint.id,
            event=event.id,
            event_type=event.type,
            created_at=now,
            due_at=now,
        )
        for endpoint in endpoints
    ]


@dataclass(frozen=True)
class WebhookEventConsumer:
    """The `webhooks` outbox consumer. At least once in, exactly once recorded: the event and
    its deliveries are written together, conditional on the event being new, so an outbox
    retry after a crash adds nothing."""

    endpoints: EndpointRepository
    events: EventStore
    render: Render
    ids: IdGenerator
    clock: Clock

    def handle(self, event: OutboxEvent) -> None:
        recorded = RecordedEvent(
            id=event.id,
            type=event.type,
            platform=event.platform,
            created_at=event.created_at,
            body=self.render(event),
        )
        subscribed = [e for e in self.endpoints.live(event.platform) if e.subscribes(event.type)]
        self.events.record(
            recorded, delivery_tasks(recorded, subscribed, self.ids, self.clock.now())
        )


@dataclass(frozen=True)
class EventServices:
    events: EventStore
    endpoints: EndpointRepository
    deliveries: DeliveryStore
    ids: IdGenerator
    clock: Clock

    def list_events(
        self,
        platform_id: str,
        *,
        event_type: str | None,
        since: datetime | None,
        limit: int,
        starting_after: str | None,
    ) -> Page[RecordedEvent]:
        """The platform's events of the last 30 days (from `since`), newest first."""
        kept_from = self.clock.now() - EVENT_RETENTION
        return self.events.page(
            platform_id,
            event_type=event_type,
            since=max(since, kept_from) if since is not None else kept_from,
            limit=limit,
            starting_after=starting_after,
        )

    def get(self, platform_id: str, event_id: str) -> RecordedEvent:
        now = self.clock.now()

        def load() -> RecordedEvent | None:
            found = self.events.get(platform_id, event_id)
            return found if found is not None and found.kept_at(now) else None

        return fetch("event", "evt", event_id, load)

    def redeliver(self, platform_id: str, event_id: str, endpoint_id: str | None) -> list[str]:
        """Queue the event again: to `endpoint_id`, or to every endpoint subscribed to its type
        now. Answers the endpoints it goes to; each delivery gets its full retry schedule."""
        event = self.get(platform_id, event_id)
        if endpoint_id is not None:
            endpoint = self.endpoints.get(platform_id, endpoint_id)
            if endpoint is None or endpoint.deleted:
                raise NotFound(f"No webhook endpoint {endpoint_id}.")
            if endpoint.disabled:
                raise Conflict(
                    f"Webhook endpoint {endpoint_id} is disabled; enable it first.",
                    code="endpoint_disabled",
                )
            targets = [endpoint]
        else:
            targets = [e for e in self.endpoints.live(platform_id) if e.subscribes(event.type)]
        self.deliveries.enqueue(delivery_tasks(event, targets, self.ids, self.clock.now()))
        return [endpoint.id for endpoint in targets]
