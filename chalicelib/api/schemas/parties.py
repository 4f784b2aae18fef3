"""Request and response shapes for platforms, keys, customers and contractors (API.md "Parties")."""

from __future__ import annotations

from datetime import datetime
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


class PlatformCreated(ResponseModel):
    id: str
    name: str
    api_key: ShownOnce


class ApiKeyCreate(RequestModel):
    role: Literal["underwriter", "platform"]
    platform: ObjectId | None = None


class ApiKeyOut(ResponseModel):
    """A stored key as lists show it: never the key itself, only its last four characters."""

    id: str
    object: Literal["api_key"] = "api_key"
    role: str
    platform: str | None = None
    last4: str
    created_at: datetime
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
    waiver_of_subrogation: bool = False
    primary_noncontributory: bool = False


class CustomerCreate(RequestModel):
    name: Name
    address: AddressIn
    requirements: Requirements = Requirements.model_construct()  # not built at import


class RequirementsPatch(RequestModel):
    """Only the flags given change (PATCH merges nested objects)."""

    additional_insured: bool | None = None
    waiver_of_subrogation: bool | None = None
    primary_noncontributory: bool | None = None


class CustomerPatch(RequestModel):
    name: Name | None = None
    address: AddressIn | None = None
    requirements: RequirementsPatch | None = None


class CustomerOut(ResponseModel):
    id: str
    object: Literal["customer"] = "customer"
    name: str
    address: AddressIn
    requirements: Requirements
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, customer: Customer) -> CustomerOut:
        return cls.model_validate(customer.model_dump(exclude={"platform", "version"}))


class PriorCoverageIn(RequestModel):
    status: Literal["none", "current", "lapsed"]
    lapse_start: CalendarDate | None = None
    lapse_end: CalendarDate | None = None


class LossIn(RequestModel):
    date: CalendarDate
    amount_cents: Cents
    description: Description | None = None


class ContractorFields(RequestModel):
    """Every contractor field but the TIN itself (shared by create and the stored view)."""

    external_id: ExternalId | None = None
    legal_name: Name
    entity_type: Literal["sole_proprietor", "llc", "corporation", "partnership"]
    tin_type: Literal["ssn", "fein"]
    has_employees: bool
    employee_count: int | None = Field(default=None, ge=0, le=1_000_000)
    email: Email
    address: AddressIn
    years_in_business: YearsInBusiness
    experience_mod: ExperienceMod = Decimal("1.00")
    prior_coverage: PriorCoverageIn = PriorCoverageIn.model_construct(status="none")
    losses: list[LossIn] = Field(default_factory=list, max_length=200)


class ContractorCreate(ContractorFields):
    """The TIN's shape against `tin_type` is checked with the other facts, for create and PATCH
    alike (services/parties.py `_contractor`)."""

    tin: Tin


class ContractorQuery(ListQuery):
    """`?external_id=`: the contractor holding it (unique per platform), or an empty page."""

    external_id: ExternalId | None = None


class ContractorPatch(RequestModel):
    external_id: ExternalId | None = None
    legal_name: Name | None = None
    entity_type: Literal["sole_proprietor", "llc", "corporation", "partnership"] | None = None
    tin_type: Literal["ssn", "fein"] | None = None
    tin: Tin | None = None
    has_employees: bool | None = None
    employee_count: int | None = Field(default=None, ge=0, le=1_000_000)
    email: Email | None = None
    address: AddressIn | None = None
    years_in_business: YearsInBusiness | None = None
    experience_mod: ExperienceMod | None = None
    prior_coverage: PriorCoverageIn | None = None
    losses: list[LossIn] | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _tin_with_type(self) -> ContractorPatch:
        if self.tin_type is not None and self.tin is None:
            raise ValueError("changing tin_type needs the new tin")
        return self


class ContractorOut(ResponseModel):
    id: str
    object: Literal["contractor"] = "contractor"
    external_id: str | None
    legal_name: str
    entity_type: str
    tin_type: str
    tin_last4: str
    has_employees: bool
    employee_count: int | None
    email: str
    address: AddressIn
    years_in_business: JsonNumber
    experience_mod: str
    prior_coverage: PriorCoverageIn
    losses: list[LossIn]
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
