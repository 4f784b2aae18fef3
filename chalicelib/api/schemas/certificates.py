"""Certificates as the API shows them (API.md "Certificates"), and the public verify answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from chalicelib.api.schemas.common import Cursor, QueryModel, RequestModel, ResponseModel
from chalicelib.domain.certificates import Certificate, CoverageRow, Party, Period, Revision


class PartyOut(ResponseModel):
    name: str
    address: list[str]

    @classmethod
    def of(cls, party: Party | None) -> PartyOut | None:
        return cls(name=party.name, address=list(party.address)) if party else None


class PeriodOut(ResponseModel):
    kind: Literal["dispatch_window", "policy_term"]
    start: datetime
    end: datetime
    time_zone: str = Field(description="The zone the period is printed in: `UTC` or `UTC-05:00`.")

    @classmethod
    def of(cls, period: Period) -> PeriodOut:
        return cls(kind=period.kind, start=period.start, end=period.end, time_zone=period.time_zone)


class InsurerOut(ResponseModel):
    letter: str
    name: str
    naic: str | None


class LimitOut(ResponseModel):
    label: str
    amount_cents: int


class CertificateLineOut(ResponseModel):
    line: Literal["gl", "wc"]
    insurer: InsurerOut
    policy: str
    policy_number: str
    additional_insured: bool
    waiver_of_subrogation: bool
    period: PeriodOut
    limits: list[LimitOut]
    per_statute: bool
    proprietor_excluded: bool | None

    @classmethod
    def of(cls, row: CoverageRow, insurers: dict[str, InsurerOut]) -> CertificateLineOut:
        return cls(
            line=row.line,
            insurer=insurers[row.insurer],
            policy=row.policy,
            policy_number=row.policy_number,
            additional_insured=row.additional_insured,
            waiver_of_subrogation=row.waiver,
            period=PeriodOut.of(row.period),
            limits=[LimitOut(label=x.label, amount_cents=x.amount_cents) for x in row.limits],
            per_statute=row.per_statute,
            proprietor_excluded=row.proprietor_excluded,
        )


def _lines(revision: Revision) -> list[CertificateLineOut]:
    insurers = {
        i.letter: InsurerOut(letter=i.letter, name=i.name, naic=i.naic)
        for i in revision.content.insurers
    }
    return [CertificateLineOut.of(row, insurers) for row in revision.content.coverages]


class SubjectOut(ResponseModel):
    type: Literal["assignment", "policy"]
    id: str


class CertificateOut(ResponseModel):
    id: str
    object: Literal["certificate"] = "certificate"
    number: str
    revision: int
    status: Literal["pending", "valid", "superseded", "void", "expired"]
    review: Literal["pending", "approved", "rejected"] | None = Field(
        default=None, description="Programs whose underwriter reviews certificates (California)."
    )
    review_note: str | None = None
    subject: SubjectOut
    contractor: str
    insured: PartyOut
    holder: PartyOut | None
    lines: list[CertificateLineOut]
    period: PeriodOut
    description: list[str] = Field(description="The description of operations, line by line.")
    url: str | None = Field(
        description="A link to the PDF valid for at most 15 minutes; null while `pending`."
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, certificate: Certificate, now: datetime, url: str | None) -> CertificateOut:
        current = certificate.current
        insured = PartyOut.of(current.content.insured)
        assert insured is not None
        return cls(
            id=certificate.id,
            number=certificate.number,
            revision=current.revision,
            status=certificate.status_at(now),
            review=certificate.review.status if certificate.review else None,
            review_note=certificate.review.note if certificate.review else None,
            subject=SubjectOut(type=certificate.subject_type, id=certificate.subject),
            contractor=certificate.contractor,
            insured=insured,
            holder=PartyOut.of(current.content.holder),
            lines=_lines(current),
            period=PeriodOut.of(current.content.period),
            description=list(current.content.operations),
            url=url,
            created_at=certificate.created_at,
            updated_at=certificate.updated_at,
        )


class CertificateRef(ResponseModel):
    """What an assignment shows of its certificate."""

    id: str
    number: str
    revision: int
    status: Literal["pending", "valid", "superseded", "void", "expired"]
    url: str | None


class RevisionOut(ResponseModel):
    revision: int
    status: Literal["pending", "valid", "superseded", "void", "expired"]
    review: Literal["pending", "approved", "rejected"] | None
    created_at: datetime
    stored_at: datetime | None
    sha256: str | None
    size: int | None
    url: str | None

    @classmethod
    def of(cls, revision: Revision, now: datetime, url: str | None) -> RevisionOut:
        document = revision.document
        return cls(
            revision=revision.revision,
            status=revision.status_at(now),
            review=revision.review,
            created_at=revision.created_at,
            stored_at=document.stored_at if document else None,
            sha256=document.sha256 if document else None,
            size=document.size if document else None,
            url=url,
        )


class VerifyLineOut(ResponseModel):
    line: Literal["gl", "wc"]
    insurer: str
    naic: str | None
    policy_number: str
    additional_insured: bool
    waiver_of_subrogation: bool
    period: PeriodOut


class VerifyOut(ResponseModel):
    """What a property manager needs to trust the PDF; nothing more (no premium, TIN, contact)."""

    number: str
    revision: int
    current_revision: int
    status: Literal["pending", "valid", "superseded", "void", "expired"]
    insured_name: str
    holder_name: str | None
    period: PeriodOut
    lines: list[VerifyLineOut]
    review: Literal["pending", "approved", "rejected"] | None = None

    @classmethod
    def of(cls, certificate: Certificate, revision: Revision, now: datetime) -> VerifyOut:
        content = revision.content
        insurers = {i.letter: i for i in content.insurers}
        return cls(
            number=certificate.number,
            revision=revision.revision,
            current_revision=certificate.revision,
            status=revision.status_at(now),
            insured_name=content.insured.name,
            holder_name=content.holder.name if content.holder else None,
            period=PeriodOut.of(content.period),
            lines=[
                VerifyLineOut(
                    line=row.line,
                    insurer=insurers[row.insurer].name,
                    naic=insurers[row.insurer].naic,
                    policy_number=row.policy_number,
                    additional_insured=row.additional_insured,
                    waiver_of_subrogation=row.waiver,
                    period=PeriodOut.of(row.period),
                )
                for row in content.coverages
            ],
            review=revision.review,
        )


class CertificateQuery(QueryModel):
    review: Literal["pending", "approved", "rejected"] = "pending"
    limit: int = Field(default=20, ge=1, le=100)
    starting_after: Cursor | None = None


class RevisionQuery(QueryModel):
    revision: int | None = Field(default=None, ge=1, le=100_000)


class ReviewDecision(RequestModel):
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None
