"""A platform's webhook endpoint: where its events go, which ones, and the secrets that sign them.

Secrets are sealed (encrypted) before they reach the domain: the endpoint holds ciphertexts only.
The first secret is the current one; a rotation makes a new current secret and keeps the old one
signing for `ROTATION_OVERLAP`, so a receiver can switch secrets without losing a delivery. An
endpoint whose deliveries have failed for `FAILING_LIMIT` (no success in between) is disabled.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.change import Change
from chalicelib.domain.errors import Conflict

ROTATION_OVERLAP = timedelta(hours=24)
FAILING_LIMIT = timedelta(days=5)
# A deleted endpoint's record stays (404 to the API) until DynamoDB's TTL removes it: pending
# deliveries and the attempt log still find what became of it.
DELETED_RETENTION = timedelta(days=30)
# Secrets kept signing after rotations within the overlap window (a rotation storm stays small).
MAX_PREVIOUS_SECRETS = 2
MAX_ENDPOINTS_PER_PLATFORM = 20
DisabledReason = Literal["requested", "failing"]


class SealedSecret(BaseModel):
    """A signing secret as stored: KMS ciphertext (base64), never the secret itself."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    ciphertext: str
    key_id: str
    created_at: datetime
    # Set when rotated out: the secret still signs until then.
    expires_at: datetime | None = None

    def signs_at(self, now: datetime) -> bool:
        return self.expires_at is None or now < self.expires_at


class WebhookEndpoint(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    id: str
    platform: str
    url: str
    events: list[str]
    disabled: bool = False
    disabled_reason: DisabledReason | None = None
    secrets: list[SealedSecret]
    # The first failed attempt since the last success (None while deliveries succeed).
    failing_since: datetime | None = None
    deleted_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
    version: int = 1

    @classmethod
    def create(
        cls,
        *,
        endpoint_id: str,
        platform: str,
        url: str,
        events: Sequence[str],
        secret: SealedSecret,
        now: datetime,
    ) -> Change[WebhookEndpoint]:
        endpoint = cls(
            id=endpoint_id,
            platform=platform,
            url=url,
            events=list(events),
            secrets=[secret],
            created_at=now,
            updated_at=now,
        )
        return Change(endpoint, expected_version=None)

    # -- what the platform asks ------------------------------------------------------------
    def update(
        self,
        *,
        url: str | None,
        events: Sequence[str] | None,
        disabled: bool | None,
        now: datetime,
    ) -> Change[WebhookEndpoint]:
        """PATCH: a new URL or subscription; `disabled` pauses or resumes delivery (resuming
        forgets a failing streak, so a repaired receiver gets its full five days again)."""
        self._alive()
        reason = self.disabled_reason
        failing_since = self.failing_since
        if disabled is True and not self.disabled:
            reason = "requested"
        if disabled is False:
            reason, failing_since = None, None
        return self._next(
            now,
            url=url if url is not None else self.url,
            events=list(events) if events is not None else self.events,
            disabled=disabled if disabled is not None else self.disabled,
            disabled_reason=reason,
            failing_since=failing_since,
        )

    def rotate(self, secret: SealedSecret, now: datetime) -> Change[WebhookEndpoint]:
        """A new current secret; the old one keeps signing for `ROTATION_OVERLAP`."""
        self._alive()
        current, *previous = self.secrets
        retired = current.model_copy(update={"expires_at": now + ROTATION_OVERLAP})
        still = [s for s in previous if s.signs_at(now)][: MAX_PREVIOUS_SECRETS - 1]
        return self._next(now, secrets=[secret, retired, *still])

    def delete(self, now: datetime) -> Change[WebhookEndpoint]:
        self._alive()
        return self._next(now, deleted_at=now, disabled=True)

    # -- what deliveries tell it -----------------------------------------------------------
    def delivered(self, now: datetime) -> Change[WebhookEndpoint] | None:
        """A delivery succeeded: the failing streak, if any, is over."""
        if self.failing_since is None or self.deleted_at is not None:
            return None
        return self._next(now, failing_since=None)

    def delivery_failed(self, now: datetime) -> Change[WebhookEndpoint] | None:
        """A delivery attempt failed: start the streak, or disable after `FAILING_LIMIT`."""
        if self.deleted_at is not None or self.disabled:
            return None
        if self.failing_since is None:
            return self._next(now, failing_since=now)
        if now - self.failing_since >= FAILING_LIMIT:
            return self._next(now, disabled=True, disabled_reason="failing")
        return None

    # -- reading ---------------------------------------------------------------------------
    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    def subscribes(self, event_type: str) -> bool:
        return not self.disabled and not self.deleted and event_type in self.events

    def signing_secrets(self, now: datetime) -> list[SealedSecret]:
        """The secrets that sign a delivery made at `now`: the current one first."""
        return [secret for secret in self.secrets if secret.signs_at(now)]

    def _alive(self) -> None:
        if self.deleted:
            raise Conflict(f"Webhook endpoint {self.id} was deleted.", code="endpoint_deleted")

    def _next(self, now: datetime, **fields: object) -> Change[WebhookEndpoint]:
        updated = self.model_copy(update={**fields, "updated_at": now, "version": self.version + 1})
        return Change(updated, expected_version=self.version)
