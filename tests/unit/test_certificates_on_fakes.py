"""Certificates on in-memory fakes: issued with the bind (same commit, then stored once), a new
revision on PATCH, void on cancel, never lost when storing fails (the outbox retries, then an
alarm), reviewed under the California program's rule."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib.domain.certificates import certificate_id_for
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.jobs.certificates import CertificateConsumer
from chalicelib.jobs.outbox import OutboxJob
from chalicelib.jobs.registry import JobRequest
from chalicelib.services.assignments import AssignmentChanges
from tests.fakes import FakeApp
from tests.unit.test_jobs import FakeOutbox
from tests.unit.test_services_on_fakes import PLATFORM, customer, job, opted_in


@pytest.fixture
def app() -> FakeApp:
    return FakeApp(certificates=True)


def certificate_of(app: FakeApp, subject: str):
    return app.store.get("certificate", PLATFORM, certificate_id_for(subject))


def test_a_bind_writes_its_certificate_in_the_same_commit_and_stores_one_pdf(app: FakeApp):
    contractor_id = opted_in(app)
    customer_id = customer(app)
    commits, puts = app.store.commits, app.documents.puts
    bound = app.assignments.create(PLATFORM, job(app, contractor_id, "j1", customer_id=customer_id))
    assert bound.status == "bound"
    certificate = certificate_of(app, bound.id)
    # The bind's transaction (assignment + pending certificate) and the issue's (valid + event).
    assert app.store.commits == commits + 2
    assert app.documents.puts == puts + 1
    assert certificate.status_at(app.clock.now()) == "valid"
    assert certificate.revision == 1
    assert (
        certificate.current.document.sha256
        == app.documents.metadata[certificate.current.document.key]
    )
    assert certificate.current.document.key.startswith(f"certificates/{PLATFORM}/")
    assert app.store.events(certificate.id) == ["certificate.issued"]
    content = certificate.current.content
    assert content.holder.name == "Harbor Property Management"
    assert content.lines == ["gl", "wc"]
    gl, wc = content.coverages
    assert gl.additional_insured and not wc.additional_insured  # WC never has an AI
    assert content.period.start == bound.window.start


def test_a_quoted_job_has_no_certificate_until_it_binds(app: FakeApp):
    contractor_id = opted_in(app)
    quoted = app.assignments.create(PLATFORM, job(app, contractor_id, "q1", bind=False))
    assert certificate_of(app, quoted.id) is None
    app.assignments.update(PLATFORM, quoted.id, AssignmentChanges(bind=True))
    assert certificate_of(app, quoted.id).status_at(app.clock.now()) == "valid"


def test_patch_issues_the_next_revision_and_supersedes_the_first(app: FakeApp):
    contractor_id = opted_in(app)
    puts = app.documents.puts
    bound = app.assignments.create(PLATFORM, job(app, contractor_id, "p1"))
    first = certificate_of(app, bound.id)
    later = bound.window.model_copy(
        update={"start": bound.window.start + timedelta(hours=2), "end": bound.window.end}
    )
    app.assignments.update(PLATFORM, bound.id, AssignmentChanges(window=later))
    revised = certificate_of(app, bound.id)
    assert revised.number == first.number
    assert [r.status for r in revised.revisions] == ["superseded", "valid"]
    assert revised.current.content.period.start == later.start
    assert app.store.events(revised.id) == ["certificate.issued", "certificate.revised"]
    assert app.documents.puts == puts + 2


def test_start_and_complete_leave_the_certificate_alone(app: FakeApp):
    contractor_id = opted_in(app)
    bound = app.assignments.create(PLATFORM, job(app, contractor_id, "s1", start_in_hours=1))
    puts = app.documents.puts
    app.clock.advance(hours=1)
    app.assignments.start(PLATFORM, bound.id, None)
    app.assignments.complete(PLATFORM, bound.id, 42_000, None, None)
    assert certificate_of(app, bound.id).revision == 1
    assert app.documents.puts == puts


def test_cancel_voids_the_certificate_in_the_cancel_commit(app: FakeApp):
    contractor_id = opted_in(app)
    bound = app.assignments.create(PLATFORM, job(app, contractor_id, "c1"))
    commits = app.store.commits
    app.assignments.cancel(PLATFORM, bound.id, "client_request")
    assert app.store.commits == commits + 1
    voided = certificate_of(app, bound.id)
    assert voided.status_at(app.clock.now()) == "void"
    assert app.store.events(voided.id)[-1] == "certificate.voided"


def test_a_certificate_reads_expired_after_its_window(app: FakeApp):
    contractor_id = opted_in(app)
    bound = app.assignments.create(PLATFORM, job(app, contractor_id, "e1"))
    certificate = certificate_of(app, bound.id)
    assert certificate.status_at(bound.window.end - timedelta(seconds=1)) == "valid"
    assert certificate.status_at(bound.window.end) == "expired"


def outbox_with(app: FakeApp) -> FakeOutbox:
    outbox = FakeOutbox()
    for event in app.store.outbox:
        outbox.add(event)
    return outbox


@pytest.mark.parametrize("failure", ["store", "renderer"])
def test_when_issuing_fails_the_bind_stands_pending_and_the_outbox_issues_it(
    app: FakeApp, failure: str
):
    contractor_id = opted_in(app)
    broken = app.documents if failure == "store" else app.renderer
    broken.failing = ConnectionError("S3 is down")
    bound = app.assignments.create(PLATFORM, job(app, contractor_id, "f1"))
    assert bound.status == "bound"  # the bind stands: no error
    pending = certificate_of(app, bound.id)
    assert pending.status_at(app.clock.now()) == "pending"
    assert app.store.events(pending.id) == []

    alarms: list[str] = []
    consumer = CertificateConsumer(lambda: app.certificates, alarm=lambda e, x: alarms.append(e.id))
    outbox = outbox_with(app)
    run = OutboxJob(outbox, {"certificates": consumer}, app.clock)
    request = JobRequest(as_of=app.clock.now().date())
    assert run(request)["retried"] >= 1  # still failing: handed back with a backoff
    broken.failing = None
    app.clock.advance(minutes=1)
    result = run(request)
    assert result["processed"] >= 1 and "failures" not in result
    issued = certificate_of(app, bound.id)
    assert issued.status_at(app.clock.now()) == "valid"
    assert app.store.events(issued.id) == ["certificate.issued"]
    assert alarms == []


def test_after_the_last_retry_the_consumer_raises_the_alarm_and_lets_go(app: FakeApp):
    contractor_id = opted_in(app)
    app.documents.failing = ConnectionError("S3 is down")
    bound = app.assignments.create(PLATFORM, job(app, contractor_id, "f2"))
    alarms: list[str] = []
    consumer = CertificateConsumer(
        lambda: app.certificates, max_attempts=3, alarm=lambda e, x: alarms.append(e.object_id)
    )
    outbox = outbox_with(app)
    run = OutboxJob(outbox, {"certificates": consumer}, app.clock)
    for _ in range(3):
        run(JobRequest(as_of=app.clock.now().date()))
        app.clock.advance(hours=1)
    assert alarms == [bound.id]
    assert outbox.entries == {}  # settled: the alarm is the operator's cue
    assert certificate_of(app, bound.id).status_at(app.clock.now()) == "pending"


def test_another_platform_cannot_read_a_certificate(app: FakeApp):
    contractor_id = opted_in(app)
    bound = app.assignments.create(PLATFORM, job(app, contractor_id, "x1"))
    certificate = certificate_of(app, bound.id)
    assert app.certificates.get(PLATFORM, certificate.id).id == certificate.id
    with pytest.raises(NotFound):
        app.certificates.get("plt_11111111111111111111111111", certificate.id)


def test_verify_by_number_shows_each_revision_status(app: FakeApp):
    contractor_id = opted_in(app)
    bound = app.assignments.create(PLATFORM, job(app, contractor_id, "v1"))
    number = certificate_of(app, bound.id).number
    app.assignments.update(PLATFORM, bound.id, AssignmentChanges(description="Now two units"))
    now = app.clock.now()
    first = app.certificates.verify(number, 1)
    second = app.certificates.verify(number, None)
    assert first[1].status_at(now) == "superseded"
    assert second[1].revision == 2 and second[1].status_at(now) == "valid"


def test_a_review_decision_only_on_a_pending_review(app: FakeApp):
    contractor_id = opted_in(app)
    bound = app.assignments.create(PLATFORM, job(app, contractor_id, "r1"))
    certificate = certificate_of(app, bound.id)
    assert certificate.review is None  # the multistate program issues without review
    with pytest.raises(Conflict):
        app.certificates.decide_review(certificate.id, "approved", None, "key_uw")


def test_a_pending_policy_certificate_is_settled_from_its_quote_referral_event(app: FakeApp):
    app.documents.failing = ConnectionError("S3 is down")
    contractor_id = opted_in(app)
    policy = app.store.of_kind("policy")[0]
    assert certificate_of(app, policy.id).status_at(app.clock.now()) == "pending"
    app.documents.failing = None
    referral_event = replace(
        app.store.outbox[0], object_type="referral", object_id="ref_1", data={"quote": policy.quote}
    )
    assert CertificateConsumer.subject(referral_event) == policy.quote
    CertificateConsumer(lambda: app.certificates).handle(referral_event)
    assert certificate_of(app, policy.id).status_at(app.clock.now()) == "valid"
    assert contractor_id == policy.contractor


def test_a_policy_cancelled_by_the_term_voids_its_certificate_and_its_jobs_through_the_outbox(
    app: FakeApp,
):
    from chalicelib.domain.parties import Principal
    from chalicelib.domain.roles import Role

    contractor_id = opted_in(app)
    policy = app.store.of_kind("policy")[0]
    bound = app.assignments.create(PLATFORM, job(app, contractor_id, "t1", start_in_hours=48))
    assert certificate_of(app, bound.id).status_at(app.clock.now()) == "valid"
    insured = Principal(key_id="key_platform", role=Role.PLATFORM, platform=PLATFORM)
    app.term.cancel(insured, policy.id, "insured_request", None)  # the term module's own commit
    assert app.store.get("assignment", PLATFORM, bound.id).status == "cancelled"
    assert certificate_of(app, bound.id).status_at(app.clock.now()) == "valid"  # not yet
    run = OutboxJob(
        outbox_with(app), {"certificates": CertificateConsumer(lambda: app.certificates)}, app.clock
    )
    result = run(JobRequest(as_of=app.clock.now().date()))
    assert "failures" not in result, result
    assert certificate_of(app, bound.id).status_at(app.clock.now()) == "void"
    assert certificate_of(app, policy.id).status_at(app.clock.now()) == "void"
    assert app.store.events(certificate_of(app, bound.id).id)[-1] == "certificate.voided"
    # Reconciling again changes nothing.
    commits = app.store.commits
    app.certificates.reconcile(PLATFORM, bound.id)
    app.certificates.reconcile(PLATFORM, policy.id)
    assert app.store.commits == commits
