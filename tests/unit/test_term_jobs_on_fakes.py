"""The term jobs on fakes, each on both sides of its date boundary: rescissions, expirations,
audits, renewals (and an underwriter's decision on a referred renewal)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from chalicelib.domain.errors import Forbidden
from chalicelib.domain.ledger import total_cents
from tests.fakes import FakeApp
from tests.unit.test_services_on_fakes import PLATFORM, UNDERWRITER, job, opted_in
from tests.unit.test_term_on_fakes import INSURED, at, california_policy, ledger, policy_of


@pytest.fixture
def app() -> FakeApp:
    return FakeApp()


def without_auto_renew(app: FakeApp, policy_id: str) -> None:
    """This term is not renewed (the platform turned auto-renew off)."""
    policy = app.policies.get_policy(PLATFORM, policy_id)
    app.store.objects[("policy", PLATFORM, policy_id)] = policy.model_copy(
        update={"auto_renew": False}
    )


# --- rescissions -----------------------------------------------------------------------------


def test_unpaid_bind_is_rescinded_the_day_after_its_due_date(app):
    policy = california_policy(app, pay_down=False)
    due_by = policy.down_payment_due_by
    assert due_by is not None
    at(app, due_by, hour=6)
    assert app.run("rescissions")["processed"] == 0
    assert app.policies.get_policy(PLATFORM, policy.id).status == "pending_payment"
    at(app, due_by + timedelta(days=1), hour=6)
    result = app.run("rescissions")
    assert (result["processed"], result["rescinded"]) == (1, 1)
    rescinded = app.policies.get_policy(PLATFORM, policy.id)
    assert rescinded.status == "rescinded"
    [notice] = rescinded.notices
    assert notice.kind == "rescinding_bind"
    assert notice.guideline and notice.guideline.endswith("§ Binding of Coverage")
    entries = ledger(app, policy.id)
    assert [e.type for e in entries] == ["policy_charge", "policy_charge"]
    assert total_cents(entries) == 0
    assert rescinded.balance_due_cents == 0
    assert app.store.events(policy.id)[-1] == "policy.rescinded"
    assert app.run("rescissions")["processed"] == 0  # once
    # Binding again needs the underwriter; it re-books the charges and a new due date.
    with pytest.raises(Forbidden):
        app.term.reinstate(INSURED, policy.id)
    rebound = app.term.reinstate(UNDERWRITER, policy.id)
    assert rebound.status == "pending_payment"
    assert rebound.down_payment_due_by and rebound.down_payment_due_by > due_by
    assert total_cents(ledger(app, policy.id)) == policy.written_premium_cents


def test_a_paid_bind_is_not_rescinded(app):
    policy = california_policy(app)
    at(app, (policy.down_payment_due_by or policy.effective_date) + timedelta(days=3))
    assert app.run("rescissions")["processed"] == 0


# --- expirations -----------------------------------------------------------------------------


def test_a_pending_cancellation_takes_effect_on_its_date(app):
    policy = california_policy(app)
    at(app, policy.effective_date + timedelta(days=60))
    scheduled = app.term.cancel(UNDERWRITER, policy.id, "material_change", None)
    effective = scheduled.cancellation.effective_date
    at(app, effective - timedelta(days=1), hour=6)
    assert app.run("expirations")["processed"] == 0
    at(app, effective, hour=6)
    result = app.run("expirations")
    assert result["cancelled"] == 1
    cancelled = app.policies.get_policy(PLATFORM, policy.id)
    assert (cancelled.status, cancelled.cancellation.status) == ("cancelled", "effective")
    returned = [e.amount_cents for e in ledger(app, policy.id) if e.type == "return_premium"]
    assert returned == [-scheduled.cancellation.return_premium_cents]
    assert app.store.events(policy.id)[-1] == "policy.cancelled"


def test_terms_expire_on_their_expiration_date_and_open_windows_become_unreported(app):
    contractor_id = opted_in(app)
    policy = policy_of(app, contractor_id)
    without_auto_renew(app, policy.id)
    bound = app.assignments.create(PLATFORM, job(app, contractor_id, "open", start_in_hours=2))
    done = app.assignments.create(PLATFORM, job(app, contractor_id, "done", start_in_hours=2))
    app.clock.advance(hours=3)
    app.assignments.start(PLATFORM, done.id, None)
    app.assignments.complete(PLATFORM, done.id, 40_000, None, None)
    end = bound.window.end
    at(app, end.date(), hour=6)  # the window ends later today (the first midnight after is due)
    assert app.run("expirations")["processed"] == 0
    at(app, end.date() + timedelta(days=1), hour=6)
    result = app.run("expirations")
    assert result["unreported"] == 1
    unreported = app.assignments.get(PLATFORM, bound.id)
    assert unreported.status == "unreported"
    assert app.store.events(bound.id)[-1] == "assignment.unreported"
    # Actuals are still accepted from unreported.
    completed = app.assignments.complete(PLATFORM, bound.id, 30_000, None, None)
    assert completed.status == "completed"
    at(app, policy.expiration_date - timedelta(days=1), hour=6)
    assert app.run("expirations")["processed"] == 0
    at(app, policy.expiration_date, hour=6)
    assert app.run("expirations")["expired"] == 1
    assert app.policies.get_policy(PLATFORM, policy.id).status == "expired"
    assert app.store.events(policy.id)[-1] == "policy.expired"


# --- audits ----------------------------------------------------------------------------------


def test_final_audit_after_expiration_and_its_completion(app):
    policy = california_policy(app)
    without_auto_renew(app, policy.id)
    at(app, policy.expiration_date, hour=6)
    assert app.run("expirations")["expired"] == 1
    assert app.run("audits")["final_audit_requested"] == 1
    expired = app.policies.get_policy(PLATFORM, policy.id)
    audit = expired.final_audit
    assert audit is not None
    assert policy.estimated_annual_premium_cents >= 1_000_000
    assert (audit.type, audit.status, audit.basis) == ("physical", "requested", "expiration")
    assert audit.due_by == policy.expiration_date + timedelta(days=60)
    assert audit.estimated_premium_cents == policy.estimated_annual_premium_cents
    assert app.store.events(policy.id)[-1] == "audit.requested"
    assert app.run("audits")["processed"] == 0  # once
    # Completed on audited pay (10% more than estimated): the difference is booked.
    class_code = policy.lines["wc"].quoted_class_code
    pay = int(400_000_000 * Decimal("1.1"))
    completed = app.term.complete_audit(UNDERWRITER, policy.id, {class_code: pay}, app.clock.now())
    done = completed.final_audit
    assert done.status == "completed"
    adjustments = [e for e in ledger(app, policy.id) if e.type == "audit_adjustment"]
    assert [e.amount_cents for e in adjustments] == [done.adjustment_cents]
    assert done.adjustment_cents == done.audited_premium_cents - audit.estimated_premium_cents
    assert done.adjustment_cents > 0
    assert completed.balance_due_cents == expired.balance_due_cents + done.adjustment_cents
    assert app.store.events(policy.id)[-1] == "audit.completed"


def test_company_cancellation_audit_is_due_in_30_days(app):
    policy = california_policy(app)
    at(app, policy.effective_date + timedelta(days=100))
    cancelled = app.term.cancel(UNDERWRITER, policy.id, "company_error", None)
    assert cancelled.status == "cancelled"
    assert app.run("audits")["final_audit_requested"] == 1
    audit = app.policies.get_policy(PLATFORM, policy.id).final_audit
    assert audit.basis == "company_cancellation"
    assert audit.due_by == cancelled.cancellation.effective_date + timedelta(days=30)
    written = cancelled.cancellation.lines["wc"].written_cents
    share = Decimal(policy.estimated_annual_premium_cents * cancelled.cancellation.earned_cents)
    assert abs(audit.estimated_premium_cents - share / written) <= Decimal("0.5")


def test_flat_and_per_dispatch_terms_get_no_final_audit(app):
    flat = california_policy(app)
    app.term.cancel(INSURED, flat.id, "insured_request", None)
    contractor_id = opted_in(app)
    per_dispatch = policy_of(app, contractor_id)
    app.term.cancel(INSURED, per_dispatch.id, "insured_request", None)
    assert app.run("audits")["processed"] == 0


def test_unreported_jobs_get_an_audit_request(app):
    contractor_id = opted_in(app)
    bound = app.assignments.create(PLATFORM, job(app, contractor_id, "u1", start_in_hours=2))
    at(app, bound.window.end.date() + timedelta(days=1), hour=6)
    app.run("expirations")
    assert app.run("audits")["audit_requested"] == 1
    asked = app.assignments.get(PLATFORM, bound.id)
    assert asked.audit_requested_at is not None
    assert app.store.events(bound.id)[-2:] == ["assignment.unreported", "audit.requested"]
    event = app.store.outbox[-1]
    assert event.data["id"] == bound.id  # the event carries the assignment
    assert app.run("audits")["processed"] == 0


# --- renewals --------------------------------------------------------------------------------


def test_renewed_as_a_new_term_with_the_same_number_once(app):
    contractor_id = opted_in(app)
    policy = policy_of(app, contractor_id)
    at(app, policy.expiration_date - timedelta(days=31), hour=6)
    assert app.run("renewals")["processed"] == 0
    at(app, policy.expiration_date - timedelta(days=30), hour=6)
    result = app.run("renewals")
    assert result["renewed"] == 1
    old = app.policies.get_policy(PLATFORM, policy.id)
    assert old.status == "active"
    assert old.renewed_by is not None
    renewal = app.policies.get_policy(PLATFORM, old.renewed_by)
    assert renewal.number == policy.number
    assert renewal.renewal_of == policy.id
    assert renewal.effective_date == policy.expiration_date
    assert renewal.status == "active"
    assert app.store.events(renewal.id) == ["policy.activated", "policy.renewed"]
    assert app.run("renewals")["processed"] == 0  # running twice renews once
    assert len([p for p in app.store.of_kind("policy") if p.renewal_of == policy.id]) == 1
    # The old term still expires on its date; the renewal covers from then.
    at(app, policy.expiration_date, hour=6)
    assert app.run("expirations")["expired"] == 1


def test_no_longer_qualifying_is_non_renewed_with_reasons_and_a_notice(app):
    contractor_id = opted_in(app)
    policy = policy_of(app, contractor_id)
    app.parties.update_contractor(
        PLATFORM, contractor_id, {"experience_mod": Decimal("2.50")}, None
    )
    at(app, policy.expiration_date - timedelta(days=30), hour=6)
    assert app.run("renewals")["non_renewed"] == 1
    old = app.policies.get_policy(PLATFORM, policy.id)
    assert old.status == "non_renewed"
    assert old.renewal.status == "non_renewed"
    assert old.renewal.reasons
    [notice] = old.notices
    assert (notice.kind, notice.effective_date) == ("non_renewal", policy.expiration_date)
    assert (policy.expiration_date - notice.sent_at.date()).days >= 30
    assert app.store.events(policy.id)[-1] == "policy.non_renewed"
    # Still in force until the term ends, then expired.
    at(app, policy.expiration_date, hour=6)
    assert app.run("expirations")["expired"] == 1


def test_a_referred_renewal_waits_for_the_underwriter_whose_approval_renews(app):
    contractor_id = opted_in(app)
    policy = policy_of(app, contractor_id)
    app.parties.update_contractor(
        PLATFORM, contractor_id, {"experience_mod": Decimal("0.30")}, None
    )
    at(app, policy.expiration_date - timedelta(days=30), hour=6)
    assert app.run("renewals")["referred"] == 1
    waiting = app.policies.get_policy(PLATFORM, policy.id)
    assert waiting.status == "renewal_pending_review"
    assert waiting.renewal.referral is not None
    assert app.store.events(policy.id)[-1] == "policy.renewal_referred"
    # Jobs still bind under it while it waits.
    assert app.assignments.create(PLATFORM, job(app, contractor_id, "w1")).status == "bound"
    app.referrals.decide(waiting.renewal.referral, "approve", "fine", UNDERWRITER)
    renewed = app.policies.get_policy(PLATFORM, policy.id)
    assert renewed.status == "active"
    assert renewed.renewed_by is not None
    assert app.policies.get_policy(PLATFORM, renewed.renewed_by).renewal_of == policy.id


def test_a_declined_renewal_referral_non_renews(app):
    contractor_id = opted_in(app)
    policy = policy_of(app, contractor_id)
    app.parties.update_contractor(
        PLATFORM, contractor_id, {"experience_mod": Decimal("0.30")}, None
    )
    at(app, policy.expiration_date - timedelta(days=30), hour=6)
    app.run("renewals")
    referral = app.policies.get_policy(PLATFORM, policy.id).renewal.referral
    app.referrals.decide(referral, "decline", "no", UNDERWRITER)
    assert app.policies.get_policy(PLATFORM, policy.id).status == "non_renewed"


def test_platform_limits_a_run_to_one_tenant(app):
    contractor_id = opted_in(app)
    policy = policy_of(app, contractor_id)
    at(app, policy.expiration_date - timedelta(days=30), hour=6)
    assert app.run("renewals", platform="plt_someoneelse00000000000000")["processed"] == 0
    assert app.run("renewals", platform=PLATFORM)["processed"] == 1
