"""The certificate aggregate: one number, a revision per change of what it says.

Lifecycle (API.md "Certificates"): a revision is `pending` from the commit that decides it until
its PDF is stored, then `valid`; a new revision supersedes the one before it; a cancelled job (or
an underwriter's rejection) voids the current one; a valid certificate whose period has ended
reads `expired` (derived here from the clock the caller passes in). Events: `certificate.issued`
(revision 1 stored), `certificate.revised` (a later one stored), `certificate.voided`,
`certificate.reviewed`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.certificates.content import CertificateContent
from chalicelib.domain.change import Change, Stamp
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.events import DomainEvent

CertificateStatus = Literal["pending", "valid", "superseded", "void", "expired"]
RevisionStatus = Literal["pending", "valid", "superseded", "void"]
ReviewStatus = Literal["pending", "approved", "rejected"]
SubjectType = Literal["assignment", "policy"]


def certificate_id_for(subject_id: str) -> str:
    """One certificate per subject, found without an index: `crt_` + the subject id's body."""
    return "crt_" + subject_id.split("_", 1)[1]


class StoredDocument(BaseModel):
    """Where a revision's PDF is and what it hashes to."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    key: str
    sha256: str
    size: int
    stored_at: datetime


class Revision(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    revision: int
    status: RevisionStatus
    content: CertificateContent
    fingerprint: str
    created_at: datetime
    document: StoredDocument | None = None
    review: ReviewStatus | None = None
    void_reason: str | None = None

    def status_at(self, now: datetime) -> CertificateStatus:
        if self.status == "valid" and now >= self.content.period.end:
            return "expired"
        return self.status


class Review(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    revision: int
    status: ReviewStatus
    note: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None


class Certificate(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    id: str
    platform: str
    number: str
    subject_type: SubjectType
    subject: str
    contractor: str
    review_required: bool = False
    revisions: list[Revision]
    # The underwriter's decision on the current revision (programs that review certificates).
    review: Review | None = None
    created_at: datetime
    updated_at: datetime
    version: int = 1

    # -- reading ------------------------------------------------------------------------------
    @property
    def current(self) -> Revision:
        return self.revisions[-1]

    @property
    def revision(self) -> int:
        return self.current.revision

    @property
    def pending_document(self) -> bool:
        """The current revision is decided but its PDF is not stored yet."""
        return self.current.status == "pending"

    def status_at(self, now: datetime) -> CertificateStatus:
        return self.current.status_at(now)

    def revision_of(self, number: int | None) -> Revision:
        if number is None:
            return self.current
        for revision in self.revisions:
            if revision.revision == number:
                return revision
        raise NotFound(f"Certificate {self.number} has no revision {number}.")

    def awaiting_review(self) -> bool:
        return self.review is not None and self.review.status == "pending"

    def event(self, kind: str) -> DomainEvent:
        return DomainEvent(
            kind, self.platform, "certificate", self.id, self.model_dump(mode="json")
        )

    def _next(self, stamp: Stamp, **changes: object) -> Certificate:
        return self.model_copy(
            update={**changes, "updated_at": stamp.now, "version": self.version + 1}
        )

    def _pending_review(self, revision: int) -> Review | None:
        return Review(revision=revision, status="pending") if self.review_required else None

    # -- transitions --------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        certificate_id: str,
        platform: str,
        subject_type: SubjectType,
        subject: str,
        contractor: str,
        content: CertificateContent,
        review_required: bool,
        stamp: Stamp,
    ) -> Change[Certificate]:
        """Revision 1, pending until its PDF is stored (then `certificate.issued`)."""
        first = Revision(
            revision=1,
            status="pending",
            content=content,
            fingerprint=content.fingerprint(),
            created_at=stamp.now,
            review="pending" if review_required else None,
        )
        certificate = cls(
            id=certificate_id,
            platform=platform,
            number=content.number,
            subject_type=subject_type,
            subject=subject,
            contractor=contractor,
            review_required=review_required,
            revisions=[first],
            review=Review(revision=1, status="pending") if review_required else None,
            created_at=stamp.now,
            updated_at=stamp.now,
        )
        return Change(certificate, expected_version=None)

    def revise(
        self, content: CertificateContent, review_required: bool, stamp: Stamp
    ) -> Change[Certificate] | None:
        """What it says changed: the next revision (pending), the current one superseded. The
        same content again is no change (None)."""
        if content.fingerprint() == self.current.fingerprint and self.current.status != "void":
            return None
        number = self.revision + 1
        older = [
            r if r.status == "void" else r.model_copy(update={"status": "superseded"})
            for r in self.revisions
        ]
        following = Revision(
            revision=number,
            status="pending",
            content=content.model_copy(update={"revision": number, "number": self.number}),
            fingerprint=content.fingerprint(),
            created_at=stamp.now,
            review="pending" if review_required else None,
        )
        updated = self._next(
            stamp,
            revisions=[*older, following],
            review_required=review_required,
            review=Review(revision=number, status="pending") if review_required else None,
        )
        return Change(updated, expected_version=self.version)

    def void(self, reason: str, stamp: Stamp) -> Change[Certificate] | None:
        """The coverage it proves is gone (a cancelled job): the current revision is void."""
        if self.current.status == "void":
            return None
        current = self.current.model_copy(update={"status": "void", "void_reason": reason})
        updated = self._next(stamp, revisions=[*self.revisions[:-1], current])
        return Change(
            updated, expected_version=self.version, events=(updated.event("certificate.voided"),)
        )

    def stored(
        self, revision: int, document: StoredDocument, stamp: Stamp
    ) -> Change[Certificate] | None:
        """The revision's PDF is stored: it is valid (unless it was superseded or voided
        meanwhile, when the document is only recorded). Stored already: no change (None)."""
        index = next((i for i, r in enumerate(self.revisions) if r.revision == revision), None)
        if index is None:
            raise NotFound(f"Certificate {self.number} has no revision {revision}.")
        before = self.revisions[index]
        if before.document is not None:
            return None
        status: RevisionStatus = "valid" if before.status == "pending" else before.status
        after = before.model_copy(update={"status": status, "document": document})
        revisions = [*self.revisions]
        revisions[index] = after
        updated = self._next(stamp, revisions=revisions)
        events: tuple[DomainEvent, ...] = ()
        if status == "valid" and before.status == "pending":
            kind = "certificate.issued" if revision == 1 else "certificate.revised"
            events = (updated.event(kind),)
        return Change(updated, expected_version=self.version, events=events)

    def decide_review(
        self,
        decision: Literal["approved", "rejected"],
        note: str | None,
        underwriter: str,
        stamp: Stamp,
    ) -> Change[Certificate]:
        """An underwriter approves or rejects the current revision; a rejection voids it."""
        if not self.awaiting_review():
            state = self.review.status if self.review else "not under review"
            raise Conflict(
                f"Certificate {self.number} is {state}; only a pending review can be decided.",
                code="review_not_pending",
            )
        review = Review(
            revision=self.revision,
            status=decision,
            note=note,
            decided_by=underwriter,
            decided_at=stamp.now,
        )
        current = self.current.model_copy(update={"review": decision})
        events = ["certificate.reviewed"]
        if decision == "rejected":
            current = current.model_copy(
                update={"status": "void", "void_reason": "rejected by the underwriter"}
            )
            events.append("certificate.voided")
        updated = self._next(stamp, revisions=[*self.revisions[:-1], current], review=review)
        return Change(
            updated,
            expected_version=self.version,
            events=tuple(updated.event(kind) for kind in events),
        )


def follow(
    current: Certificate | None,
    content: CertificateContent | None,
    *,
    certificate_id: str,
    platform: str,
    subject_type: SubjectType,
    subject: str,
    contractor: str,
    review_required: bool,
    void_reason: str,
    stamp: Stamp,
) -> Change[Certificate] | None:
    """The certificate's change that goes with its subject's: opened when coverage is first
    bound, revised when what it says changed, voided when nothing it proves is bound any more
    (`content` None). None: the certificate is untouched."""
    if content is None:
        return current.void(void_reason, stamp) if current is not None else None
    if current is None:
        return Certificate.open(
            certificate_id,
            platform,
            subject_type,
            subject,
            contractor,
            content,
            review_required,
            stamp,
        )
    return current.revise(content, review_required, stamp)
