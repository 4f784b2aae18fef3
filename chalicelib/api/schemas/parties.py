"""Request and response shapes for platforms, keys, customers and contractors (API.md "Parties")."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from chalicelib.api.schemas.common import (
    AddressIn,
    CalendarDate,
    Cents,
    DecimalRange,
    Description,
    ExternalId,
    JsonNumber,
    ListQuery,
    Name,
    ObjectId,
    RequestModel,
    ResponseModel,
    ShownOnce,
)

if TYPE_CHECKING:
    from chalicelib.domain.parties import ApiKeyRecord, Contractor, Customer

Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
]
Tin = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^(\d{9}|\d{3}-\d{2}-\d{4}|\d{2}-\d{7})$"),
]
ExperienceMod = Annotated[Decimal, DecimalRange("0.01", "9.99", places=2)]
YearsInBusiness = Annotated[Decimal, DecimalRange("0", "200", places=2)]


class PlatformCreate(RequestModel):
    name: Name
    """The platform's name, as its users know it."""


class PlatformCreated(ResponseModel):
    id: str
    """The platform's ID (`plt_...`)."""
    name: str
    """The platform's name."""
    api_key: ShownOnce


class ApiKeyCreate(RequestModel):
    role: Literal["underwriter", "platform"]
    """The new key's role: `platform` (one platform's objects) or `underwriter` (referrals,
    reviews, audits)."""
    platform: ObjectId | None = None
    """The platform a `platform` key belongs to (`plt_...`)."""


class ApiKeyOut(ResponseModel):
    """A stored key as lists show it: never the key itself, only its last four characters."""

    id: str
    """The API key's ID (`key_...`)."""
    object: Literal["api_key"] = "api_key"
    """Always `api_key`."""
    role: Literal["admin", "platform", "underwriter"]
    """The key's role."""
    platform: str | None = None
    """The platform the key belongs to; null for an underwriter key."""
    last4: str
    """The key's last four characters, to tell keys apart (the key itself is never shown again)."""
    created_at: datetime
    """When the key was created."""
    revoked_at: datetime | None = Field(
        default=None, description="Set once revoked: from then on the key answers 401."
    )

    @classmethod
    def of(cls, record: ApiKeyRecord) -> ApiKeyOut:
        return cls.model_validate(record.model_dump(exclude={"key_hash", "version"}))


class ApiKeyCreated(ApiKeyOut):
    """The creating response: the only one that shows the key."""

    api_key: ShownOnce

    @classmethod
    def created(cls, record: ApiKeyRecord, secret: str | None) -> ApiKeyCreated:
        return cls.model_validate(
            {**record.model_dump(exclude={"key_hash", "version"}), "api_key": secret}
        )


class Requirements(RequestModel):
    additional_insured: bool = False
    """Name the customer-of-record as additional insured on GL (ongoing and completed
    operations)."""
    waiver_of_subrogation: bool = False
    """Endorse a waiver of subrogation in the customer's favour where the program and state allow
    it (its charge is booked as `waiver_charge`)."""
    primary_noncontributory: bool = False
    """GL answers first for the customer, without contribution from the customer's own insurance."""


class CustomerCreate(RequestModel):
    name: Name
    """The customer's name (property manager, national account), printed on certificates."""
    address: AddressIn
    """The customer's address, printed on certificates."""
    requirements: Requirements = Requirements.model_construct()  # not built at import
    """What the customer asks of every tech's coverage; an assignment may override it."""


class RequirementsPatch(RequestModel):
    """Only the flags given change (PATCH merges nested objects)."""

    additional_insured: bool | None = None
    """Name the customer-of-record as additional insured on GL (ongoing and completed
    operations). Omitted: unchanged."""
    waiver_of_subrogation: bool | None = None
    """Endorse a waiver of subrogation in the customer's favour where the program and state allow
    it (its charge is booked as `waiver_charge`). Omitted: unchanged."""
    primary_noncontributory: bool | None = None
    """GL answers first for the customer, without contribution from the customer's own insurance.
    Omitted: unchanged."""


class CustomerPatch(RequestModel):
    name: Name | None = None
    """A new name. Omitted: unchanged."""
    address: AddressIn | None = None
    """A new address. Omitted: unchanged."""
    requirements: RequirementsPatch | None = None
    """Only the flags given change. Omitted: unchanged."""


class CustomerOut(ResponseModel):
    id: str
    object: Literal["customer"] = "customer"
    name: str
    """The customer's name."""
    address: AddressIn
    """The customer's address."""
    requirements: Requirements
    """What the customer asks of every tech's coverage."""
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, customer: Customer) -> CustomerOut:
        return cls.model_validate(customer.model_dump(exclude={"platform", "version"}))


class PriorCoverageIn(RequestModel):
    status: Literal["none", "current", "lapsed"]
    """`none`: never insured; `current`: insured now; `lapsed`: a gap in coverage."""
    lapse_start: CalendarDate | None = None
    """First day of the lapse (YYYY-MM-DD), when `lapsed`."""
    lapse_end: CalendarDate | None = None
    """Last day of the lapse (YYYY-MM-DD), when `lapsed`."""
    lapse_documented: bool | None = Field(
        default=None,
        description="A lapse: whether the gap is explained in writing (cancellation or "
        "non-renewal notice, signed statement). Multistate asks it of every lapse.",
    )


class LossIn(RequestModel):
    date: CalendarDate
    """When the loss happened (YYYY-MM-DD, not in the future)."""
    amount_cents: Cents
    """What the loss cost, in cents."""
    description: Description | None = None
    """What happened."""


class ContractorFields(RequestModel):
    """Every contractor field but the TIN itself (shared by create and the stored view)."""

    external_id: ExternalId | None = None
    """Your own ID for the tech; unique per platform, and filterable (`GET
    /v1/contractors?external_id=`)."""
    legal_name: Name
    """The tech's legal name: the named insured printed on policies and certificates."""
    entity_type: Literal["sole_proprietor", "llc", "corporation", "partnership"]
    """How the tech's business is organised."""
    tin_type: Literal["ssn", "fein"]
    """`ssn` for a sole proprietor without employees, `fein` otherwise (a contractor with
    employees must have a FEIN)."""
    has_employees: bool
    """Whether the tech employs anyone; with employees a FEIN is required (422 `fein_required`)."""
    employee_count: int | None = Field(default=None, ge=0, le=1_000_000)
    """How many employees the business has."""
    email: Email
    """The tech's email address, for policy documents and notices."""
    address: AddressIn
    """The tech's business address."""
    years_in_business: YearsInBusiness
    """Years the business has operated (0 to 200, two decimals); new ventures may be referred."""
    experience_mod: ExperienceMod = Decimal("1.00")
    """The experience modification factor applied to WC premium, as a decimal string from 0.01 to
    9.99 (default `"1.00"`)."""
    prior_coverage: PriorCoverageIn = PriorCoverageIn.model_construct(status="none")
    """The tech's prior workers' compensation coverage."""
    losses: list[LossIn] = Field(default_factory=list, max_length=200)
    """Past losses (claims) the underwriting rules read; dates not in the future."""
    losses_valued_on: CalendarDate | None = Field(
        default=None, description="The date the loss data (loss runs) was valued on."
    )
    material_change_in_operations: bool | None = Field(
        default=None,
        description="Whether operations changed materially in the past three years.",
    )


class ContractorCreate(ContractorFields):
    """The TIN's shape against `tin_type` is checked with the other facts, for create and PATCH
    alike (services/parties.py `_contractor`)."""

    tin: Tin
    """The SSN (`123-45-6789`) or FEIN (`12-3456789`), or nine bare digits. Never returned:
    responses carry `tin_last4`."""


class ContractorQuery(ListQuery):
    """`?external_id=`: the contractor holding it (unique per platform), or an empty page."""

    external_id: ExternalId | None = None
    """Only the contractor holding this `external_id` (unique per platform): one item or none."""


class ContractorPatch(RequestModel):
    external_id: ExternalId | None = None
    """Your own ID for the tech; unique per platform, and filterable (`GET
    /v1/contractors?external_id=`). Omitted: unchanged."""
    legal_name: Name | None = None
    """The tech's legal name: the named insured printed on policies and certificates. Omitted:
    unchanged."""
    entity_type: Literal["sole_proprietor", "llc", "corporation", "partnership"] | None = None
    """How the tech's business is organised. Omitted: unchanged."""
    tin_type: Literal["ssn", "fein"] | None = None
    """A new kind of TIN; needs the new `tin` with it. Omitted: unchanged."""
    tin: Tin | None = None
    """The SSN (`123-45-6789`) or FEIN (`12-3456789`), or nine bare digits. Never returned:
    responses carry `tin_last4`. Omitted: unchanged."""
    has_employees: bool | None = None
    """Whether the tech employs anyone; with employees a FEIN is required (422 `fein_required`).
    Omitted: unchanged."""
    employee_count: int | None = Field(default=None, ge=0, le=1_000_000)
    """How many employees the business has. Omitted: unchanged."""
    email: Email | None = None
    """The tech's email address, for policy documents and notices. Omitted: unchanged."""
    address: AddressIn | None = None
    """The tech's business address. Omitted: unchanged."""
    years_in_business: YearsInBusiness | None = None
    """Years the business has operated (0 to 200, two decimals); new ventures may be referred.
    Omitted: unchanged."""
    experience_mod: ExperienceMod | None = None
    """The experience modification factor applied to WC premium, as a decimal string from 0.01 to
    9.99 (default `"1.00"`). Omitted: unchanged."""
    prior_coverage: PriorCoverageIn | None = None
    """The tech's prior workers' compensation coverage. Omitted: unchanged."""
    losses: list[LossIn] | None = Field(default=None, max_length=200)
    """Past losses (claims) the underwriting rules read; dates not in the future. Omitted:
    unchanged."""
    losses_valued_on: CalendarDate | None = None
    """The date the loss data (loss runs) was valued on. Omitted: unchanged."""
    material_change_in_operations: bool | None = None
    """Whether operations changed materially in the past three years. Omitted: unchanged."""

    @model_validator(mode="after")
    def _tin_with_type(self) -> ContractorPatch:
        if self.tin_type is not None and self.tin is None:
            raise ValueError("changing tin_type needs the new tin")
        return self


class ContractorOut(ResponseModel):
    id: str
    object: Literal["contractor"] = "contractor"
    external_id: str | None
    """Your own ID for the tech; unique per platform, and filterable (`GET
    /v1/contractors?external_id=`)."""
    legal_name: str
    """The tech's legal name: the named insured printed on policies and certificates."""
    entity_type: Literal["sole_proprietor", "llc", "corporation", "partnership"]
    """How the tech's business is organised."""
    tin_type: Literal["ssn", "fein"]
    """`ssn` for a sole proprietor without employees, `fein` otherwise (a contractor with
    employees must have a FEIN)."""
    tin_last4: str
    """The last four digits of the TIN (the TIN itself is never returned)."""
    has_employees: bool
    """Whether the tech employs anyone; with employees a FEIN is required (422 `fein_required`)."""
    employee_count: int | None
    """How many employees the business has."""
    email: str
    """The tech's email address, for policy documents and notices."""
    address: AddressIn
    """The tech's business address."""
    years_in_business: JsonNumber
    """Years the business has operated."""
    experience_mod: str
    """The experience modification factor, as a decimal string (`"1.00"`)."""
    prior_coverage: PriorCoverageIn
    """The tech's prior workers' compensation coverage."""
    losses: list[LossIn]
    """Past losses (claims) the underwriting rules read; dates not in the future."""
    losses_valued_on: date | None = None
    """The date the loss data (loss runs) was valued on."""
    material_change_in_operations: bool | None = None
    """Whether operations changed materially in the past three years."""
    fein_required: bool = Field(description="True when the contractor has employees (FEIN needed).")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, contractor: Contractor) -> ContractorOut:
        data = contractor.model_dump(exclude={"platform", "version", "tin"})
        data["tin_last4"] = contractor.tin.last4
        data["experience_mod"] = f"{contractor.experience_mod:.2f}"
        data["fein_required"] = contractor.has_employees
        return cls.model_validate(data)
