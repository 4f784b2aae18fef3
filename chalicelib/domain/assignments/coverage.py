"""Coverage for one dispatch: which policy covers each line, at what rate, and why not.

Pure evaluation over what the bind's read round loaded (`BindContext`): no I/O, no clock read
(`now` is passed in). The assignment aggregate turns the result into a change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from chalicelib.domain.applicant import contractor_facts, endorsements_for
from chalicelib.domain.assignments.lines import (
    AdditionalInsured,
    LineCoverage,
    LineStatus,
    Pay,
    Window,
)
from chalicelib.domain.clock import utc_today
from chalicelib.domain.parties import Address, Contractor, Customer, Requirements
from chalicelib.domain.policies import Policy, coverage_gap
from chalicelib.domain.rating import (
    EndorsementRequest,
    RatedLine,
    monopolistic_state_reason,
    rate_line,
)
from chalicelib.domain.reasons import Reason
from chalicelib.domain.reference import ReferenceData
from chalicelib.domain.underwriting import Rulebook, UnderwritingFacts, evaluate_rule

# Rules of each program's rulebook that apply to a single dispatch (the rest are term rules,
# already applied when the policy was quoted).
ASSIGNMENT_RULE_CODES = frozenset(
    {"backdated", "waiver_backdated", "waiver_backdating_requires_approval"}
)
GL_AI_FORMS = ["CG 20 10", "CG 20 37"]


@dataclass(frozen=True)
class BindContext:
    """What binding an assignment reads, in one round."""

    contractor: Contractor | None
    customer: Customer | None
    existing_assignment: str | None
    policies: list[Policy]
    # (line, policy) whose waiver minimum is booked for this customer -> the assignment holding it
    waivers_booked: dict[tuple[str, str], str]

    def waivers_held_by_others(self, assignment_id: str) -> frozenset[tuple[str, str]]:
        return frozenset(k for k, holder in self.waivers_booked.items() if holder != assignment_id)


@dataclass(frozen=True)
class AssignmentInput:
    external_id: str
    contractor: str
    customer: str | None
    trade: str
    description: str | None
    work_address: Address
    window: Window
    pay: Pay
    lines: tuple[str, ...]
    requirements: dict[str, bool] | None
    bind: bool
    # An underwriter's decision on the assignment's referral (re-evaluation after it).
    referral_decision: Literal["approved", "declined"] | None = None


@dataclass(frozen=True)
class CoverageEvaluator:
    """Rates and underwrites each requested line of a dispatch under the contractor's policies."""

    reference: Callable[[], ReferenceData]
    rulebook: Callable[[str], Rulebook]
    trade_profile: Callable[[str], Any]

    def evaluate(
        self,
        request: AssignmentInput,
        context: BindContext,
        requirements: Requirements,
        assignment_id: str,
        now: datetime,
    ) -> dict[str, LineCoverage]:
        return {
            line: self._line(request, context, line, requirements, assignment_id, now)
            for line in request.lines
        }

    def _policy_for(
        self, context: BindContext, line: str, state: str, trade: str, window: Window
    ) -> tuple[Policy | None, list[Reason]]:
        """The newest policy that covers this line for this work, or every reason none does."""
        gaps: list[Reason] = []
        start, end = window.start.date(), window.end.date()
        for policy in sorted(context.policies, key=lambda p: p.id, reverse=True):
            gap = coverage_gap(policy, line, state, trade, start, end)
            if gap is None:
                return policy, []
            if gap.code != "line_not_on_policy":
                gaps.append(gap)
        if not gaps:
            gaps.append(
                Reason(
                    code="no_active_policy",
                    message=f"The contractor has no policy with {line.upper()}; opt in with "
                    "POST /v1/policies.",
                )
            )
        return None, _prefer_specific(gaps)

    def _line(
        self,
        request: AssignmentInput,
        context: BindContext,
        line: str,
        requirements: Requirements,
        assignment_id: str,
        now: datetime,
    ) -> LineCoverage:
        contractor = context.contractor
        assert contractor is not None
        state = request.work_address.state
        if line == "wc" and (monopolistic := monopolistic_state_reason(self.reference(), state)):
            return LineCoverage(status="uncovered", state=state, reasons=[monopolistic])
        if request.window.end <= now and request.referral_decision is None:
            closed = Reason(
                code="window_closed",
                message=f"The window ended at {request.window.end.isoformat()}, before this "
                "request: coverage cannot start after the work is done.",
            )
            return LineCoverage(status="uncovered", state=state, reasons=[closed])
        policy, gaps = self._policy_for(context, line, state, request.trade, request.window)
        if policy is None:
            return LineCoverage(status="uncovered", state=state, reasons=gaps)
        program_id = policy.lines[line].program
        wanted, unnamed = _named_endorsements(line, requirements, context)
        holder = context.waivers_booked.get((line, policy.id))
        booked = holder is not None and holder != assignment_id
        rated = rate_line(
            self.reference(),
            program_id,
            request.trade,
            state,
            request.pay.job_pay_cents(),
            hourly_wage_cents=request.pay.hourly_wage_cents(),
            el_limits=policy.lines[line].el_limits if line == "wc" else None,
            experience_mod=contractor.experience_mod,
            endorsements=[
                EndorsementRequest(code=code, minimum_already_booked=booked) for code in wanted
            ],
        )
        if not isinstance(rated, RatedLine):
            return LineCoverage(
                status="uncovered",
                policy=policy.id,
                program=program_id,
                state=state,
                reasons=[rated.reason],
            )
        decision_reasons, status = self._assignment_rules(
            program_id, request, contractor, rated, now
        )
        if status == "referred" and request.referral_decision == "approved":
            status = "bound"
        elif status == "referred" and request.referral_decision == "declined":
            status = "uncovered"
            decision_reasons.append(
                Reason(code="referral_declined", message="The underwriter declined the referral.")
            )
        premium = rated.premium
        per_dispatch = self.reference().program(program_id).per_dispatch
        term_total = sum(charge.amount_cents for charge in premium.term_charges)
        final: LineStatus = "quoted" if status == "bound" and not request.bind else status
        if not per_dispatch:
            term_total = 0
            decision_reasons.append(
                Reason(
                    code="annual_program_exposure",
                    message=f"{program_id} is written on estimated annual premium: this job is "
                    "exposure under the policy's premium, trued up by the final audit, not "
                    "premium of its own.",
                )
            )
        booked_cents = premium.total_cents + term_total if per_dispatch else 0
        return LineCoverage(
            status=final,
            policy=policy.id,
            program=program_id,
            state=state,
            class_code=rated.class_code,
            class_description=rated.class_description,
            rate_per_100=rated.rate_per_100,
            premium_cents=booked_cents if final == "bound" else 0,
            premium=premium,
            endorsements=[
                {"code": e.code, "form": e.form, "charge_cents": e.charge_cents}
                for e in premium.endorsements
            ],
            additional_insureds=self._additional_insureds(line, requirements, context, premium),
            waiver_minimum_booked=term_total > 0,
            per_dispatch=per_dispatch,
            reasons=[*decision_reasons, *rated.reasons, *unnamed],
        )

    def _additional_insureds(
        self, line: str, requirements: Requirements, context: BindContext, premium: Any
    ) -> list[AdditionalInsured]:
        """GL names the customer-of-record (ongoing and completed operations); WC never."""
        offered = {e.code for e in premium.endorsements}
        if line != "gl" or context.customer is None or "additional_insured" not in offered:
            return []
        customer = context.customer
        return [
            AdditionalInsured(
                customer=customer.id,
                name=customer.name,
                address=customer.address,
                forms=GL_AI_FORMS,
                primary_noncontributory=requirements.primary_noncontributory,
            )
        ]

    def _assignment_rules(
        self,
        program_id: str,
        request: AssignmentInput,
        contractor: Contractor,
        rated: RatedLine,
        now: datetime,
    ) -> tuple[list[Reason], LineStatus]:
        """The program's dispatch-level rules (backdating...) over this assignment's facts."""
        rulebook = self.rulebook(program_id)
        profile = self.trade_profile(request.trade)
        facts = UnderwritingFacts(
            state=request.work_address.state,
            trade=request.trade,
            contractor_type=profile.contractor_type,
            preferred_class=profile.preferred_class,
            contractor=contractor_facts(contractor),
            effective_date=request.window.start.date(),
            expiration_date=request.window.end.date(),
            bind_date=utc_today(now),
            estimated_premium_cents=rated.premium.total_cents,
            modified_premium_cents=rated.premium.modified_premium_cents,
        )
        fired: list[tuple[str, Reason]] = []
        for rule in rulebook.rules:
            if rule.code in ASSIGNMENT_RULE_CODES:
                reason = evaluate_rule(rule, facts, rulebook.term_lists)
                if reason is not None:
                    fired.append((rule.outcome, reason))
        outcomes = {outcome for outcome, _ in fired}
        status: LineStatus = (
            "uncovered" if "decline" in outcomes else "referred" if "refer" in outcomes else "bound"
        )
        return [reason for _, reason in fired], status


def _named_endorsements(
    line: str, requirements: Requirements, context: BindContext
) -> tuple[tuple[str, ...], list[Reason]]:
    """The requirements' endorsements; a specific waiver or an additional insured names the
    customer-of-record, so without one they are left off, each with its reason."""
    wanted = endorsements_for(line, requirements)
    if context.customer is not None:
        return wanted, []
    unnamed = {
        "waiver_of_subrogation_specific": "waiver_not_available",
        "additional_insured": "additional_insured_not_available",
    }
    # Primary and non-contributory wording only means something toward an additional insured.
    unnamed["primary_noncontributory"] = "primary_noncontributory_not_available"
    reasons = [
        Reason(
            code=unnamed[code],
            message=f"{code.replace('_', ' ')} needs a named customer-of-record; the assignment "
            "has none, so the line binds without it.",
        )
        for code in wanted
        if code in unnamed
    ]
    return tuple(code for code in wanted if code not in unnamed), reasons


_SPECIFICITY = [
    "monopolistic_state",
    "policy_pending_payment",
    "outside_policy_term",
    "state_not_written",
    "trade_not_written",
    "no_active_policy",
]


def _prefer_specific(gaps: list[Reason]) -> list[Reason]:
    """One reason per code, most actionable first."""
    unique = {gap.code: gap for gap in gaps}
    order = {code: index for index, code in enumerate(_SPECIFICITY)}
    return sorted(unique.values(), key=lambda gap: order.get(gap.code, len(order)))
