"""Underwriting one dispatch's line under the policy's program, pure.

Three nets, in order (API.md "Assignments"):
1. the program's dispatch rules (`scope: dispatch`: backdating, waiver details) on the job;
2. the job's `description`, screened like the application's: a hazard or a height/depth named in
   it refers the line (an underwriter looks at this job; nothing declines on one job's wording);
3. a trade the policy was not underwritten for on this line: underwritten now with the
   contractor's current facts and the policy's application answers (`scope: risk` rules and the
   application's required answers), eligible -> it binds and the class joins the policy,
   referred -> a referral, declined -> uncovered with the rule's reasons. Whether an eligible new
   class binds at once is the program's data (California's binding-authority rule refers it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from chalicelib.domain.applicant import contractor_facts
from chalicelib.domain.clock import utc_today
from chalicelib.domain.parties import Contractor
from chalicelib.domain.policies import Policy
from chalicelib.domain.rating import RatedLine
from chalicelib.domain.reasons import Reason
from chalicelib.domain.underwriting import (
    EmployersLiabilityLimits,
    OperationsFacts,
    Rule,
    Rulebook,
    RuleScope,
    UnderwritingFacts,
    WaiverRequest,
    evaluate,
    fire,
)
from chalicelib.domain.underwriting.conditions import Compare, HazardLeaf, TextMatches, leaves
from chalicelib.domain.underwriting.fact_names import FACTS

Outcome = Literal["bound", "referred", "uncovered"]
_SEVERITY = {"bound": 0, "referred": 1, "uncovered": 2}
_OUTCOMES: dict[str, Outcome] = {
    "eligible": "bound",
    "referred": "referred",
    "declined": "uncovered",
}
_RISK: frozenset[RuleScope] = frozenset({"risk"})


@dataclass(frozen=True)
class DispatchJob:
    """What of the dispatch its underwriting reads."""

    trade: str
    state: str
    line: str
    description: str | None
    start: datetime
    end: datetime
    waiver_requested: bool
    job_details_complete: bool


@dataclass(frozen=True)
class DispatchDecision:
    status: Outcome
    reasons: list[Reason]
    new_class: bool


def reads_description(rule: Rule) -> bool:
    """Whether a rule's condition reads the description (hazards, heights, depths in text)."""
    for leaf in leaves(rule.condition):
        if isinstance(leaf, HazardLeaf | TextMatches):
            return True
        if isinstance(leaf, Compare) and FACTS[leaf.fact].described is not None:
            return True
    return False


def underwrite_dispatch(
    rulebook: Rulebook,
    profile: Any,
    contractor: Contractor,
    policy: Policy,
    job: DispatchJob,
    rated: RatedLine,
    now: datetime,
) -> DispatchDecision:
    """The line's underwriting status on this dispatch and every reason for it."""
    today = utc_today(now)
    policy_line = policy.lines[job.line]
    base = UnderwritingFacts(
        state=job.state,
        trade=job.trade,
        contractor_type=profile.contractor_type,
        preferred_class=profile.preferred_class,
        contractor=contractor_facts(contractor),
        effective_date=job.start.date(),
        expiration_date=job.end.date(),
        bind_date=today,
        estimated_premium_cents=rated.premium.total_cents,
        modified_premium_cents=rated.premium.modified_premium_cents,
        employers_liability_limits=EmployersLiabilityLimits.parse(
            policy_line.el_limits or "100/500/100"
        ),
        waiver=WaiverRequest(
            kind="specific" if job.waiver_requested else "none",
            job_details_complete=job.job_details_complete if job.waiver_requested else None,
            backdated=job.waiver_requested and job.start.date() < today,
        )
        if job.line == "wc"
        else WaiverRequest(),
    )
    found: list[tuple[Outcome, Reason]] = []
    for rule in rulebook.rules:
        if rule.scope == "dispatch":
            fired = fire(rule, base, rulebook.term_lists)
            if fired is not None and fired[0] != "note":
                found.append(("uncovered" if fired[0] == "decline" else "referred", fired[1]))
    if job.description:
        found += _screen_description(rulebook, base, job.description)
    new_class = not policy.underwritten_for(job.trade, job.line)
    if new_class:
        found += _underwrite_class(rulebook, base, policy, job)
    status: Outcome = max((o for o, _ in found), key=_SEVERITY.__getitem__, default="bound")
    return DispatchDecision(status, [reason for _, reason in found], new_class)


def _screen_description(
    rulebook: Rulebook, base: UnderwritingFacts, description: str
) -> list[tuple[Outcome, Reason]]:
    """Hazards and heights/depths named in the job's description refer the line."""
    facts = base.model_copy(update={"operations": OperationsFacts(description=description)})
    found: list[tuple[Outcome, Reason]] = []
    for rule in rulebook.rules:
        if not reads_description(rule):
            continue
        fired = fire(rule, facts, rulebook.term_lists)
        if fired is None or fired[0] == "note":
            continue
        reason = fired[1]
        found.append(
            (
                "referred",
                reason.model_copy(
                    update={
                        "message": f"This dispatch's description: {reason.message} An "
                        "underwriter looks at this job before it binds."
                    }
                ),
            )
        )
    return found


def _underwrite_class(
    rulebook: Rulebook, base: UnderwritingFacts, policy: Policy, job: DispatchJob
) -> list[tuple[Outcome, Reason]]:
    """A trade not on the policy: the program's risk rules on the policy's answers (none kept:
    every required answer is missing, so it refers)."""
    application = policy.application
    facts = base.model_copy(
        update={
            "operations": OperationsFacts.model_validate(application.answers)
            if application
            else OperationsFacts(),
            "requested_coverages": frozenset(application.requested_coverages)
            if application
            else frozenset(),
        }
    )
    decision = evaluate(rulebook, facts, scopes=_RISK)
    outcome: Outcome = _OUTCOMES[decision.status]
    added = "; eligible, so the class joins the policy" if outcome == "bound" else ""
    heading = Reason(
        code="class_not_on_policy",
        message=f"{job.trade} was not underwritten on policy {policy.number} for "
        f"{job.line.upper()}: underwritten on this dispatch with the contractor's current facts "
        f"and the policy's application answers{added}.",
    )
    return [(outcome, heading), *((outcome, reason) for reason in decision.reasons)]
