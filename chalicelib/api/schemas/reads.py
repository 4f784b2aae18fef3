"""Shapes of the reads by date and place (API.md "Portal"): date ranges, the ledger summary, a
referral with the guideline sentences behind its reasons."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal, Self

from pydantic import ConfigDict, Field, model_validator

from chalicelib.api.schemas.common import CalendarDate, QueryModel, ResponseModel
from chalicelib.api.schemas.quotes import ReferralOut
from chalicelib.domain.periods import MAX_RANGE_DAYS, DateRange


class DateRangeQuery(QueryModel):
    """`?from=&to=`: inclusive UTC calendar dates, at most 366 days apart."""

    from_: CalendarDate | None = Field(
        default=None,
        alias="from",
        description="First UTC date included (YYYY-MM-DD). Alone: the 366 days from it.",
    )
    to: CalendarDate | None = Field(
        default=None,
        description="Last UTC date included (YYYY-MM-DD). Alone: the 366 days up to it.",
    )

    @model_validator(mode="after")
    def _ordered_and_bounded(self) -> Self:
        if self.from_ is not None and self.to is not None:
            if self.from_ > self.to:
                raise ValueError("from must not be after to")
            if (self.to - self.from_).days + 1 > MAX_RANGE_DAYS:
                raise ValueError(f"from and to may span at most {MAX_RANGE_DAYS} days")
        return self

    def date_range(self, default_days: int = MAX_RANGE_DAYS) -> DateRange | None:
        """The range asked for, or None when neither side was given."""
        if self.from_ is None and self.to is None:
            return None
        return DateRange.of(self.from_, self.to, default_days=default_days)


class LedgerSummaryQuery(DateRangeQuery):
    group_by: Literal["day", "contractor"] = Field(
        default="day", description="Totals per UTC booking day, or per contractor."
    )


class SummaryRow(ResponseModel):
    group: str = Field(description="The UTC date (YYYY-MM-DD), or the contractor's id.")
    name: str | None = Field(default=None, description="The contractor's legal name.")
    total_cents: int
    """The premium booked in the group, in cents (refunds and adjustments included)."""
    entries: int
    """How many ledger entries the group holds."""


class LedgerSummaryOut(ResponseModel):
    """Premium booked in the range, per group. Days: every day of the range, oldest first
    (zero where nothing was booked). Contractors: largest total first."""

    model_config = ConfigDict(frozen=True, defer_build=True, serialize_by_alias=True)

    object: Literal["ledger_summary"] = "ledger_summary"
    group_by: Literal["day", "contractor"]
    """How the rows are grouped: by UTC booking date, or by contractor."""
    from_: date = Field(alias="from", description="The first UTC date of the range (inclusive).")
    to: date
    """The last UTC date of the range (inclusive)."""
    total_cents: int = Field(description="The sum of every entry booked in the range.")
    data: list[SummaryRow]


class GuidelineQuote(ResponseModel):
    code: str = Field(description="The reason's code.")
    guideline: str = Field(description='The citation: "<document> § <section>".')
    quote: str | None = Field(description="The guideline's own sentence the rule rests on.")


class ReferralDetailOut(ReferralOut):
    """A referral with the guideline sentence behind each reason and, for a dispatch, where the
    assignment stands now."""

    guidelines: list[GuidelineQuote] = Field(default_factory=list)
    """The guideline sentence behind each reason that cites one, quoted from the document."""
    outcome: dict[str, Any] | None = Field(
        default=None,
        description='The subject now: {"assignment": {"id", "status", "premium_cents"}} or '
        '{"quote": {"id", "status"}}.',
    )
