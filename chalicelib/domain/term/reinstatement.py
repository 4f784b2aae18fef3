"""Reinstating a cancelled policy, or withdrawing a scheduled cancellation, under each program's
rules (the California guidelines § Reinstatements and Rescissions): who may, the account
brought current, no more than the allowed non-payment / non-report notices, and not more than
the allowed days after the cancellation date unless the company erred. A refusal is a 409 whose
details cite each rule that forbids it; a role the program reserves it from is a 403.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from chalicelib.domain.errors import Conflict, Forbidden
from chalicelib.domain.reasons import Reason
from chalicelib.domain.term.rules import ProgramTermRules, Role, TermRulebook

if TYPE_CHECKING:
    from chalicelib.domain.policies import Policy

REINSTATABLE = frozenset({"cancellation_pending", "cancelled", "rescinded"})


def _programs(policy: Policy, rulebook: TermRulebook) -> list[ProgramTermRules]:
    return [rulebook.for_program(line.program) for line in policy.lines.values()]


def check_reinstatement(policy: Policy, role: Role, rulebook: TermRulebook, today: date) -> None:
    """Raise Forbidden or Conflict (with every rule that refuses it) unless it may proceed."""
    if policy.status not in REINSTATABLE:
        raise Conflict(
            f"Policy {policy.number} is {policy.status}: only a cancelled, rescinded or "
            "pending-cancellation policy can be reinstated.",
            code="not_cancelled",
        )
    programs = _programs(policy, rulebook)
    if policy.status == "rescinded":
        if role == "platform" and any(r.rescission.rebind_requires_underwriter for r in programs):
            raise Forbidden(
                f"Policy {policy.number} was rescinded (Rescinding Bind Notice): binding it "
                "again needs the underwriter."
            )
        if today >= policy.expiration_date:
            raise Conflict(
                f"Policy {policy.number}'s term ended on {policy.expiration_date}.",
                code="term_ended",
            )
        return
    for rules in programs:
        if role not in rules.reinstatement.roles:
            reserved = " or ".join(rules.reinstatement.roles)
            cited = rules.cite(rules.reinstatement.section)
            raise Forbidden(
                f"Program {rules.program} reserves reinstatement to the {reserved}"
                + (f" ({cited})." if cited else ".")
            )
    refusals = [reason for rules in programs for reason in _refusals(policy, rules, today)]
    if refusals:
        unique = list({reason.code: reason for reason in refusals}.values())
        raise Conflict(
            f"Policy {policy.number} cannot be reinstated: "
            + "; ".join(reason.message for reason in unique),
            code="reinstatement_refused",
            details=[reason.model_dump(exclude_none=True) for reason in unique],
        )


def _refusals(policy: Policy, rules: ProgramTermRules, today: date) -> list[Reason]:
    terms = rules.reinstatement
    cancellation = policy.cancellation
    cited = rules.cite(terms.section)
    found: list[Reason] = []
    if terms.notice_limit is not None:
        sent = sum(
            1
            for notice in policy.notices
            if notice.kind == "cancellation" and notice.reason in terms.notice_reasons
        )
        if sent >= terms.notice_limit:
            found.append(
                Reason(
                    code="too_many_cancellation_notices",
                    message=f"{sent} non-payment / non-report cancellation notices were sent "
                    f"(a policy with {terms.notice_limit} is not reinstated, nor its notice "
                    "withdrawn)",
                    guideline=cited,
                )
            )
    if cancellation is None:
        return found
    exempt = terms.company_error_exempt and cancellation.reason == "company_error"
    if (
        policy.status == "cancelled"
        and terms.max_days_after_cancellation is not None
        and not exempt
        and today > cancellation.effective_date + timedelta(days=terms.max_days_after_cancellation)
    ):
        found.append(
            Reason(
                code="reinstatement_window_passed",
                message=f"more than {terms.max_days_after_cancellation} days have passed since "
                f"the cancellation date {cancellation.effective_date} and it was not the "
                "company's error",
                guideline=cited,
            )
        )
    if terms.requires_account_current and policy.paid_cents < cancellation.earned_cents:
        due = cancellation.earned_cents - policy.paid_cents
        found.append(
            Reason(
                code="account_not_current",
                message=f"the account is not current: {due} cents of earned premium are unpaid",
                guideline=cited,
            )
        )
    return found
