"""Parties: platforms, API keys, customers-of-record and contractors (the named insured)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.errors import ValidationFailed

T = TypeVar("T")


class Role(StrEnum):
    ADMIN = "admin"
    PLATFORM = "platform"
    UNDERWRITER = "underwriter"


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
    """A stored API key: only the SHA-256 of the secret is kept."""

    id: str
    role: Role
    platform: str | None = None
    key_hash: str
    created_at: datetime


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
