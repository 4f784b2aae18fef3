"""A term's figures: the policy lines a quote binds, and the annual premium, written premium and
down payment they make."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from chalicelib.domain.calendar import add_business_days
from chalicelib.domain.money import round_cents
from chalicelib.domain.policies import Policy, PolicyLine, TermFigures
from chalicelib.domain.quotes import Quote
from chalicelib.domain.reference import ReferenceData


def policy_lines(quote: Quote, reference: ReferenceData) -> dict[str, PolicyLine]:
    """The quote's bindable lines as policy lines, with the program's states and trades."""
    lines: dict[str, PolicyLine] = {}
    for name, line in quote.bindable_lines().items():
        assert line.program is not None
        program = reference.program(line.program)
        annual = not program.per_dispatch and line.premium is not None
        charges = sum(c.amount_cents for c in line.premium.policy_charges) if line.premium else 0
        lines[name] = PolicyLine(
            program=program.id,
            carrier=program.carrier.model_dump(mode="json", include={"name", "naic"}),
            states=list(program.states),
            trades=list(program.trades),
            per_dispatch=program.per_dispatch,
            el_limits=line.premium.el_limits if line.premium else None,
            quoted_state=line.state,
            quoted_class_code=line.class_code,
            quoted_rate_per_100=str(line.rate_per_100) if line.rate_per_100 is not None else None,
            estimated_annual_premium_cents=line.premium.total_cents
            if annual and line.premium
            else None,
            policy_charges_cents=charges if annual else 0,
            referred_and_approved=line.status == "referred",
        )
    return lines


def has_down_payment(reference: ReferenceData, program_id: str) -> bool:
    return reference.program(program_id).term.down_payment is not None


def term_figures(
    lines: dict[str, PolicyLine], reference: ReferenceData, today: date
) -> TermFigures:
    """Annual lines' estimated premium, written premium (+ term charges) and down payment.

    down payment = round_half_up(line written premium x program pct), due the program's number of
    business days after the request to bind. Per-dispatch lines contribute nothing: their premium
    is earned per assignment.
    """
    annual = [line for line in lines.values() if line.estimated_annual_premium_cents is not None]
    estimated = sum(line.estimated_annual_premium_cents or 0 for line in annual) if annual else None
    written = 0
    down_payment: int | None = None
    due_by: date | None = None
    for line in annual:
        line_written = (line.estimated_annual_premium_cents or 0) + line.policy_charges_cents
        written += line_written
        terms = reference.program(line.program).term.down_payment
        if terms is not None:
            down_payment = (down_payment or 0) + round_cents(
                Decimal(line_written) / 100 * terms.pct
            )
            due_by = add_business_days(today, terms.due_business_days)
    return TermFigures(estimated, written, down_payment, due_by)


def lines_joining(policy: Policy, quote: Quote, reference: ReferenceData) -> dict[str, PolicyLine]:
    """The quote's bindable lines its policy lacks (approved after the bind); one that brings a
    down payment waits for it before it binds anything."""
    return {
        name: line.model_copy(
            update={"awaiting_down_payment": has_down_payment(reference, line.program)}
        )
        for name, line in policy_lines(quote, reference).items()
        if name not in policy.lines
    }
