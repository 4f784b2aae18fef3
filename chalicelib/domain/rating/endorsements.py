"""Endorsements asked for on a line: which exist, and which the program gives in the state."""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.domain.rating.breakdown import Frozen
from chalicelib.domain.reasons import Reason, guideline_citation
from chalicelib.domain.reference import EndorsementTerms, Program, RatingInputError

WAIVER_CODES = frozenset({"waiver_of_subrogation_specific", "waiver_of_subrogation_blanket"})
ENDORSEMENT_CODES = WAIVER_CODES | {"additional_insured", "primary_noncontributory"}


class EndorsementRequest(Frozen):
    """An endorsement asked for; `minimum_already_booked`: its minimum was booked this term."""

    code: str
    minimum_already_booked: bool = False


def endorsement_request(item: str | EndorsementRequest) -> EndorsementRequest:
    """The request for a code or a request; RatingInputError `unknown_endorsement` if unknown."""
    if type(item) is str and (plain := _PLAIN_REQUESTS.get(item)) is not None:
        return plain
    code = item if isinstance(item, str) else item.code
    if code not in ENDORSEMENT_CODES:
        raise RatingInputError(
            "unknown_endorsement",
            f"unknown endorsement {code!r}; known: {', '.join(sorted(ENDORSEMENT_CODES))}",
        )
    return _PLAIN_REQUESTS[code] if isinstance(item, str) else item


_PLAIN_REQUESTS = {code: EndorsementRequest(code=code) for code in ENDORSEMENT_CODES}


def offered_endorsements(
    program: Program, state: str, requests: Sequence[EndorsementRequest]
) -> tuple[list[EndorsementTerms], list[Reason]]:
    """The endorsements the program gives in the state, and a reason for each it cannot."""
    offered: list[EndorsementTerms] = []
    reasons: list[Reason] = []
    for request in requests:
        terms = program.endorsement(request.code)
        if terms is not None and state not in terms.unavailable_states:
            offered.append(terms)
            continue
        code = (
            "waiver_not_available" if request.code in WAIVER_CODES else "endorsement_not_available"
        )
        where = f"in {state}" if terms is not None else "under this program"
        section = terms.guideline_section if terms is not None else None
        reasons.append(
            Reason(
                code=code,
                message=f"{request.code.replace('_', ' ')} is not available {where} "
                f"({program.id}); the line is rated without it",
                guideline=guideline_citation(program.guidelines, section)
                if section
                else program.guidelines,
            )
        )
    return offered, reasons
