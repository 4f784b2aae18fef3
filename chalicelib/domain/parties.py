"""Parties: platforms, API keys, customers-of-record and contractors (the named insured)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.change import Change, UniqueClaim
from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.roles import Role

T = TypeVar("T")


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class Page(BaseModel, Generic[T]):
    """One page of a newest-first list."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    items: list[T]
    has_more: bool


class Platform(Record):
    id: str
    name: str
    created_at: datetime


class ApiKeyRecord(Record):
    """A stored API key: only the SHA-256 of the secret is kept (and its last four characters,
    so a list can tell keys apart)."""

    id: str
    role: Role
    platform: str | None = None
    key_hash: str
    last4: str = ""
    created_at: datetime
    revoked_at: datetime | None = None
    version: int = 1

    def revoke(self, now: datetime) -> Change[ApiKeyRecord]:
        """Revoked at once: the next request with the key is a 401. Revoking twice changes
        nothing (the first revocation stands)."""
        if self.revoked_at is not None:
            return Change(self, expected_version=self.version)
        revoked = self.model_copy(update={"revoked_at": now, "version": self.version + 1})
        return Change(revoked, expected_version=self.version)


class Principal(Record):
    """Who is calling: the key's role and, for platform keys, its tenant."""

    key_id: str
    role: Role
    platform: str | None = None

    def tenant(self) -> str:
        """The platform a platform key acts for."""
        if self.platform is None:
            raise ValueError("principal has no platform")
        return self.platform


class Address(Record):
    line1: str
    city: str
    state: str
    postal_code: str


class Requirements(Record):
    """What a customer-of-record asks of every tech's coverage."""

    additional_insured: bool = False
    waiver_of_subrogation: bool = False
    primary_noncontributory: bool = False


class Customer(Record):
    id: str
    platform: str
    name: str
    address: Address
    requirements: Requirements
    created_at: datetime
    updated_at: datetime
    version: int = 1


class PriorCoverage(Record):
    status: Literal["none", "current", "lapsed"]
    lapse_start: date | None = None
    lapse_end: date | None = None
    # The gap is explained in writing (cancellation / non-renewal notice, signed statement).
    lapse_documented: bool | None = None


class Loss(Record):
    date: date
    amount_cents: int
    description: str | None = None


class ProtectedTin(Record):
    """A TIN as stored: ciphertext under a KMS key, and the last four digits for display."""

    ciphertext: str
    last4: str
    key_id: str


EntityType = Literal["sole_proprietor", "llc", "corporation", "partnership"]
TinType = Literal["ssn", "fein"]


class Contractor(Record):
    id: str
    platform: str
    external_id: str | None = None
    legal_name: str
    entity_type: EntityType
    tin_type: TinType
    tin: ProtectedTin
    has_employees: bool
    employee_count: int | None = None
    email: str
    address: Address
    years_in_business: Decimal
    experience_mod: Decimal
    prior_coverage: PriorCoverage
    losses: tuple[Loss, ...] = ()
    # The date the loss data (loss runs) was valued on, and whether operations changed
    # materially in the past three years: facts the California guidelines read.
    losses_valued_on: date | None = None
    material_change_in_operations: bool | None = None
    created_at: datetime
    updated_at: datetime
    version: int = 1


def check_contractor_facts(
    *, has_employees: bool, employee_count: int | None, tin_type: TinType
) -> None:
    """A contractor with employees must have a FEIN; an employee count needs employees."""
    if has_employees and tin_type != "fein":
        raise ValidationFailed(
            "A contractor with employees must provide a FEIN, not an SSN.",
            code="fein_required",
            details=[{"loc": ["body", "tin_type"], "msg": "must be 'fein' when has_employees"}],
        )
    if not has_employees and employee_count:
        raise ValidationFailed(
            "employee_count is above zero but has_employees is false.",
            details=[{"loc": ["body", "employee_count"], "msg": "must be 0 without employees"}],
        )


def check_prior_coverage(prior: PriorCoverage) -> None:
    """A lapse ends after it starts (an undated lapse is accepted; underwriting judges it)."""
    if prior.lapse_start and prior.lapse_end and prior.lapse_end < prior.lapse_start:
        raise ValidationFailed(
            "lapse_end is before lapse_start.",
            details=[{"loc": ["body", "prior_coverage", "lapse_end"], "msg": "before start"}],
        )


CONTRACTOR_EXTERNAL_ID = "contractor_external_id"


def external_id_claim(contractor: Contractor) -> tuple[UniqueClaim, ...]:
    """The contractor's hold on its `external_id`, unique per platform (none without one)."""
    if contractor.external_id is None:
        return ()
    return (
        UniqueClaim(
            CONTRACTOR_EXTERNAL_ID, contractor.platform, contractor.external_id, contractor.id
        ),
    )


def contractor_created(contractor: Contractor) -> Change[Contractor]:
    """A new contractor, holding its `external_id` in the same write."""
    return Change(contractor, expected_version=None, claims=external_id_claim(contractor))


def contractor_updated(current: Contractor, updated: Contractor) -> Change[Contractor]:
    """New facts over the version read; a changed `external_id` moves its claim with them."""
    if current.external_id == updated.external_id:
        return Change(updated, expected_version=current.version)
    return Change(
        updated,
        expected_version=current.version,
        claims=external_id_claim(updated),
        unclaims=external_id_claim(current),
    )


def duplicate_contractor(external_id: str, existing: str | None) -> Conflict:
    """409: a contractor's `external_id` is unique per platform; details name the holder."""
    return Conflict(
        f"A contractor with external_id {external_id!r} already exists: {existing}.",
        code="duplicate_external_id",
        details=[
            {
                "loc": ["body", "external_id"],
                "msg": "already used on this platform",
                "id": existing,
                "contractor": existing,
            }
        ],
    )


# What losing a uniqueness claim means, per kind of claim (the unit of work raises it).
UNIQUE_CONFLICTS: dict[str, Callable[[str, str | None], Conflict]] = {
    CONTRACTOR_EXTERNAL_ID: duplicate_contractor,
}


def check_tin_shape(tin_type: TinType, tin: str) -> None:
    """An SSN is written 123-45-6789, a FEIN 12-3456789 (or nine bare digits for either)."""
    other_kinds_dashes = {"ssn": r"^\d{2}-\d{7}$", "fein": r"^\d{3}-\d{2}-\d{4}$"}[tin_type]
    if re.match(other_kinds_dashes, tin):
        raise ValidationFailed(
            f"tin is written as the other kind of number than tin_type {tin_type!r}.",
            details=[{"loc": ["body", "tin"], "msg": f"not written as {tin_type}"}],
        )


def check_losses(losses: tuple[Loss, ...], today: date) -> None:
    """A loss has happened: its date is not after today (UTC)."""
    for index, loss in enumerate(losses):
        if loss.date > today:
            raise ValidationFailed(
                f"losses[{index}].date {loss.date.isoformat()} is in the future.",
                details=[{"loc": ["body", "losses", index, "date"], "msg": "in the future"}],
            )
