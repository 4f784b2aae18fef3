"""Shapes shared by every resource: addresses, lists, bounded strings."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib import import_module
from typing import Annotated, Any, Generic, Literal, Protocol, Self, TypeVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainSerializer,
    Strict,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import core_schema

from chalicelib.api.jsonbody import ExponentNotation
from chalicelib.domain.geo import US_JURISDICTIONS

T = TypeVar("T")
S = TypeVar("S")
S_co = TypeVar("S_co", covariant=True)


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
# JSON has no date type: a date or an instant is a string (never a number of seconds), parsed
# from its text even though request models are otherwise strict (`Strict(False)`).
def _calendar_date_text(value: Any) -> Any:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("must be a calendar date YYYY-MM-DD")
    return value


def _instant_text(value: Any) -> Any:
    if not isinstance(value, str | datetime):
        raise ValueError("must be an RFC 3339 instant with an offset, as a string")
    return value


CalendarDate = Annotated[
    date,
    Strict(False),
    BeforeValidator(_calendar_date_text),
    Field(ge=date(1900, 1, 1), le=date(2199, 12, 31)),
]
Instant = Annotated[
    AwareDatetime,
    Strict(False),
    BeforeValidator(_instant_text),
    Field(ge=datetime(1970, 1, 1, tzinfo=UTC), le=datetime(2199, 12, 31, tzinfo=UTC)),
]
# Money is integer cents: a JSON integer, never a string or a boolean.
Cents = Annotated[int, Strict(), Field(ge=0, le=10**13)]
StateCode = Annotated[str, StringConstraints(min_length=2, max_length=2, to_upper=True)]
# Decimal inputs (API.md "Conventions": bounded, no exponent notation). The shape is checked
# before any arithmetic, so "1e-999990" is a fast 422, never a CPU-bound computation or a 500.
_DECIMAL_TEXT = re.compile(r"-?\d{1,12}(?:\.\d{1,12})?")
_MAX_DIGITS = 24


def _plain_decimal(value: Any, shape: str) -> Decimal:
    """A JSON number or a plain decimal string as a Decimal; anything else is a ValueError."""
    if isinstance(value, bool):
        raise ValueError(f"must be {shape}")
    if isinstance(value, str):
        if not _DECIMAL_TEXT.fullmatch(value):
            raise ValueError(f"must be {shape}")
        return Decimal(value)
    if isinstance(value, int):
        if abs(value) >= 10**12:
            raise ValueError(f"must be {shape}")
        return Decimal(value)
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, ExponentNotation):
        raise ValueError(f"must be {shape}")
    if isinstance(value, Decimal):
        # A JSON number arrives as the Decimal of its text (jsonbody.py): "1e-999990" keeps its
        # exponent, "1e2" a positive one. Refuse both without computing with them.
        exponent = value.as_tuple().exponent
        if not isinstance(exponent, int) or not -12 <= exponent <= 0:
            raise ValueError(f"must be {shape}")
        if len(value.as_tuple().digits) > _MAX_DIGITS:
            raise ValueError(f"must be {shape}")
        return value
    raise ValueError(f"must be {shape}")


@dataclass(frozen=True)
class DecimalRange:
    """`Annotated[Decimal, DecimalRange("0.25", "744", places=2)]`: a decimal in [low, high]
    with at most `places` decimal places (trailing zeros aside), given as a JSON number or a
    plain decimal string ("12.5"), never in exponent notation."""

    low: str
    high: str
    places: int

    @property
    def shape(self) -> str:
        return (
            f"a decimal number from {self.low} to {self.high} with at most {self.places} "
            f'decimal places, written plainly (such as "{self.high}"; no exponent notation)'
        )

    def check(self, value: Any) -> Decimal:
        number = _plain_decimal(value, self.shape)
        if not Decimal(self.low) <= number <= Decimal(self.high):
            raise ValueError(f"must be from {self.low} to {self.high}")
        exponent = number.normalize().as_tuple().exponent
        if isinstance(exponent, int) and exponent < -self.places:
            raise ValueError(f"must have at most {self.places} decimal places")
        return number

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(self.check)

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        integer_digits = len(str(int(Decimal(self.high))))
        text = rf"^\d{{1,{integer_digits}}}(\.\d{{1,{self.places}}})?$"
        return {
            "anyOf": [
                {"type": "number", "minimum": float(self.low), "maximum": float(self.high)},
                {"type": "string", "pattern": text},
            ],
            "description": f"From {self.low} to {self.high}, at most {self.places} decimal "
            "places: a JSON number or a decimal string, never exponent notation.",
        }


# Counts and years are shown as JSON numbers; money never goes through this (it is integer cents).
JsonNumber = Annotated[
    Decimal,
    PlainSerializer(lambda v: int(v) if v == v.to_integral_value() else float(v), return_type=Any),
]


class RequestModel(BaseModel):
    """Requests reject unknown fields, so a misspelt field is a 422, not silently ignored, and
    take JSON types as they are (`strict`): a boolean is `true`/`false`, never `"yes"` or `1`; a
    number is a JSON number, never `"5"` (decimal fields take plain decimal strings by design:
    `DecimalRange`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True, strict=True)


class ResponseModel(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class ReferralPointer(ResponseModel):
    """Everywhere an object points at its referral: `{"id", "status"}`."""

    id: str
    """The referral's ID (`ref_...`)."""
    status: Literal["open", "approved", "declined"]
    """`open` until an underwriter decides, then `approved` or `declined`."""


def referral_pointer(referral_id: str | None, status: str | None) -> ReferralPointer | None:
    """The pointer to a referral (`status` None: no decision yet, so `open`)."""
    if referral_id is None:
        return None
    return ReferralPointer.model_validate({"id": referral_id, "status": status or "open"})


def check_state(value: str) -> str:
    if value not in US_JURISDICTIONS:
        raise ValueError("must be a US state or DC two-letter code")
    return value


class AddressIn(RequestModel):
    line1: Name
    """Street address."""
    city: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    """City."""
    state: StateCode
    """Two-letter US state or DC code, such as `NJ`."""
    postal_code: Annotated[str, StringConstraints(pattern=r"^\d{5}(-\d{4})?$")]
    """ZIP code: `07102` or `07102-1234`."""

    _state = field_validator("state")(check_state)


class QueryModel(RequestModel):
    """Query strings: text, so numbers are parsed from it (not strict); an unknown parameter is
    a 422 (chalicelib/api/strict.py), and `?contractor=` (empty) means absent."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True, strict=False)

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

    @classmethod
    def of_page(cls, page: Listed[S], out: Callable[[S], T]) -> Self:
        """A page of records as the API lists them, each turned into its response model."""
        return cls(data=[out(item) for item in page.items], has_more=page.has_more)


class Listed(Protocol[S_co]):
    """A page of records (`chalicelib.domain.parties.Page`)."""

    @property
    def items(self) -> Sequence[S_co]: ...

    @property
    def has_more(self) -> bool: ...


@dataclass(frozen=True)
class Secret:
    """Marks a response field that is shown once (an API key, a webhook secret): the idempotency
    table never stores it, and an Idempotency-Key replay answers it as null (API.md)."""


ShownOnce = Annotated[
    str | None,
    Secret(),
    Field(description="Shown once; only its hash is stored. null in an Idempotency-Key replay."),
]


def without_secrets(model: BaseModel) -> dict[str, Any]:
    """The model as JSON data with every `Secret` field, at any depth, set to null."""
    data: dict[str, Any] = model.model_dump(mode="json")
    _blank_secrets(model, data)
    return data


def _blank_secrets(value: Any, data: Any) -> None:
    if isinstance(value, BaseModel) and isinstance(data, dict):
        for name, info in type(value).model_fields.items():
            if name not in data:
                continue
            if any(isinstance(marker, Secret) for marker in info.metadata):
                data[name] = None
            else:
                _blank_secrets(getattr(value, name), data[name])
    elif isinstance(value, list | tuple) and isinstance(data, list):
        for item, item_data in zip(value, data, strict=False):
            _blank_secrets(item, item_data)
    elif isinstance(value, dict) and isinstance(data, dict):
        for key, item in value.items():
            if str(key) in data:
                _blank_secrets(item, data[str(key)])
