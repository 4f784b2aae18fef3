"""The interfaces services depend on. Adapters implement them; tests pass fakes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.domain.change import Change, ObjectRef
from chalicelib.domain.events import OutboxEvent
from chalicelib.domain.parties import (
    ApiKeyRecord,
    Contractor,
    Customer,
    Page,
    Platform,
    ProtectedTin,
)

if TYPE_CHECKING:  # the domains are costly to import; annotations only need their names
    from chalicelib.domain.assignments import Assignment, BindContext
    from chalicelib.domain.certificates import Certificate, CertificateContent
    from chalicelib.domain.policies import Policy
    from chalicelib.domain.waivers import CustomerWaivers, WaiverKey


class UnitOfWork(Protocol):
    """One per use case: record each transition's change, commit them in one transaction."""

    def committed_before(self) -> ObjectRef | None:
        """This request's earlier attempt (same Idempotency-Key) committed: what it answered."""
        ...

    def look_back(self) -> None:
        """Start reading what `committed_before` answers, alongside the request's own reads
        (`committed_before` then waits for it)."""
        ...

    def record(self, change: Change[Any]) -> None: ...

    def commit(self, result: ObjectRef) -> ObjectRef | None:
        """None: committed now. A ref: an earlier attempt of this request committed; read it."""
        ...


class AssignmentRepository(Protocol):
    def load_bind_context(
        self,
        platform_id: str,
        contractor_id: str,
        customer_id: str | None,
        external_id: str,
        lines: Sequence[str],
    ) -> BindContext: ...

    def load_waivers(
        self, platform_id: str, contractor_id: str, keys: Sequence[WaiverKey]
    ) -> dict[WaiverKey, CustomerWaivers]: ...

    def get(self, platform_id: str, assignment_id: str) -> Assignment | None: ...

    def page(
        self,
        platform_id: str,
        *,
        contractor: str | None,
        status: str | None,
        limit: int,
        starting_after: str | None,
    ) -> Page[Assignment]: ...


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...


class IdGenerator(Protocol):
    def new(self, prefix: str) -> str:
        """A fresh prefixed, time-sortable ID."""
        ...


class AdminKeySource(Protocol):
    def matches(self, secret: str) -> bool:
        """Whether `secret` is the configured admin key (environment locally, SSM Parameter
        Store in AWS, read only for a `jca_` key; DependencyUnavailable if it cannot be read)."""
        ...


class TinVault(Protocol):
    def protect(self, tin: str, *, context: Mapping[str, str]) -> ProtectedTin:
        """Encrypt a TIN under the platform's context; keep only what may be shown (last 4)."""
        ...


class PlatformRepository(Protocol):
    def add_platform(self, platform: Platform, first_key: ApiKeyRecord) -> None:
        """The platform and its first key in one write: never a platform without a key."""
        ...

    def get_platform(self, platform_id: str) -> Platform | None: ...


class ApiKeyRepository(Protocol):
    def add_key(self, record: ApiKeyRecord) -> None: ...

    def key_by_hash(self, key_hash: str) -> ApiKeyRecord | None: ...

    def key_by_id(self, key_id: str) -> ApiKeyRecord | None: ...

    def page(
        self, platform_id: str | None, *, limit: int, starting_after: str | None
    ) -> Page[ApiKeyRecord]: ...


class PartyRepository(Protocol):
    def get_customer(self, platform_id: str, customer_id: str) -> Customer | None: ...

    def list_customers(
        self, platform_id: str, *, limit: int, starting_after: str | None
    ) -> Page[Customer]: ...

    def get_contractor(self, platform_id: str, contractor_id: str) -> Contractor | None: ...

    def contractor_by_external_id(
        self, platform_id: str, external_id: str
    ) -> Contractor | None: ...

    def contractor_and_customer(
        self, platform_id: str, contractor_id: str | None, customer_id: str | None
    ) -> tuple[Contractor | None, Customer | None]: ...

    def list_contractors(
        self, platform_id: str, *, limit: int, starting_after: str | None
    ) -> Page[Contractor]: ...


# --- the outbox and its consumers (chalicelib/jobs) ---------------------------------------------


@dataclass(frozen=True)
class OutboxEntry:
    """An outbox item as the reader found it: the event, the consumers that already handled it
    on an earlier attempt, and the item's other attributes (kept when the item moves)."""

    event: OutboxEvent
    handled_by: frozenset[str] = frozenset()
    extra: Mapping[str, Any] = field(default_factory=dict)


class OutboxReader(Protocol):
    @property
    def shards(self) -> int:
        """How many shards the outbox is spread over (a large run fans out by shard)."""
        ...

    def due(
        self, now: datetime, limit: int, *, platform: str | None = None, shard: int | None = None
    ) -> list[OutboxEntry]:
        """Up to `limit` entries due at `now`, earliest first (optionally one platform's; all
        shards, or one)."""
        ...

    def claim(self, entry: OutboxEntry, until: datetime) -> OutboxEntry:
        """Take the entry for one attempt (due again at `until` if the taker dies), attempts + 1.

        Raises Conflict when another run took or settled it first."""
        ...

    def retry(
        self, entry: OutboxEntry, due_at: datetime, *, handled_by: frozenset[str] = frozenset()
    ) -> OutboxEntry:
        """Put a claimed entry back, due at `due_at`, remembering who already handled it."""
        ...

    def done(self, entry: OutboxEntry) -> None:
        """Remove a claimed entry: every consumer handled it."""
        ...


class OutboxConsumer(Protocol):
    def handle(self, event: OutboxEvent) -> None:
        """React to one event; raise to have it retried later. May see an event again after a
        crash (at least once): the event id is stable, so deduplicate on it."""
        ...


# --- certificates (chalicelib/services/certificates.py) -----------------------------------------


class CertificateRepository(Protocol):
    def get(self, platform_id: str, certificate_id: str) -> Certificate | None: ...

    def get_many(self, platform_id: str, certificate_ids: Sequence[str]) -> list[Certificate]: ...

    def find(self, certificate_id: str) -> Certificate | None:
        """By id alone, whatever the platform (underwriters)."""
        ...

    def by_number(self, number: str) -> Certificate | None: ...

    def in_review(
        self, status: str, *, limit: int, starting_after: str | None
    ) -> Page[Certificate]: ...

    def load(
        self,
        platform_id: str,
        certificate_id: str,
        contractor_id: str,
        customer_id: str | None,
        policy_ids: Sequence[str],
    ) -> tuple[Certificate | None, Contractor | None, Customer | None, dict[str, Policy]]:
        """The certificate and what it is built from, in one read round."""
        ...


class DocumentStore(Protocol):
    def put(self, key: str, body: bytes, sha256: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def url(self, key: str, filename: str) -> str:
        """A short-lived (at most 15 minutes) link to the document."""
        ...


class CertificateRenderer(Protocol):
    def render(self, content: CertificateContent, verify_url: str) -> bytes:
        """The certificate's PDF."""
        ...
