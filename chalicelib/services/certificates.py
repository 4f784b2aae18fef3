"""Certificates of insurance: decided with their subject's change, issued right after its commit.

- `with_assignment(change)` / `with_policy(change)`: the certificate change that goes with a
  subject's transition (opened on bind, revised on PATCH, voided on cancel), added to the same
  `Change` so the unit of work writes both in one transaction. The new revision is `pending`.
- `after_commit(change)`: renders and stores each pending revision the commit wrote, then records
  it `valid` (a commit of its own, with `certificate.issued` / `.revised`). A failure there never
  fails the request: the certificate stays `pending` and the outbox consumer
  (`chalicelib/jobs/certificates.py`) issues it on the subject's event, with the outbox's backoff.
- Reads (`get`, `document`, `verify`, revisions, the review queue) and the underwriter's review.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal
from urllib.parse import quote

from aws_lambda_powertools.logging import Logger

from chalicelib.domain.assignments import Assignment, BindContext
from chalicelib.domain.certificates import (
    AssignmentFacts,
    Certificate,
    CertificateTerms,
    Revision,
    StoredDocument,
    assignment_content,
    bound_lines,
    certificate_id_for,
    certified_programs,
    follow,
    policy_content,
)
from chalicelib.domain.change import Change, ObjectRef, Stamp
from chalicelib.domain.errors import Conflict, NotFound, WriteConflict
from chalicelib.domain.ids import is_id_of
from chalicelib.domain.parties import Page
from chalicelib.domain.policies import Policy
from chalicelib.ports import (
    CertificateRenderer,
    CertificateRepository,
    Clock,
    DocumentStore,
    IdGenerator,
    UnitOfWork,
)
from chalicelib.request_scope import fresh_scope, write_scope

logger = Logger(service="jobcover")
STORE_ATTEMPTS = 3
# Transitions that never change what a certificate says: no read is spent on them.
UNCHANGED_BY = frozenset({"assignment.started", "assignment.completed"})
# A policy shows a standing certificate while it covers (or will cover) work.
CERTIFIED_POLICY_STATUSES = frozenset({"active", "cancellation_pending"})
# A term that ran its course keeps its certificate, which reads `expired` after the term; one
# cancelled or rescinded has it voided.
ENDED_WITH_TERM = frozenset({"expired", "non_renewed", "renewal_pending_review"})


def _no_alarm(name: str, certificate: Certificate, error: Exception) -> None:
    return None


def document_key(platform: str, certificate_id: str, revision: int) -> str:
    return f"certificates/{platform}/{certificate_id}/r{revision:04d}.pdf"


@dataclass(frozen=True)
class CertificateServices:
    certificates: CertificateRepository
    store: DocumentStore
    renderer: Callable[[], CertificateRenderer]
    uow: Callable[[], UnitOfWork]
    terms: Callable[[], CertificateTerms]
    ids: IdGenerator
    clock: Clock
    numbers: Callable[[], str]
    public_url: str
    # Called when issuing fails (a metric and a log line in production).
    on_failure: Callable[[str, Certificate, Exception], None] = _no_alarm
    # The policy a quote became (a quote referral's approval revises that policy's certificate).
    policy_of_quote: Callable[[str, str], str | None] = lambda platform, quote: None
    # Subjects as they are now (the outbox consumer reconciles certificates with them).
    assignment_of: Callable[[str, str], Assignment | None] = lambda platform, id_: None
    policy_of: Callable[[str, str], Policy | None] = lambda platform, id_: None

    def _stamp(self) -> Stamp:
        return Stamp(self.clock.now(), self.ids.new)

    def verify_url(self, number: str, revision: int) -> str:
        return f"{self.public_url.rstrip('/')}/v1/verify/{quote(number)}?revision={revision}"

    # -- with a subject's change (one commit) ---------------------------------------------------
    def with_assignment(
        self, change: Change[Assignment], context: BindContext | None = None
    ) -> Change[Assignment]:
        """The assignment's change, plus its certificate's (opened, revised or voided).

        With the bind's `context` (contractor, customer, policies, already read) a new job reads
        nothing more, and a changed one only its certificate."""
        assignment = change.state
        if not bound_lines(assignment) and change.expected_version is None:
            return change  # a new job with nothing bound has no certificate to touch
        if {event.type for event in change.events} & UNCHANGED_BY:
            return change
        if any(isinstance(related.state, Certificate) for related in change.related):
            return change  # decided already (with the bind's context)
        certificate_change = self._assignment_certificate(
            assignment, new=change.expected_version is None, context=context
        )
        if certificate_change is None:
            return change
        return replace(change, related=(*change.related, certificate_change))

    def _assignment_certificate(
        self, assignment: Assignment, *, new: bool, context: BindContext | None = None
    ) -> Change[Certificate] | None:
        """What the assignment as it is now asks of its certificate."""
        lines = bound_lines(assignment)
        certificate_id = certificate_id_for(assignment.id)
        policy_ids = [str(covered.policy) for _, covered in lines]
        if context is not None:
            current = None if new else self.certificates.get(assignment.platform, certificate_id)
            contractor, customer = context.contractor, context.customer
            policies = {p.id: p for p in context.policies if p.id in policy_ids}
        else:
            current, contractor, customer, policies = self.certificates.load(
                assignment.platform,
                certificate_id,
                assignment.contractor,
                assignment.customer,
                policy_ids,
            )
        stamp = self._stamp()
        terms = self.terms()
        content = None
        if lines and contractor is not None and set(policy_ids) <= set(policies):
            content = assignment_content(
                AssignmentFacts(assignment, contractor, customer, policies),
                terms,
                current.number if current else self.numbers(),
                current.revision + 1 if current else 1,
                stamp.now.date(),
            )
        programs = certified_programs(assignment)
        return follow(
            current,
            content,
            certificate_id=certificate_id,
            platform=assignment.platform,
            subject_type="assignment",
            subject=assignment.id,
            contractor=assignment.contractor,
            review_required=any(terms.program(p).review == "underwriter" for p in programs),
            void_reason="assignment cancelled"
            if assignment.status == "cancelled"
            else "no line of the assignment is bound",
            stamp=stamp,
        )

    def with_policy(self, change: Change[Policy]) -> Change[Policy]:
        """The policy's standing certificate: opened when it is active, revised when its lines or
        term change, voided when it no longer covers."""
        policy = change.state
        if policy.status not in CERTIFIED_POLICY_STATUSES and change.expected_version is None:
            return change
        certificate_change = self._policy_certificate(policy)
        if certificate_change is None:
            return change
        return replace(change, related=(*change.related, certificate_change))

    def _policy_certificate(self, policy: Policy) -> Change[Certificate] | None:
        certified = policy.status in CERTIFIED_POLICY_STATUSES
        certificate_id = certificate_id_for(policy.id)
        current, contractor, _, _ = self.certificates.load(
            policy.platform, certificate_id, policy.contractor, None, ()
        )
        if policy.status in ENDED_WITH_TERM:
            return None
        stamp = self._stamp()
        terms = self.terms()
        content = None
        if certified and contractor is not None:
            content = policy_content(
                policy,
                contractor,
                terms,
                current.number if current else self.numbers(),
                current.revision + 1 if current else 1,
                stamp.now.date(),
            )
        return follow(
            current,
            content,
            certificate_id=certificate_id,
            platform=policy.platform,
            subject_type="policy",
            subject=policy.id,
            contractor=policy.contractor,
            review_required=any(
                terms.program(line.program).review == "underwriter"
                for line in policy.lines.values()
            ),
            void_reason=f"policy {policy.status}",
            stamp=stamp,
        )

    def reconcile(self, platform: str, subject_id: str) -> Certificate | None:
        """Bring the subject's certificate in line with the subject as it is now, in a commit of
        its own: for changes other modules commit without it (the policy term cancels a policy
        and its upcoming jobs, reinstates, renews, expires). Nothing to change: no write."""
        for _ in range(STORE_ATTEMPTS):
            change: Change[Certificate] | None = None
            if is_id_of(subject_id, "asg"):
                assignment = self.assignment_of(platform, subject_id)
                if assignment is not None:
                    change = self._assignment_certificate(assignment, new=False)
            elif is_id_of(subject_id, "pol"):
                policy = self.policy_of(platform, subject_id)
                if policy is not None:
                    change = self._policy_certificate(policy)
            if change is None:
                return self.of_subject(platform, subject_id)
            with write_scope(fresh_scope()):
                uow = self.uow()
                uow.record(change)
                try:
                    uow.commit(ObjectRef("certificate", platform, change.state.id))
                except WriteConflict:
                    continue
            return change.state
        raise WriteConflict(f"The certificate of {subject_id} kept changing while reconciled.")

    # -- issuing: render, store, record ---------------------------------------------------------
    def after_commit(self, change: Change[Any]) -> None:
        """Issue every pending certificate revision the commit wrote; never raises."""
        for related in change.related:
            state = related.state
            if isinstance(state, Certificate) and state.pending_document:
                self.issue_quietly(state)

    def issue_quietly(self, certificate: Certificate) -> Certificate:
        try:
            return self.issue(certificate)
        except Exception as error:  # the subject's commit stands; the outbox retries
            logger.warning(
                "certificate left pending; the outbox job retries it",
                extra={"certificate": certificate.id, "error": repr(error)},
            )
            self.on_failure("CertificatePending", certificate, error)
            return certificate

    def issue(self, certificate: Certificate) -> Certificate:
        """Render and store the current pending revision, then record it valid (one S3 PUT).
        Raises when rendering or storing fails."""
        if not certificate.pending_document:
            return certificate
        revision = certificate.current
        body = self.renderer().render(
            revision.content, self.verify_url(certificate.number, revision.revision)
        )
        digest = hashlib.sha256(body).hexdigest()
        key = document_key(certificate.platform, certificate.id, revision.revision)
        self.store.put(key, body, digest)
        document = StoredDocument(
            key=key, sha256=digest, size=len(body), stored_at=self.clock.now()
        )
        return self._record_stored(certificate, revision.revision, document)

    def _record_stored(
        self, certificate: Certificate, revision: int, document: StoredDocument
    ) -> Certificate:
        current = certificate
        for _ in range(STORE_ATTEMPTS):
            change = current.stored(revision, document, self._stamp())
            if change is None:
                return current
            # A commit of its own (not the request's): its own writer and marker.
            with write_scope(fresh_scope()):
                uow = self.uow()
                uow.record(change)
                try:
                    uow.commit(ObjectRef("certificate", current.platform, current.id))
                except WriteConflict:
                    reread = self.certificates.get(current.platform, current.id)
                    if reread is None:
                        raise
                    current = reread
                    continue
            return change.state
        raise WriteConflict(f"Certificate {certificate.id} kept changing while being stored.")

    def issue_quietly_for(self, platform: str, subject_id: str) -> None:
        """A retried request found its commit done: finish what its first attempt may not have."""
        try:
            certificate = self.of_subject(platform, subject_id)
        except Exception:  # reading failed: the outbox consumer settles it
            return
        if certificate is not None and certificate.pending_document:
            self.issue_quietly(certificate)

    def settle(self, platform: str, subject_id: str) -> Certificate | None:
        """The outbox consumer's step: reconcile the subject's certificate with the subject, then
        issue it if it is pending. A quote stands for the policy it became."""
        if is_id_of(subject_id, "qte"):
            policy = self.policy_of_quote(platform, subject_id)
            if policy is None:
                return None
            subject_id = policy
        certificate = self.reconcile(platform, subject_id)
        if certificate is None:
            return None
        return self.issue(certificate)

    # -- reads ----------------------------------------------------------------------------------
    def get(self, platform: str | None, certificate_id: str) -> Certificate:
        """A platform's own certificate; `platform` None: any (underwriters)."""
        if not is_id_of(certificate_id, "crt"):
            raise NotFound(f"No certificate {certificate_id}.")
        found = (
            self.certificates.find(certificate_id)
            if platform is None
            else self.certificates.get(platform, certificate_id)
        )
        if found is None:
            raise NotFound(f"No certificate {certificate_id}.")
        return found

    def of_subject(self, platform: str, subject_id: str) -> Certificate | None:
        if not (is_id_of(subject_id, "asg") or is_id_of(subject_id, "pol")):
            return None
        return self.certificates.get(platform, certificate_id_for(subject_id))

    def ref(self, certificate: Certificate) -> dict[str, Any]:
        """What a subject shows of its certificate."""
        return {
            "id": certificate.id,
            "number": certificate.number,
            "revision": certificate.revision,
            "status": certificate.status_at(self.clock.now()),
            "url": self.url(certificate),
        }

    def ref_of(self, platform: str, subject_id: str) -> dict[str, Any] | None:
        found = self.of_subject(platform, subject_id)
        return self.ref(found) if found else None

    def refs_of(self, platform: str, subject_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Many subjects' certificates in one BatchGetItem, by subject id."""
        if not subject_ids:
            return {}
        found = self.certificates.get_many(
            platform, [certificate_id_for(subject) for subject in subject_ids]
        )
        return {c.subject: self.ref(c) for c in found}

    def url(self, certificate: Certificate, revision: Revision | None = None) -> str | None:
        """A presigned link to the revision's PDF (None until it is stored)."""
        revision = revision or certificate.current
        if revision.document is None:
            return None
        return self.store.url(
            revision.document.key, f"{certificate.number}-r{revision.revision}.pdf"
        )

    def document(
        self, platform: str | None, certificate_id: str, revision: int | None = None
    ) -> tuple[Certificate, Revision, bytes]:
        certificate = self.get(platform, certificate_id)
        chosen = certificate.revision_of(revision)
        if chosen.document is None:
            raise Conflict(
                f"Revision {chosen.revision} of certificate {certificate.number} is still "
                "pending: its document is being issued; retry in a minute.",
                code="certificate_pending",
            )
        return certificate, chosen, self.store.get(chosen.document.key)

    def verify(self, number: str, revision: int | None) -> tuple[Certificate, Revision]:
        """The public check: by number (unguessable), any revision."""
        certificate = self.certificates.by_number(number) if len(number) <= 64 else None
        if certificate is None:
            raise NotFound(f"No certificate {number}.")
        return certificate, certificate.revision_of(revision)

    def in_review(self, status: str, limit: int, starting_after: str | None) -> Page[Certificate]:
        return self.certificates.in_review(status, limit=limit, starting_after=starting_after)

    # -- the underwriter's review ----------------------------------------------------------------
    def decide_review(
        self,
        certificate_id: str,
        decision: Literal["approved", "rejected"],
        note: str | None,
        underwriter: str,
    ) -> Certificate:
        """Approve or reject the current revision (a rejection voids it), in one commit."""
        for attempt in range(STORE_ATTEMPTS):
            uow = self.uow()
            if attempt == 0 and (earlier := uow.committed_before()) is not None:
                return self.get(earlier.platform, earlier.id)
            certificate = self.get(None, certificate_id)
            change = certificate.decide_review(decision, note, underwriter, self._stamp())
            uow.record(change)
            try:
                earlier = uow.commit(ObjectRef("certificate", certificate.platform, certificate.id))
            except WriteConflict:
                if attempt == STORE_ATTEMPTS - 1:
                    raise
                continue
            return self.get(earlier.platform, earlier.id) if earlier else change.state
        raise AssertionError("unreachable")
