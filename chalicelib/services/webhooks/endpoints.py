"""Webhook endpoints: create (the secret shown once), list, get, change, rotate, delete, and the
attempt log. Each change is one transition committed through the unit of work."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from chalicelib.domain.change import Change, ObjectRef
from chalicelib.domain.errors import Conflict
from chalicelib.domain.parties import Page
from chalicelib.domain.webhooks import MAX_ENDPOINTS_PER_PLATFORM, DeliveryAttempt, WebhookEndpoint
from chalicelib.ports import Clock, IdGenerator, UnitOfWork
from chalicelib.services.lookup import fetch
from chalicelib.services.webhooks.ports import (
    DeliveryStore,
    EndpointRepository,
    SecretVault,
    UrlGuard,
)

KIND = "webhook_endpoint"


@dataclass(frozen=True)
class WithSecret:
    """An endpoint and its new secret's text: None when this answer replays an earlier commit
    (a secret is shown once; a platform that lost it rotates)."""

    endpoint: WebhookEndpoint
    secret: str | None


@dataclass(frozen=True)
class WebhookEndpointServices:
    endpoints: EndpointRepository
    deliveries: DeliveryStore
    uow: Callable[[], UnitOfWork]
    secrets: SecretVault
    guard: UrlGuard
    ids: IdGenerator
    clock: Clock

    def create(self, platform_id: str, url: str, events: Sequence[str]) -> WithSecret:
        uow = self.uow()
        if (earlier := uow.committed_before()) is not None:
            return WithSecret(self.get(earlier.platform, earlier.id), None)
        self.guard.accept(url)
        if len(self.endpoints.live(platform_id)) >= MAX_ENDPOINTS_PER_PLATFORM:
            raise Conflict(
                f"A platform has at most {MAX_ENDPOINTS_PER_PLATFORM} webhook endpoints; "
                "delete one first.",
                code="too_many_endpoints",
            )
        now = self.clock.now()
        endpoint_id = self.ids.new("whe")
        text, sealed = self.secrets.new_secret(platform=platform_id, endpoint=endpoint_id, now=now)
        change = WebhookEndpoint.create(
            endpoint_id=endpoint_id,
            platform=platform_id,
            url=url,
            events=events,
            secret=sealed,
            now=now,
        )
        uow.record(change)
        if (earlier := uow.commit(ObjectRef(KIND, platform_id, endpoint_id))) is not None:
            return WithSecret(self.get(earlier.platform, earlier.id), None)
        return WithSecret(change.state, text)

    def get(self, platform_id: str, endpoint_id: str) -> WebhookEndpoint:
        """The endpoint, or NotFound (a deleted endpoint is gone)."""

        def load() -> WebhookEndpoint | None:
            found = self.endpoints.get(platform_id, endpoint_id)
            return found if found is not None and not found.deleted else None

        return fetch("webhook endpoint", "whe", endpoint_id, load)

    def list_endpoints(
        self, platform_id: str, limit: int, starting_after: str | None
    ) -> Page[WebhookEndpoint]:
        return self.endpoints.page(platform_id, limit=limit, starting_after=starting_after)

    def update(
        self,
        platform_id: str,
        endpoint_id: str,
        *,
        url: str | None,
        events: Sequence[str] | None,
        disabled: bool | None,
    ) -> WebhookEndpoint:
        if url is not None:
            self.guard.accept(url)
        change = self.get(platform_id, endpoint_id).update(
            url=url, events=events, disabled=disabled, now=self.clock.now()
        )
        return self._commit(change)

    def rotate_secret(self, platform_id: str, endpoint_id: str) -> WithSecret:
        """A new secret; the old one signs too for the next 24 hours."""
        uow = self.uow()
        if (earlier := uow.committed_before()) is not None:
            return WithSecret(self.get(earlier.platform, earlier.id), None)
        endpoint = self.get(platform_id, endpoint_id)
        now = self.clock.now()
        text, sealed = self.secrets.new_secret(platform=platform_id, endpoint=endpoint.id, now=now)
        change = endpoint.rotate(sealed, now)
        uow.record(change)
        if (earlier := uow.commit(ObjectRef(KIND, platform_id, endpoint.id))) is not None:
            return WithSecret(self.get(earlier.platform, earlier.id), None)
        return WithSecret(change.state, text)

    def delete(self, platform_id: str, endpoint_id: str) -> WebhookEndpoint:
        change = self.get(platform_id, endpoint_id).delete(self.clock.now())
        return self._commit(change)

    def attempts(
        self, platform_id: str, endpoint_id: str, limit: int, starting_after: str | None
    ) -> Page[DeliveryAttempt]:
        """The endpoint's delivery attempts, newest first (kept 30 days)."""
        endpoint = self.get(platform_id, endpoint_id)
        return self.deliveries.attempts(
            platform_id, endpoint.id, limit=limit, starting_after=starting_after
        )

    def _commit(self, change: Change[WebhookEndpoint]) -> WebhookEndpoint:
        """Commit one change; a retried request whose commit landed answers what is stored."""
        state = change.state
        uow = self.uow()
        uow.record(change)
        if (earlier := uow.commit(ObjectRef(KIND, state.platform, state.id))) is not None:
            found = self.endpoints.get(earlier.platform, earlier.id)
            return found if found is not None else state
        return state
