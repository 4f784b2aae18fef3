"""Quotes and referrals as stored: what a policy is later bound from."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

from dateutil.relativedelta import relativedelta
from pydantic import BaseModel, ConfigDict

from chalicelib.domain.change import Change
from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.events import DomainEvent
from chalicelib.domain.reasons import Reason
from chalicelib.domain.routing import LineQuote

if TYPE_CHECKING:
    from chalicelib.domain.assignments import LineCoverage

QuoteStatus = Literal["eligible", "referred", "declined", "partial"]
ReferralStatus = Literal["open", "approved", "declined"]
QUOTE_VALID_DAYS = 30
TERM_MONTHS = 12


class Quote(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    id: str
    platform: str
    contractor: str
    customer: str | None = None
    trade: str
    work_state: str
    effective_date: date
    end_date: date | None = None
    estimated_annual_pay_cents: int
    request: dict[str, Any]
    status: QuoteStatus
    lines: dict[str, LineQuote]
    reasons: list[Reason]
    referral: str | None = None
    referral_status: ReferralStatus | None = None
    created_at: datetime
    expires_at: datetime
    version: int = 1

    def created(self, referral: Referral | None) -> Change[Quote]:
        """A new quote, with the referral it opens (and `quote.referred` when it does)."""
        events = (
            (DomainEvent("quote.referred", self.platform, "quote", self.id, self.snapshot()),)
            if referral
            else ()
        )
        related = (Change(referral, expected_version=None),) if referral else ()
        return Change(self, expected_version=None, events=events, related=related)

    def referral_decided(self, status: ReferralStatus) -> Change[Quote]:
        """The underwriter decided its referral: approved referred lines become bindable."""
        updated = self.model_copy(update={"referral_status": status, "version": self.version + 1})
        return Change(updated, expected_version=self.version)

    def snapshot(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def bindable_lines(self) -> dict[str, LineQuote]:
        """Eligible lines, plus referred lines once an underwriter approved the referral."""
        approved = self.referral_status == "approved"
        return {
            name: line
            for name, line in self.lines.items()
            if line.status == "eligible" or (line.status == "referred" and approved)
        }


class Referral(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    id: str
    platform: str
    quote: str | None = None
    assignment: str | None = None
    contractor: str
    status: ReferralStatus
    reasons: list[Reason]
    # What the underwriter is deciding on: trade, state, pay and each line's rating.
    subject: dict[str, Any] = {}
    created_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    note: str | None = None
    version: int = 1

    @classmethod
    def for_quote(
        cls,
        referral_id: str,
        platform: str,
        quote_id: str,
        contractor: str,
        request: Mapping[str, Any],
        lines: Mapping[str, LineQuote],
        now: datetime,
    ) -> Referral:
        """A quote's referral: the reasons of every referred line, and what is decided on."""
        return cls(
            id=referral_id,
            platform=platform,
            quote=quote_id,
            contractor=contractor,
            status="open",
            reasons=referral_reasons(lines),
            subject={
                "type": "quote",
                "trade": request.get("trade"),
                "work_state": request.get("work_state"),
                "effective_date": request.get("effective_date"),
                "estimated_annual_pay_cents": request.get("estimated_annual_pay_cents"),
                "lines": line_summaries(lines),
            },
            created_at=now,
        )

    def decide(
        self, status: Literal["approved", "declined"], note: str | None, by: str, now: datetime
    ) -> Change[Referral]:
        """An underwriter's decision, once: a decided referral is not decided again."""
        if self.status != "open":
            raise Conflict(
                f"Referral {self.id} was already {self.status}.", code="referral_decided"
            )
        decided = self.model_copy(
            update={
                "status": status,
                "decided_by": by,
                "decided_at": now,
                "note": note,
                "version": self.version + 1,
            }
        )
        event = DomainEvent(
            f"referral.{status}",
            self.platform,
            "referral",
            self.id,
            decided.model_dump(mode="json"),
        )
        return Change(decided, expected_version=self.version, events=(event,))


def line_summaries(lines: Mapping[str, LineQuote | LineCoverage]) -> dict[str, Any]:
    """Each line's status, program, class, rate and premium, for a referral's subject."""
    return {
        name: {
            "status": line.status,
            "program": line.program,
            "class_code": line.class_code,
            "rate_per_100": str(line.rate_per_100) if line.rate_per_100 is not None else None,
            "premium_total_cents": line.premium.total_cents if line.premium else None,
        }
        for name, line in lines.items()
    }


def referral_reasons(lines: Mapping[str, LineQuote | LineCoverage]) -> list[Reason]:
    """The reasons an underwriter must weigh: those of every referred line."""
    reasons: list[Reason] = []
    for line in lines.values():
        if line.status == "referred":
            reasons.extend(line.reasons)
    return reasons


def term_end(effective: date, requested_end: date | None) -> date:
    """The quote's term: the requested end date, else 12 months; never longer than 12 months."""
    longest = effective + relativedelta(months=TERM_MONTHS)
    end = requested_end or longest
    if end <= effective:
        raise ValidationFailed(
            "end_date must be after effective_date.",
            details=[{"loc": ["body", "end_date"], "msg": "not after effective_date"}],
        )
    if end > longest:
        raise ValidationFailed(
            f"A term is at most 12 months: end_date can be {longest} at the latest.",
            details=[{"loc": ["body", "end_date"], "msg": "term longer than 12 months"}],
        )
    return end
