"""What a certificate prints that the rating data does not hold: the certificate terms data file.

`chalicelib/data/certificates.json` (validated here, loaded once per process by
`chalicelib/certificate_data.py`): the producer, each program's NAIC number, GL limits, the
proprietor/officer box, whether an underwriter reviews its certificates, and the wording of the
additional insured, waiver and primary & non-contributory statements. A program missing here
cannot have its lines certified (the loader checks every program in `programs.json` is listed).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Contact(_Data):
    name: str
    phone: str
    email: str


class Producer(_Data):
    name: str
    address: list[str]
    contact: Contact
    sample: bool = False


class LimitTerm(_Data):
    label: str
    amount_cents: int = Field(ge=0)


class ProgramCertificateTerms(_Data):
    """One program's certificate facts; `source` says where each comes from."""

    naic: str | None = None
    # GL: the limits printed (ACORD 25's six CGL limits); WC: E.L. limits come from the policy.
    limits: list[LimitTerm] = []
    claims_made: bool = False
    aggregate_applies_per: Literal["policy", "project", "location"] | None = None
    # WC: ANY PROPRIETOR/PARTNER/EXECUTIVE OFFICER/MEMBER EXCLUDED? (per-dispatch covers the
    # working owner, so N).
    proprietor_excluded: bool | None = None
    # "underwriter": each certificate waits for an underwriter's review (a rejection voids it).
    review: Literal["none", "underwriter"] = "none"
    # The program's guidelines accept only the licensed ACORD form: the layout template must be
    # replaced by the licensed one before certificates go to holders without review.
    licensed_form_required: bool = False
    # The job facts a waiver certificate must show (the California guidelines' list).
    waiver_job_details: bool = False
    guideline_section: str | None = None
    sample: bool = False
    source: str


class Wording(_Data):
    """Statements in the description of operations; `{holder}` is the certificate holder."""

    additional_insured: str
    primary_noncontributory: str
    waiver: str
    waiver_job_details_heading: str
    per_dispatch_period: str
    annual_period: str
    review: str


class CertificateTerms(_Data):
    effective_date: date
    source: str
    form: str
    producer: Producer
    wording: Wording
    programs: dict[str, ProgramCertificateTerms]

    def program(self, program_id: str) -> ProgramCertificateTerms:
        try:
            return self.programs[program_id]
        except KeyError:
            raise KeyError(f"no certificate terms for program {program_id!r}") from None
