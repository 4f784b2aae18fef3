"""Certificates as the API shows them (API.md "Certificates"), and the public verify answer."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, StringConstraints

from chalicelib.api.schemas.common import Cursor, QueryModel, RequestModel, ResponseModel

if TYPE_CHECKING:  # the certificate domain pulls in assignments, quotes and routing
    from chalicelib.domain.certificates import Certificate, CoverageRow, Party, Period, Revision


class PartyOut(ResponseModel):
    name: str
    """The party's name."""
    address: list[str]
    """The address, line by line."""

    @classmethod
    def of(cls, party: Party | None) -> PartyOut | None:
        return cls(name=party.name, address=list(party.address)) if party else None


class PeriodOut(ResponseModel):
    kind: Literal["dispatch_window", "policy_term"]
    """`dispatch_window` (per-dispatch programs) or `policy_term` (annual ones)."""
    start: datetime
    """When coverage starts."""
    end: datetime
    """When coverage ends."""
    time_zone: str = Field(description="The zone the period is printed in: `UTC` or `UTC-05:00`.")

    @classmethod
    def of(cls, period: Period) -> PeriodOut:
        return cls(kind=period.kind, start=period.start, end=period.end, time_zone=period.time_zone)


class InsurerOut(ResponseModel):
    letter: str
    """The insurer's letter on the form (A, B...)."""
    name: str
    """The insurance company."""
    naic: str | None
    """Its NAIC code, when known."""


class LimitOut(ResponseModel):
    label: str
    """The limit's name as printed (`EACH OCCURRENCE`, `E.L. EACH ACCIDENT`...)."""
    amount_cents: int
    """The limit, in cents."""


class CertificateLineOut(ResponseModel):
    line: Literal["gl", "wc"]
    """`gl` or `wc`."""
    insurer: InsurerOut
    """The insurer affording the coverage."""
    policy: str
    """The policy's ID (`pol_...`)."""
    policy_number: str
    """The policy number printed."""
    additional_insured: bool
    """ADDL INSD: the holder is additional insured."""
    waiver_of_subrogation: bool
    """SUBR WVD: a waiver of subrogation in the holder's favour."""
    period: PeriodOut
    """The period printed for the line."""
    limits: list[LimitOut]
    """The limits printed for the line."""
    per_statute: bool
    """WC: statutory limits (`PER STATUTE`)."""
    proprietor_excluded: bool | None
    """WC: whether the proprietor, partners or officers are excluded; null for GL."""

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
    """`assignment` (one dispatch) or `policy` (the tech's standing proof of coverage)."""
    id: str
    """The assignment's or policy's ID."""


class CertificateOut(ResponseModel):
    id: str
    object: Literal["certificate"] = "certificate"
    number: str
    """The certificate number (unguessable), printed and verifiable at `GET /v1/verify/{number}`."""
    revision: int
    """The current revision; a PATCH of the job issues the next."""
    status: Literal["pending", "valid", "superseded", "void", "expired"]
    """`pending` (still being issued), `valid`, `superseded`, `void` or `expired`."""
    review: Literal["pending", "approved", "rejected"] | None = Field(
        default=None, description="Programs whose underwriter reviews certificates (California)."
    )
    review_note: str | None = None
    """The underwriter's note on the review."""
    subject: SubjectOut
    """What the certificate is for."""
    contractor: str
    """The insured contractor (`ctr_...`)."""
    insured: PartyOut
    """The insured as printed."""
    holder: PartyOut | None
    """The certificate holder (the customer-of-record), if any."""
    lines: list[CertificateLineOut]
    """Each line as printed."""
    period: PeriodOut
    """The period printed."""
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
    """The certificate's ID (`crt_...`)."""
    number: str
    """The certificate number."""
    revision: int
    """The current revision."""
    status: Literal["pending", "valid", "superseded", "void", "expired"]
    """`pending`, `valid`, `superseded`, `void` or `expired`."""
    url: str | None
    """A link to the PDF valid for at most 15 minutes; null while `pending`."""


class RevisionOut(ResponseModel):
    revision: int
    """The revision's number, from 1."""
    status: Literal["pending", "valid", "superseded", "void", "expired"]
    """`pending`, `valid`, `superseded`, `void` or `expired`."""
    review: Literal["pending", "approved", "rejected"] | None
    """The underwriter's review of this revision, where the program reviews certificates."""
    created_at: datetime
    stored_at: datetime | None
    """When the PDF was stored; null while pending."""
    sha256: str | None
    """The PDF's SHA-256, hex."""
    size: int | None
    """The PDF's size in bytes."""
    url: str | None
    """A link to this revision's PDF valid for at most 15 minutes."""

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
    """`gl` or `wc`."""
    insurer: str
    """The insurance company."""
    naic: str | None
    """Its NAIC code."""
    policy_number: str
    """The policy number."""
    additional_insured: bool
    """Whether the holder is additional insured."""
    waiver_of_subrogation: bool
    """Whether a waiver of subrogation favours the holder."""
    period: PeriodOut
    """The line's period."""


class VerifyOut(ResponseModel):
    """What a property manager needs to trust the PDF; nothing more (no premium, TIN, contact)."""

    number: str
    """The certificate number."""
    revision: int
    """The revision verified."""
    current_revision: int
    """The certificate's current revision (a higher one supersedes this)."""
    status: Literal["pending", "valid", "superseded", "void", "expired"]
    """The revision's status: only `valid` is proof of coverage."""
    insured_name: str
    """The named insured."""
    holder_name: str | None
    """The certificate holder's name, if any."""
    period: PeriodOut
    """The period of coverage."""
    lines: list[VerifyLineOut]
    """Each line's insurer, policy number and period."""
    review: Literal["pending", "approved", "rejected"] | None = None
    """The underwriter's review, where the program reviews certificates."""

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
    """The review status to list (default `pending`: the underwriter's queue)."""
    limit: int = Field(default=20, ge=1, le=100)
    starting_after: Cursor | None = None


class RevisionQuery(QueryModel):
    revision: int | None = Field(default=None, ge=1, le=100_000)
    """A revision number (default: the current one)."""


class ReviewDecision(RequestModel):
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None
    """The underwriter's note, kept on the certificate."""
