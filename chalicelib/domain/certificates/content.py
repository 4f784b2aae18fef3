"""What a certificate says, decided when the change that issues it is decided (pure).

`CertificateContent` is everything the ACORD 25 layout prints, in the order a property manager
reads it: date, producer, insured, insurers A-F with NAIC numbers, certificate number and
revision, one coverage row per line (insurer letter, ADDL INSD, SUBR WVD, policy number, period,
limits), the description of operations, the holder. It is kept with each revision, so a revision
renders the same PDF whenever it is rendered (a retry after a failure included).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Literal

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.assignments import Assignment, LineCoverage
from chalicelib.domain.certificates.terms import CertificateTerms, Contact, ProgramCertificateTerms
from chalicelib.domain.certificates.wording import (
    address_lines,
    bound_lines,
    endorsed,
    endorsement_statements,
    job_line,
    one_line,
    us_date,
    waiver_job_details,
    when,
    zone_label,
)
from chalicelib.domain.parties import Contractor, Customer
from chalicelib.domain.policies import Policy
from chalicelib.domain.rating import WAIVER_CODES, parse_el_limits

# ACORD 25 lists general liability before workers compensation.
LINE_ORDER = ("gl", "wc")
INSURER_LETTERS = "ABCDEF"
# The description box holds about this much of a job's own description.
PeriodKind = Literal["dispatch_window", "policy_term"]


class _Content(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class Party(_Content):
    name: str
    address: list[str]


class Insurer(_Content):
    letter: str
    name: str
    naic: str | None = None


class LimitLine(_Content):
    label: str
    amount_cents: int


class Period(_Content):
    """A coverage period and the zone its instants are printed in (`UTC-05:00`, `UTC`)."""

    kind: PeriodKind
    start: datetime
    end: datetime
    time_zone: str


class CoverageRow(_Content):
    line: Literal["gl", "wc"]
    insurer: str
    program: str
    policy: str
    policy_number: str
    additional_insured: bool
    waiver: bool
    period: Period
    limits: list[LimitLine]
    claims_made: bool = False
    aggregate_applies_per: str | None = None
    # WC only: statutory limits, and the proprietor/partner/officer box (Y/N).
    per_statute: bool = False
    proprietor_excluded: bool | None = None


class CertificateContent(_Content):
    form: str
    number: str
    revision: int
    issued_on: date
    producer: Party
    contact: Contact
    insured: Party
    insurers: list[Insurer]
    coverages: list[CoverageRow]
    operations: list[str]
    holder: Party | None
    period: Period

    def fingerprint(self) -> str:
        """What the holder would see change: everything but the number, revision and date."""
        printed = self.model_dump(mode="json", exclude={"number", "revision", "issued_on"})
        canonical = json.dumps(printed, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    @property
    def lines(self) -> list[str]:
        return [row.line for row in self.coverages]


@dataclass(frozen=True)
class AssignmentFacts:
    """What an assignment's certificate is built from, read with the change that issues it."""

    assignment: Assignment
    contractor: Contractor
    customer: Customer | None
    policies: Mapping[str, Policy]


# -- formatting ---------------------------------------------------------------------------------


def window_period(assignment: Assignment) -> Period:
    start = assignment.window.start
    tz = start.tzinfo or UTC
    end = assignment.window.end.astimezone(tz)
    return Period(kind="dispatch_window", start=start, end=end, time_zone=zone_label(start))


def term_period(policy: Policy) -> Period:
    """A policy term: its dates, midnight UTC to midnight UTC (the API's dates are UTC)."""
    return Period(
        kind="policy_term",
        start=datetime.combine(policy.effective_date, time(0), UTC),
        end=datetime.combine(policy.expiration_date, time(0), UTC),
        time_zone="UTC",
    )


class _Insurers:
    """Letters A-F in order of first appearance, one per carrier."""

    def __init__(self) -> None:
        self.listed: list[Insurer] = []

    def letter(self, carrier: Mapping[str, object], terms: ProgramCertificateTerms) -> str:
        name = str(carrier.get("name") or "Insurer")
        naic = terms.naic or (str(carrier["naic"]) if carrier.get("naic") else None)
        for insurer in self.listed:
            if (insurer.name, insurer.naic) == (name, naic):
                return insurer.letter
        if len(self.listed) == len(INSURER_LETTERS):
            raise ValueError("an ACORD 25 lists at most six insurers")
        insurer = Insurer(letter=INSURER_LETTERS[len(self.listed)], name=name, naic=naic)
        self.listed.append(insurer)
        return insurer.letter


def _limits(line: str, el_limits: str | None, terms: ProgramCertificateTerms) -> list[LimitLine]:
    if line == "gl":
        return [LimitLine(label=t.label, amount_cents=t.amount_cents) for t in terms.limits]
    each_accident, policy_limit, each_employee = parse_el_limits(el_limits or "100/500/100")
    return [
        LimitLine(label="E.L. EACH ACCIDENT", amount_cents=each_accident * 100_000),
        LimitLine(label="E.L. DISEASE - EA EMPLOYEE", amount_cents=each_employee * 100_000),
        LimitLine(label="E.L. DISEASE - POLICY LIMIT", amount_cents=policy_limit * 100_000),
    ]


def _row(
    line: str,
    policy: Policy,
    period: Period,
    insurers: _Insurers,
    terms: ProgramCertificateTerms,
    *,
    additional_insured: bool = False,
    waiver: bool = False,
) -> CoverageRow:
    policy_line = policy.lines[line]
    return CoverageRow(
        line="gl" if line == "gl" else "wc",
        insurer=insurers.letter(policy_line.carrier, terms),
        program=policy_line.program,
        policy=policy.id,
        policy_number=policy.number,
        additional_insured=additional_insured and line == "gl",
        waiver=waiver,
        period=period,
        limits=_limits(line, policy_line.el_limits, terms),
        claims_made=terms.claims_made if line == "gl" else False,
        aggregate_applies_per=terms.aggregate_applies_per if line == "gl" else None,
        per_statute=line == "wc",
        proprietor_excluded=terms.proprietor_excluded if line == "wc" else None,
    )


def assignment_content(
    facts: AssignmentFacts,
    terms: CertificateTerms,
    number: str,
    revision: int,
    issued_on: date,
) -> CertificateContent:
    """The certificate of one dispatch: the window for per-dispatch lines, the term for annual
    ones; the holder is the customer-of-record; WC never shows an additional insured."""
    assignment = facts.assignment
    insurers = _Insurers()
    window = window_period(assignment)
    holder = facts.customer
    holder_name = holder.name if holder else "the certificate holder"
    rows: list[CoverageRow] = []
    waived: list[tuple[str, LineCoverage, ProgramCertificateTerms]] = []
    operations = [job_line(assignment), f"Work address: {one_line(assignment.work_address)}."]
    operations.append(
        terms.wording.per_dispatch_period.format(
            start=when(window.start), end=when(window.end), zone=window.time_zone
        )
    )
    for line, covered in bound_lines(assignment):
        policy = facts.policies[str(covered.policy)]
        program_terms = terms.program(str(covered.program))
        period = window if covered.per_dispatch else term_period(policy)
        waiver = bool(endorsed(covered, WAIVER_CODES))
        rows.append(
            _row(
                line,
                policy,
                period,
                insurers,
                program_terms,
                additional_insured=bool(covered.additional_insureds),
                waiver=waiver,
            )
        )
        if not covered.per_dispatch:
            operations.append(
                terms.wording.annual_period.format(
                    line=line.upper(),
                    number=policy.number,
                    start=us_date(policy.effective_date),
                    end=us_date(policy.expiration_date),
                )
            )
        if waiver:
            waived.append((line, covered, program_terms))
    operations += endorsement_statements(assignment, holder_name, terms)
    if holder is not None:
        operations += waiver_job_details(assignment, holder, window, waived, terms)
    operations += _review_statement(rows, insurers, terms)
    return CertificateContent(
        form=terms.form,
        number=number,
        revision=revision,
        issued_on=issued_on,
        producer=Party(name=terms.producer.name, address=list(terms.producer.address)),
        contact=terms.producer.contact,
        insured=Party(
            name=facts.contractor.legal_name, address=address_lines(facts.contractor.address)
        ),
        insurers=insurers.listed,
        coverages=rows,
        operations=operations,
        holder=Party(name=holder.name, address=address_lines(holder.address)) if holder else None,
        period=window,
    )


def _review_statement(
    rows: list[CoverageRow], insurers: _Insurers, terms: CertificateTerms
) -> list[str]:
    """Programs whose underwriter approves each certificate say so on the certificate."""
    reviewed = [row for row in rows if terms.program(row.program).review == "underwriter"]
    if not reviewed:
        return []
    names = {i.letter: i.name for i in insurers.listed}
    carriers = " and ".join(sorted({names[row.insurer] for row in reviewed}))
    return [terms.wording.review.format(carrier=carriers)]


def policy_content(
    policy: Policy,
    contractor: Contractor,
    terms: CertificateTerms,
    number: str,
    revision: int,
    issued_on: date,
) -> CertificateContent:
    """The tech's standing proof of coverage: every line of the policy for its term, no holder
    (per-dispatch lines also get a certificate per dispatch, naming its holder)."""
    insurers = _Insurers()
    period = term_period(policy)
    rows = [
        _row(line, policy, period, insurers, terms.program(policy.lines[line].program))
        for line in LINE_ORDER
        if line in policy.lines
    ]
    operations = [
        f"Standing proof of coverage under policy {policy.number}, term "
        f"{us_date(policy.effective_date)} to {us_date(policy.expiration_date)} (dates UTC).",
    ]
    operations += _review_statement(rows, insurers, terms)
    if any(policy.lines[row.line].per_dispatch for row in rows):
        operations.append(
            "Per-dispatch lines cover each dispatch bound under this policy for its window; "
            "each dispatch has its own certificate naming its holder, additional insured and "
            "waiver where endorsed."
        )
    return CertificateContent(
        form=terms.form,
        number=number,
        revision=revision,
        issued_on=issued_on,
        producer=Party(name=terms.producer.name, address=list(terms.producer.address)),
        contact=terms.producer.contact,
        insured=Party(name=contractor.legal_name, address=address_lines(contractor.address)),
        insurers=insurers.listed,
        coverages=rows,
        operations=operations,
        holder=None,
        period=period,
    )
