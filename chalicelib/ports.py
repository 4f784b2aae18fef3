"""The interfaces services depend on. Adapters implement them; tests pass fakes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.domain.assignments import Assignment, WaiverClaim
from chalicelib.domain.ledger import LedgerEntry
from chalicelib.domain.parties import (
    ApiKeyRecord,
    Contractor,
    Customer,
    Page,
    Platform,
    ProtectedTin,
)
from chalicelib.domain.policies import Policy
from chalicelib.domain.quotes import Referral


@dataclass(frozen=True)
class BindContext:
    """What binding an assignment reads, in one round."""

    contractor: Contractor | None
    customer: Customer | None
    existing_assignment: str | None
    policies: list[Policy]
    # (line, policy) whose waiver minimum is booked for this customer -> the assignment holding it
    waivers_booked: dict[tuple[str, str], str]


class AssignmentRepository(Protocol):
    def load_bind_context(
        self,
        platform_id: str,
        contractor_id: str,
        customer_id: str | None,
        external_id: str,
        lines: Sequence[str],
    ) -> BindContext: ...

    def create(
        self,
        assignment: Assignment,
        entries: Sequence[LedgerEntry],
        waivers: Sequence[WaiverClaim],
        referral: Referral | None = None,
    ) -> None: ...

    def save(
        self,
        assignment: Assignment,
        *,
        expected_version: int,
        entries: Sequence[LedgerEntry] = (),
        release: Sequence[WaiverClaim] = (),
        take: Sequence[WaiverClaim] = (),
        referral: Referral | None = None,
    ) -> None: ...

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


class PartyRepository(Protocol):
    def add_customer(self, customer: Customer) -> None: ...

    def get_customer(self, platform_id: str, customer_id: str) -> Customer | None: ...

    def put_customer(self, customer: Customer, *, expected_version: int) -> None: ...

    def list_customers(
        self, platform_id: str, *, limit: int, starting_after: str | None
    ) -> Page[Customer]: ...

    def add_contractor(self, contractor: Contractor) -> None: ...

    def get_contractor(self, platform_id: str, contractor_id: str) -> Contractor | None: ...

    def put_contractor(self, contractor: Contractor, *, expected_version: int) -> None: ...

    def contractor_and_customer(
        self, platform_id: str, contractor_id: str | None, customer_id: str | None
    ) -> tuple[Contractor | None, Customer | None]: ...

    def list_contractors(
        self, platform_id: str, *, limit: int, starting_after: str | None
    ) -> Page[Contractor]: ...
