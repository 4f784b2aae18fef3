"""Quote use cases: route each line across programs, store the quote, open a referral if needed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from dateutil.relativedelta import relativedelta

from chalicelib.domain.clock import utc_today
from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.parties import Contractor, Page, Principal, Requirements
from chalicelib.domain.quotes import (
    QUOTE_VALID_DAYS,
    Quote,
    Referral,
    line_summaries,
    referral_reasons,
)
from chalicelib.domain.rating import RatedLine
from chalicelib.domain.reference import ReferenceData
from chalicelib.domain.routing import LineQuote, LineRequest, quote_status, route_line
from chalicelib.domain.underwriting import (
    ContractorFacts,
    EmployersLiabilityLimits,
    Loss,
    OperationsFacts,
    PriorCoverage,
    Rulebook,
    UnderwritingFacts,
    WaiverRequest,
)
from chalicelib.ports import Clock, IdGenerator
from chalicelib.services.lookup import fetch
from chalicelib.services.parties import PartyServices

TERM_MONTHS = 12


class QuoteRepository(Protocol):
    def add_quote(self, quote: Quote, referral: Referral | None) -> None: ...

    def get_quote(self, platform_id: str, quote_id: str) -> Quote | None: ...

    def get_referral(self, referral_id: str) -> Referral | None: ...

    def decide_referral(
        self, referral: Referral, quote: Quote | None, *, expected_version: int
    ) -> None: ...

    def list_referrals(
        self,
        status: str | None,
        quote_id: str | None,
        limit: int,
        starting_after: str | None,
        assignment_id: str | None = None,
    ) -> Page[Referral]: ...


@dataclass(frozen=True)
class QuoteInput:
    """A validated `POST /v1/quotes` body, as plain values."""

    contractor: str
    trade: str
    work_state: str
    lines: tuple[str, ...]
    effective_date: date
    end_date: date | None
    estimated_annual_pay_cents: int
    hourly_wage_cents: int | None
    customer: str | None
    employers_liability_limits: str
    deductible_cents: int
    rating_plan: str
    operations: dict[str, Any]
    requested_coverages: tuple[str, ...]
    raw: dict[str, Any]


def contractor_facts(contractor: Contractor) -> ContractorFacts:
    """The contractor record's underwriting facts (the current record: PATCH updates them)."""
    prior = contractor.prior_coverage
    return ContractorFacts(
        entity_type=contractor.entity_type,
        tin_type=contractor.tin_type,
        has_employees=contractor.has_employees,
        employee_count=contractor.employee_count,
        years_in_business=contractor.years_in_business,
        experience_mod=contractor.experience_mod,
        prior_coverage=PriorCoverage(
            status=prior.status, lapse_start=prior.lapse_start, lapse_end=prior.lapse_end
        ),
        losses=tuple(
            Loss(date=loss.date, amount_cents=loss.amount_cents, description=loss.description)
            for loss in contractor.losses
        ),
    )


def endorsements_for(line: str, requirements: Requirements | None) -> tuple[str, ...]:
    """What the customer-of-record's requirements ask of a line (WC never takes an AI)."""
    if requirements is None:
        return ()
    wanted: list[str] = []
    if requirements.waiver_of_subrogation:
        wanted.append("waiver_of_subrogation_specific")
    if line == "gl" and requirements.additional_insured:
        wanted.append("additional_insured")
    if line == "gl" and requirements.primary_noncontributory:
        wanted.append("primary_noncontributory")
    return tuple(wanted)


def term_end(request: QuoteInput) -> date:
    """The quote's term: the requested end date, else 12 months; never longer than 12 months."""
    longest = request.effective_date + relativedelta(months=TERM_MONTHS)
    end = request.end_date or longest
    if end <= request.effective_date:
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


@dataclass(frozen=True)
class QuoteServices:
    parties: PartyServices
    quotes: QuoteRepository
    reference: Callable[[], ReferenceData]
    rulebook: Callable[[str], Rulebook]
    trade_profile: Callable[[str], Any]
    ids: IdGenerator
    clock: Clock

    def create_quote(self, platform_id: str, request: QuoteInput) -> Quote:
        reference = self.reference()
        reference.trade(request.trade)  # unknown trade -> 422 unknown_trade
        contractor, customer = self.parties.contractor_and_customer(
            platform_id, request.contractor, request.customer
        )
        now = self.clock.now()
        today = utc_today(now)
        expiration = term_end(request)
        profile = self.trade_profile(request.trade)
        operations = dict(request.operations)
        if operations.get("employee_count") is None:
            operations["employee_count"] = contractor.employee_count
        base_facts = contractor_facts(contractor)
        waiver = WaiverRequest(
            kind="specific" if customer and customer.requirements.waiver_of_subrogation else "none"
        )

        def facts_for(rated: RatedLine) -> UnderwritingFacts:
            return UnderwritingFacts(
                state=request.work_state,
                trade=request.trade,
                contractor_type=profile.contractor_type,
                preferred_class=profile.preferred_class,
                contractor=base_facts,
                operations=OperationsFacts(**operations),
                requested_coverages=frozenset(request.requested_coverages),
                rating_plan=request.rating_plan,
                effective_date=request.effective_date,
                expiration_date=expiration,
                bind_date=today,
                employers_liability_limits=EmployersLiabilityLimits.parse(
                    request.employers_liability_limits
                ),
                deductible_cents=request.deductible_cents,
                estimated_premium_cents=rated.premium.total_cents,
                modified_premium_cents=rated.premium.modified_premium_cents,
                waiver=waiver if rated.line == "wc" else WaiverRequest(),
            )

        lines: dict[str, LineQuote] = {}
        for line in request.lines:
            lines[line] = route_line(
                reference,
                self.rulebook,
                LineRequest(
                    line=line,
                    trade=request.trade,
                    state=request.work_state,
                    pay_cents=request.estimated_annual_pay_cents,
                    hourly_wage_cents=request.hourly_wage_cents,
                    el_limits=request.employers_liability_limits,
                    experience_mod=contractor.experience_mod,
                    endorsements=endorsements_for(
                        line, customer.requirements if customer else None
                    ),
                ),
                facts_for,
            )
        status = quote_status([line.status for line in lines.values()])
        quote_id = self.ids.new("qte")
        referral = None
        if any(line.status == "referred" for line in lines.values()):
            referral = Referral(
                id=self.ids.new("ref"),
                platform=platform_id,
                quote=quote_id,
                contractor=contractor.id,
                status="open",
                reasons=referral_reasons(lines),
                subject={
                    "type": "quote",
                    "trade": request.trade,
                    "work_state": request.work_state,
                    "effective_date": request.effective_date.isoformat(),
                    "estimated_annual_pay_cents": request.estimated_annual_pay_cents,
                    "lines": line_summaries(lines),
                },
                created_at=now,
            )
        quote = Quote(
            id=quote_id,
            platform=platform_id,
            contractor=contractor.id,
            customer=customer.id if customer else None,
            trade=request.trade,
            work_state=request.work_state,
            effective_date=request.effective_date,
            end_date=expiration,
            estimated_annual_pay_cents=request.estimated_annual_pay_cents,
            request=request.raw,
            status=status,
            lines=lines,
            reasons=[
                r for line in lines.values() for r in line.reasons if line.status != "eligible"
            ],
            referral=referral.id if referral else None,
            referral_status="open" if referral else None,
            created_at=now,
            expires_at=now + timedelta(days=QUOTE_VALID_DAYS),
        )
        self.quotes.add_quote(quote, referral)
        return quote

    def get_quote(self, platform_id: str, quote_id: str) -> Quote:
        return fetch("quote", "qte", quote_id, lambda: self.quotes.get_quote(platform_id, quote_id))

    # -- referrals (underwriter role) ---------------------------------------------------------
    def list_referrals(
        self,
        status: str | None,
        quote_id: str | None,
        limit: int,
        starting_after: str | None,
        assignment_id: str | None = None,
    ) -> Page[Referral]:
        return self.quotes.list_referrals(status, quote_id, limit, starting_after, assignment_id)

    def decide_referral(
        self, referral_id: str, decision: str, note: str | None, underwriter: Principal
    ) -> Referral:
        """Approve (the referred lines become bindable) or decline (never bindable)."""
        referral = fetch(
            "referral", "ref", referral_id, lambda: self.quotes.get_referral(referral_id)
        )
        if referral.status != "open":
            raise Conflict(
                f"Referral {referral_id} was already {referral.status}.", code="referral_decided"
            )
        status = "approved" if decision == "approve" else "declined"
        decided = referral.model_copy(
            update={
                "status": status,
                "decided_by": underwriter.key_id,
                "decided_at": self.clock.now(),
                "note": note,
                "version": referral.version + 1,
            }
        )
        if referral.quote is None:
            # A dispatch's referral: the assignment service binds or uncovers its lines.
            self.quotes.decide_referral(decided, None, expected_version=referral.version)
            return decided
        quote = self.get_quote(referral.platform, referral.quote)
        updated_quote = quote.model_copy(
            update={"referral_status": status, "version": quote.version + 1}
        )
        self.quotes.decide_referral(decided, updated_quote, expected_version=referral.version)
        return decided
