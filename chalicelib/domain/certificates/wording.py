"""The words on a certificate: dates, zones and money as ACORD 25 prints them, the lines it
shows, the job line, and the endorsement and California waiver statements of its description of
operations (content.py assembles them)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from chalicelib.domain.assignments import Assignment, LineCoverage
from chalicelib.domain.certificates.terms import CertificateTerms, ProgramCertificateTerms
from chalicelib.domain.parties import Address, Customer
from chalicelib.domain.rating import WAIVER_CODES

if TYPE_CHECKING:
    from chalicelib.domain.certificates.content import Period

# ACORD 25 lists general liability before workers compensation.
LINE_ORDER = ("gl", "wc")
DESCRIPTION_CHARS = 300


def zone_label(instant: datetime) -> str:
    """`UTC` or `UTC-05:00`: the offset the instant was given in."""
    offset = instant.utcoffset() or timedelta(0)
    if not offset:
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def us_date(day: date) -> str:
    return day.strftime("%m/%d/%Y")


def when(instant: datetime) -> str:
    """`12/01/2026 08:00` in the instant's own offset."""
    return instant.strftime("%m/%d/%Y %H:%M")


def address_lines(address: Address) -> list[str]:
    return [address.line1, f"{address.city}, {address.state} {address.postal_code}"]


def one_line(address: Address) -> str:
    return ", ".join(address_lines(address))


def money(cents: int) -> str:
    return f"${cents / 100:,.2f}"


def _duration(period: Period) -> str:
    hours = (period.end - period.start).total_seconds() / 3600
    if hours < 48:
        return f"{hours:g} hours"
    return f"{hours / 24:g} days"


# -- building -----------------------------------------------------------------------------------


def bound_lines(assignment: Assignment) -> list[tuple[str, LineCoverage]]:
    """The lines a certificate shows: bound ones, GL first; none once the job is cancelled."""
    if assignment.status == "cancelled":
        return []
    return [
        (line, assignment.coverage[line])
        for line in LINE_ORDER
        if line in assignment.coverage
        and assignment.coverage[line].status == "bound"
        and assignment.coverage[line].policy is not None
        and assignment.coverage[line].program is not None
    ]


def certified_programs(assignment: Assignment) -> list[str]:
    return [str(covered.program) for _, covered in bound_lines(assignment)]


def endorsed(covered: LineCoverage, codes: frozenset[str]) -> list[str]:
    return [
        str(e.get("form") or e.get("code")) for e in covered.endorsements if e.get("code") in codes
    ]


def job_line(assignment: Assignment) -> str:
    trade = assignment.trade.replace("_", " ")
    text = f"Job {assignment.external_id} ({assignment.id}): {trade}"
    if assignment.description:
        description = assignment.description.strip()
        if len(description) > DESCRIPTION_CHARS:
            description = description[: DESCRIPTION_CHARS - 1].rstrip() + "…"
        text += f": {description}"
    return text + ("" if text.endswith((".", "…")) else ".")


def endorsement_statements(
    assignment: Assignment, holder_name: str, terms: CertificateTerms
) -> list[str]:
    statements: list[str] = []
    gl = assignment.coverage.get("gl")
    if gl is not None and gl.status == "bound" and gl.additional_insureds:
        forms = sorted({form for ai in gl.additional_insureds for form in ai.forms})
        statements.append(
            terms.wording.additional_insured.format(holder=holder_name, forms=", ".join(forms))
        )
        pnc = endorsed(gl, frozenset({"primary_noncontributory"}))
        if pnc or any(ai.primary_noncontributory for ai in gl.additional_insureds):
            statements.append(
                terms.wording.primary_noncontributory.format(
                    holder=holder_name, forms=", ".join(pnc) or "CG 20 01"
                )
            )
    waived = [
        (line, endorsed(covered, WAIVER_CODES))
        for line, covered in bound_lines(assignment)
        if endorsed(covered, WAIVER_CODES)
    ]
    if waived:
        names = {"gl": "general liability", "wc": "workers compensation"}
        statements.append(
            terms.wording.waiver.format(
                holder=holder_name,
                lines=" and ".join(names[line] for line, _ in waived),
                forms=", ".join(sorted({form for _, forms in waived for form in forms})),
            )
        )
    return statements


def waiver_job_details(
    assignment: Assignment,
    holder: Customer,
    window: Period,
    waived: list[tuple[str, LineCoverage, ProgramCertificateTerms]],
    terms: CertificateTerms,
) -> list[str]:
    """The California guidelines' list for a waiver certificate: job length, work described, job
    reference and location, the requesting party's name and address, class codes and payroll."""
    wanted = [(line, covered) for line, covered, t in waived if t.waiver_job_details]
    if not wanted:
        return []
    pay = money(assignment.pay.job_pay_cents())
    details = [
        terms.wording.waiver_job_details_heading,
        f"Length of job: {_duration(window)}, {when(window.start)} to {when(window.end)} "
        f"{window.time_zone}.",
        f"Work performed: {assignment.description or assignment.trade.replace('_', ' ')}"[
            : DESCRIPTION_CHARS + 16
        ],
        f"Job reference: {assignment.external_id} ({assignment.id}); location: "
        f"{one_line(assignment.work_address)}.",
        f"Requesting party: {holder.name}, {one_line(holder.address)}.",
    ]
    for line, covered in wanted:
        details.append(
            f"{line.upper()} class {covered.class_code} {covered.class_description or ''}".rstrip()
            + f"; payroll for this job {pay}."
        )
    return details
