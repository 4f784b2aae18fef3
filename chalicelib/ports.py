"""The interfaces services depend on. Adapters implement them; tests pass fakes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

from chalicelib.domain.parties import (
    ApiKeyRecord,
    Contractor,
    Customer,
    Page,
    Platform,
    ProtectedTin,
)


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...


class IdGenerator(Protocol):
    def new(self, prefix: str) -> str:
        """A fresh prefixed, time-sortable ID."""
        ...


class AdminKeySource(Protocol):
    def admin_key(self) -> str | None:
        """The configured admin key (environment locally, SSM Parameter Store in AWS)."""
        ...


class TinVault(Protocol):
    def protect(self, tin: str, *, context: Mapping[str, str]) -> ProtectedTin:
        """Encrypt a TIN under the platform's context; keep only what may be shown (last 4)."""
        ...


class PlatformRepository(Protocol):
    def add_platform(self, platform: Platform) -> None: ...

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

    def list_contractors(
        self, platform_id: str, *, limit: int, starting_after: str | None
    ) -> Page[Contractor]: ...
