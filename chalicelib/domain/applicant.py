"""What a quote or a dispatch takes from its parties: the contractor's underwriting facts and
the endorsements the customer-of-record's requirements ask of each line."""

from __future__ import annotations

from chalicelib.domain.parties import Contractor, Requirements
from chalicelib.domain.underwriting import ContractorFacts, Loss, PriorCoverage


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
