"""The certificate aggregate's transitions, pure: what each allows and the events it returns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.certificate_data import load_certificate_terms, read_certificate_terms
from chalicelib.domain.certificates import (
    Certificate,
    CertificateContent,
    StoredDocument,
    certificate_id_for,
    follow,
)
from chalicelib.domain.change import Stamp
from chalicelib.domain.errors import Conflict, NotFound
from tests.fakes import FakeApp
from tests.unit.test_services_on_fakes import PLATFORM, job, opted_in

NOW = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)


def stamp(minutes: int = 0) -> Stamp:
    return Stamp(NOW + timedelta(minutes=minutes), lambda prefix: f"{prefix}_x")


@pytest.fixture(scope="module")
def content() -> CertificateContent:
    app = FakeApp(certificates=True)
    bound = app.assignments.create(PLATFORM, job(app, opted_in(app), "d1"))
    certificate: Certificate = app.store.get("certificate", PLATFORM, certificate_id_for(bound.id))
    return certificate.revisions[0].content


def opened(content: CertificateContent, review: bool = False) -> Certificate:
    change = Certificate.open(
        "crt_1", PLATFORM, "assignment", "asg_1", "ctr_1", content, review, stamp()
    )
    assert change.expected_version is None and change.events == ()
    return change.state


def document(revision: int = 1) -> StoredDocument:
    return StoredDocument(key=f"k{revision}", sha256="ab" * 32, size=1000, stored_at=NOW)


def test_a_new_certificate_is_pending_until_stored_then_issued(content):
    certificate = opened(content)
    assert certificate.status_at(NOW) == "pending" and certificate.pending_document
    change = certificate.stored(1, document(), stamp(1))
    assert change is not None
    assert change.state.status_at(NOW) == "valid"
    assert [e.type for e in change.events] == ["certificate.issued"]
    assert change.state.stored(1, document(), stamp(2)) is None  # stored once


def test_the_same_content_is_no_new_revision_and_a_change_supersedes(content):
    certificate = opened(content)
    assert certificate.revise(content, False, stamp(1)) is None
    moved = content.model_copy(update={"operations": [*content.operations, "Moved a day."]})
    revised = certificate.revise(moved, False, stamp(1))
    assert revised is not None
    state = revised.state
    assert [r.status for r in state.revisions] == ["superseded", "pending"]
    assert state.current.content.revision == 2 and state.current.content.number == state.number
    stored = state.stored(2, document(2), stamp(2))
    assert stored is not None
    assert [e.type for e in stored.events] == ["certificate.revised"]
    # The first revision stored late stays superseded (recorded, no event).
    late = stored.state.stored(1, document(1), stamp(3))
    assert late is not None
    assert late.state.revisions[0].status == "superseded" and late.events == ()


def test_void_once_and_follow_decides_open_revise_void(content):
    certificate = opened(content)
    voided = certificate.void("assignment cancelled", stamp(1))
    assert voided is not None
    assert [e.type for e in voided.events] == ["certificate.voided"]
    assert voided.state.void("again", stamp(2)) is None
    common = dict(
        certificate_id="crt_1",
        platform=PLATFORM,
        subject_type="assignment",
        subject="asg_1",
        contractor="ctr_1",
        review_required=False,
        void_reason="gone",
        stamp=stamp(),
    )
    assert follow(None, None, **common) is None
    assert follow(None, content, **common).state.revision == 1
    assert follow(certificate, None, **common).state.current.status == "void"
    assert follow(certificate, content, **common) is None


def test_expired_after_the_period_superseded_never_expires(content):
    certificate = opened(content)
    valid = certificate.stored(1, document(), stamp()).state
    end = content.period.end
    assert valid.status_at(end - timedelta(seconds=1)) == "valid"
    assert valid.status_at(end) == "expired"
    with pytest.raises(NotFound):
        valid.revision_of(7)


def test_review_pending_then_decided_once_rejection_voids(content):
    certificate = opened(content, review=True)
    assert certificate.awaiting_review() and certificate.current.review == "pending"
    approved = certificate.decide_review("approved", "ok", "key_uw", stamp(1))
    assert [e.type for e in approved.events] == ["certificate.reviewed"]
    with pytest.raises(Conflict):
        approved.state.decide_review("rejected", None, "key_uw", stamp(2))
    rejected = certificate.decide_review("rejected", "no", "key_uw", stamp(1))
    assert rejected.state.current.status == "void"
    assert [e.type for e in rejected.events] == ["certificate.reviewed", "certificate.voided"]
    # A new revision goes back to review.
    moved = content.model_copy(update={"operations": ["Fixed."]})
    again = rejected.state.revise(moved, True, stamp(3))
    assert again is not None and again.state.awaiting_review()


def test_every_program_has_certificate_terms_and_california_reviews():
    terms = load_certificate_terms()
    assert terms.program("california-wc").review == "underwriter"
    assert terms.program("california-wc").waiver_job_details
    assert terms.program("multistate-wc").review == "none"
    assert read_certificate_terms().programs == terms.programs
