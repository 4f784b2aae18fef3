"""Shapes shared by every resource: addresses, lists, bounded strings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib import import_module
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    PlainSerializer,
    Strict,
    StringConstraints,
    field_validator,
    model_validator,
)

from chalicelib.domain.geo import US_JURISDICTIONS

T = TypeVar("T")


@dataclass(frozen=True)
class Imported:
    """`Annotated[Any, Imported(module, name)]`: a field of the type `module.name`, imported
    when the model is first built rather than when the schema module is.

    For domain types whose modules are costly to import (routing pulls in rating and
    underwriting): a cold start imports every route's schemas, but builds only the models its
    first request touches (models here are `defer_build`). Validation, serialisation and the
    JSON schema are those of the real type.
    """

    module: str
    name: str

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> Any:
        return handler.generate_schema(getattr(import_module(self.module), self.name))


# Printable text: no control characters (a NUL in a name would reach certificates and logs).
_PRINTABLE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=_PRINTABLE),
]
Description = Annotated[str, StringConstraints(max_length=2000, pattern=_PRINTABLE)]
ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=_PRINTABLE)]
ObjectId = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=_PRINTABLE)]


# A list cursor is the ID of an object of the listed type: a malformed one is a 422, not a
# silent first page.
Cursor = Annotated[str, StringConstraints(pattern=r"^[a-z]{3}_[0-9a-hjkmnp-tv-z]{26}$")]


# Calendar dates are strict `YYYY-MM-DD` within a sane horizon (date arithmetic never overflows).
def _calendar_date_text(value: Any) -> Any:
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("must be a calendar date YYYY-MM-DD")
    return value


CalendarDate = Annotated[
    date,
    BeforeValidator(_calendar_date_text),
    Field(ge=date(1900, 1, 1), le=date(2199, 12, 31)),
]
Instant = Annotated[
    AwareDatetime,
    Field(ge=datetime(1970, 1, 1, tzinfo=UTC), le=datetime(2199, 12, 31, tzinfo=UTC)),
]
# Money is integer cents: a JSON integer, never a string or a boolean.
Cents = Annotated[int, Strict(), Field(ge=0, le=10**13)]
StateCode = Annotated[str, StringConstraints(min_length=2, max_length=2, to_upper=True)]
# Counts and years are shown as JSON numbers; money never goes through this (it is integer cents).
JsonNumber = Annotated[
    Decimal,
    PlainSerializer(lambda v: int(v) if v == v.to_integral_value() else float(v), return_type=Any),
]


class RequestModel(BaseModel):
    """Requests reject unknown fields, so a misspelt field is a 422, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class ResponseModel(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


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


class QueryModel(RequestModel):
    """Query strings: unknown parameters ignored, and `?contractor=` (empty) means absent."""

    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    @model_validator(mode="before")
    @classmethod
    def _empty_is_absent(cls, values: Any) -> Any:
        if isinstance(values, dict):
            return {key: value for key, value in values.items() if value != ""}
        return values


class ListQuery(QueryModel):
    """`?limit=` (1-100, default 20) and `?starting_after=<id>`."""

    limit: int = Field(default=20, ge=1, le=100)
    starting_after: Cursor | None = None


class ListOf(ResponseModel, Generic[T]):
    data: list[T]
    has_more: bool
