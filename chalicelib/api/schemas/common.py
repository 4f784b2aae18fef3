"""Shapes shared by every resource: addresses, lists, bounded strings."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    field_validator,
)

from chalicelib.domain.geo import US_JURISDICTIONS

T = TypeVar("T")

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(max_length=2000)]
ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=255)]
ObjectId = Annotated[str, StringConstraints(min_length=1, max_length=255)]
StateCode = Annotated[str, StringConstraints(min_length=2, max_length=2, to_upper=True)]
# Counts and years are shown as JSON numbers; money never goes through this (it is integer cents).
JsonNumber = Annotated[
    Decimal,
    PlainSerializer(lambda v: int(v) if v == v.to_integral_value() else float(v), return_type=Any),
]


class RequestModel(BaseModel):
    """Requests reject unknown fields, so a misspelt field is a 422, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ResponseModel(BaseModel):
    model_config = ConfigDict(frozen=True)


def check_state(value: str) -> str:
    if value not in US_JURISDICTIONS:
        raise ValueError("must be a US state or DC two-letter code")
    return value


class AddressIn(RequestModel):
    line1: Name
    city: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    state: StateCode
    postal_code: Annotated[str, StringConstraints(pattern=r"^\d{5}(-\d{4})?$")]

    _state = field_validator("state")(check_state)


class ListQuery(RequestModel):
    """`?limit=` (1-100, default 20) and `?starting_after=<id>`."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    limit: int = Field(default=20, ge=1, le=100)
    starting_after: ObjectId | None = None


class ListOf(ResponseModel, Generic[T]):
    data: list[T]
    has_more: bool
