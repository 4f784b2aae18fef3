"""Quote use cases: route each line across programs, store the quote, open a referral if needed."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any, Protocol

from chalicelib.domain.applicant import contractor_facts, endorsements_for
from chalicelib.domain.change import ObjectRef
from chalicelib.domain.clock import utc_today
from chalicelib.domain.errors import NotFound
from chalicelib.domain.parties import Page, Principal
from chalicelib.domain.quotes import (
    QUOTE_VALID_DAYS,
    Quote,
    Referral,
    term_end,
)
from chalicelib.domain.rating import RatedLine
from chalicelib.domain.reference import ReferenceData
from chalicelib.domain.roles import Role
from chalicelib.domain.routing import LineQuote, LineRequest, quote_status, route_line
from chalicelib.domain.underwriting import (
    ApplicationRecord,
    EmployersLiabilityLimits,
    OperationsFacts,
    Rulebook,
    UnderwritingFacts,
    WaiverRequest,
)
from chalicelib.domain.underwriting.application import answers_as_sent
from chalicelib.ports import Clock, IdGenerator, UnitOfWork
from chalicelib.services.commit import decide_unless_committed
from chalicelib.services.lookup import fetch
from chalicelib.services.parties import PartyServices


class QuoteRepository(Protocol):
    def get_quote(self, platform_id: str, quote_id: str) -> Quote | None: ...

    def get_referral(self, referral_id: str) -> Referral | None: ...

    def list_referrals(
        self,
        status: str | None,
        quote_id: str | None,
        limit: int,
        starting_after: str | None,
        assignment_id: str | None = None,
        platform: str | None = None,
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
    # The API key that sent the request (kept with the application answers).
    sent_by: str | None = None


@dataclass(frozen=True)
class QuoteServices:
    parties: PartyServices
    quotes: QuoteRepository
    uow: Callable[[], UnitOfWork]
    reference: Callable[[], ReferenceData]
    rulebook: Callable[[str], Rulebook]
    trade_profile: Callable[[str], Any]
    ids: IdGenerator
    clock: Clock

    def create_quote(self, platform_id: str, request: QuoteInput) -> Quote:
        uow = self.uow()
        priced, earlier = decide_unless_committed(uow, partial(self._priced, platform_id, request))
        if earlier is not None:
            return self.get_quote(earlier.platform, earlier.id)
        assert priced is not None
        quote, referral = priced
        uow.record(quote.created(referral))
        if (earlier := uow.commit(ObjectRef("quote", platform_id, quote.id))) is not None:
            return self.get_quote(earlier.platform, earlier.id)
        return quote

    def _priced(self, platform_id: str, request: QuoteInput) -> tuple[Quote, Referral | None]:
        """The quote (and its referral, if a line is referred), rated and underwritten."""
        reference = self.reference()
        reference.trade(request.trade)  # unknown trade -> 422 unknown_trade
        contractor, customer = self.parties.contractor_and_customer(
            platform_id, request.contractor, request.customer
        )
        now = self.clock.now()
        today = utc_today(now)
        expiration = term_end(request.effective_date, request.end_date)
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
                estimated_annual_pay_cents=request.estimated_annual_pay_cents,
                waiver=waiver if rated.line == "wc" else WaiverRequest(),
                # WC never carries an additional insured: asked for, it is a note (API.md).
                additional_insured_requested_on_wc=rated.line == "wc"
                and bool(customer and customer.requirements.additional_insured),
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
        application = ApplicationRecord(
            answers=answers_as_sent(request.operations),
            requested_coverages=list(request.requested_coverages),
            question_sets=self._question_sets(lines.values()),
            sent_by=request.sent_by,
            sent_at=now,
        )
        quote_id = self.ids.new("qte")
        referral = None
        if any(line.status == "referred" for line in lines.values()):
            subject = {
                "trade": request.trade,
                "work_state": request.work_state,
                "effective_date": request.effective_date.isoformat(),
                "estimated_annual_pay_cents": request.estimated_annual_pay_cents,
            }
            referral = Referral.for_quote(
                self.ids.new("ref"), platform_id, quote_id, contractor.id, subject, lines, now
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
            application=application,
            created_at=now,
            expires_at=now + timedelta(days=QUOTE_VALID_DAYS),
        )
        return quote, referral

    def _question_sets(self, lines: Iterable[LineQuote]) -> dict[str, str]:
        """The version of each question set the answers were read against (every program that
        underwrote a line, taking it or not)."""
        versions: dict[str, str] = {}
        for line in lines:
            programs = [entry.program for entry in line.considered]
            programs += [line.program] if line.program else []
            for program in programs:
                application = self.rulebook(program).application
                if application is not None:
                    versions[program] = application.version
        return versions

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
        platform: str | None = None,
    ) -> Page[Referral]:
        """An underwriter's queue (every platform's), or a platform's own referrals."""
        return self.quotes.list_referrals(
            status, quote_id, limit, starting_after, assignment_id, platform
        )

    def referral_for(self, principal: Principal, referral_id: str) -> Referral:
        """An underwriter reads any referral; a platform only its own (another's is a 404)."""
        referral = fetch(
            "referral", "ref", referral_id, lambda: self.quotes.get_referral(referral_id)
        )
        if principal.role == Role.PLATFORM and referral.platform != principal.platform:
            raise NotFound(f"No referral {referral_id}.")
        return referral
