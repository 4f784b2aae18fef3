"""A trade the policy was not underwritten for is underwritten on the dispatch: eligible binds
and adds the class (one commit), referred opens a referral whose approval adds it, declined
leaves the line uncovered. California refers every new class and its approval raises the
estimated annual premium, term charges and down payment. A dispatch's description is screened."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.domain.assignments import AssignmentInput
from chalicelib.domain.parties import Address
from tests.fakes import FakeApp
from tests.unit.test_services_on_fakes import PLATFORM, UNDERWRITER, job, opted_in
from tests.unit.test_underwriting_services import california_contractor, quote_input

CA = Address(line1="1 Market", city="Fresno", state="CA", postal_code="93721")


@pytest.fixture
def app() -> FakeApp:
    return FakeApp()


def dispatch(app: FakeApp, contractor_id: str, external_id: str, **changes: Any) -> Any:
    request: AssignmentInput = replace(job(app, contractor_id, external_id), **changes)
    return app.assignments.create(PLATFORM, request)


def policy_of(app: FakeApp) -> Any:
    [policy] = app.store.of_kind("policy")
    return policy


def test_the_quoted_trade_is_the_policys_class(app: FakeApp) -> None:
    opted_in(app)
    policy = policy_of(app)
    assert [(c.trade, c.line, c.added_by) for c in policy.classes] == [
        ("hvac", "wc", "quote"),
        ("hvac", "gl", "quote"),
    ]


def test_an_eligible_new_trade_binds_and_joins_the_policy_in_the_same_commit(app: FakeApp):
    contractor_id = opted_in(app)
    commits = app.store.commits
    bound = dispatch(app, contractor_id, "e1", trade="electrical")
    assert bound.status == "bound"
    assert app.store.commits == commits + 1
    assert bound.coverage["wc"].new_class
    assert bound.coverage["wc"].reasons[0].code == "class_not_on_policy"
    policy = policy_of(app)
    added = [c for c in policy.classes if c.trade == "electrical"]
    assert [(c.line, c.added_by, c.assignment) for c in added] == [
        ("wc", "dispatch", bound.id),
        ("gl", "dispatch", bound.id),
    ]
    assert app.store.events(policy.id)[-1] == "policy.class_added"
    # The next electrical job is on the policy already: no underwriting of the class again.
    again = dispatch(app, contractor_id, "e2", trade="electrical")
    assert again.status == "bound"
    assert not again.coverage["wc"].new_class
    assert app.store.events(policy.id).count("policy.class_added") == 1


def test_a_quoted_new_trade_adds_no_class_until_it_binds(app: FakeApp) -> None:
    contractor_id = opted_in(app)
    quoted = dispatch(app, contractor_id, "q1", trade="electrical", bind=False)
    assert quoted.status == "quoted"
    assert {c.trade for c in policy_of(app).classes} == {"hvac"}
    dispatch(app, contractor_id, "q1", trade="electrical")
    assert {c.trade for c in policy_of(app).classes} == {"hvac", "electrical"}


def test_a_new_trade_is_underwritten_on_the_contractors_current_facts(app: FakeApp) -> None:
    contractor_id = opted_in(app)
    app.parties.update_contractor(
        PLATFORM, contractor_id, {"experience_mod": Decimal("2.50")}, None
    )
    uncovered = dispatch(app, contractor_id, "d1", trade="electrical", lines=("wc",))
    assert uncovered.status == "uncovered"
    codes = [r.code for r in uncovered.coverage["wc"].reasons]
    assert codes[:2] == ["class_not_on_policy", "experience_mod_above_maximum"]
    assert {c.trade for c in policy_of(app).classes} == {"hvac"}
    # The trade it was underwritten for keeps binding.
    assert dispatch(app, contractor_id, "d2", lines=("wc",)).status == "bound"


def test_a_referred_new_trade_joins_the_policy_when_the_underwriter_approves(app: FakeApp):
    contractor_id = opted_in(app)
    app.parties.update_contractor(
        PLATFORM, contractor_id, {"experience_mod": Decimal("0.30")}, None
    )
    referred = dispatch(app, contractor_id, "r1", trade="electrical", lines=("wc",))
    assert referred.status == "referred"
    assert "experience_mod_below_online_minimum" in [
        r.code for r in referred.coverage["wc"].reasons
    ]
    assert referred.referral is not None
    commits = app.store.commits
    app.referrals.decide(referred.referral, "approve", "ok", UNDERWRITER)
    assert app.store.commits == commits + 1
    approved = app.assignments.get(PLATFORM, referred.id)
    assert approved.status == "bound"
    [added] = [c for c in policy_of(app).classes if c.trade == "electrical"]
    assert (added.added_by, added.referral, added.assignment) == (
        "referral",
        referred.referral,
        referred.id,
    )
    assert app.store.events(policy_of(app).id)[-1] == "policy.class_added"


def test_a_declined_referral_adds_no_class(app: FakeApp) -> None:
    contractor_id = opted_in(app)
    app.parties.update_contractor(
        PLATFORM, contractor_id, {"experience_mod": Decimal("0.30")}, None
    )
    referred = dispatch(app, contractor_id, "r2", trade="electrical", lines=("wc",))
    app.referrals.decide(referred.referral, "decline", "no", UNDERWRITER)
    assert app.assignments.get(PLATFORM, referred.id).status == "uncovered"
    assert {c.trade for c in policy_of(app).classes} == {"hvac"}


def test_a_hazard_in_the_dispatch_description_refers_the_line(app: FakeApp) -> None:
    contractor_id = opted_in(app)
    referred = dispatch(
        app, contractor_id, "h1", description="Remove a dead tree leaning on the condenser"
    )
    assert referred.status == "referred"
    for line in ("wc", "gl"):
        reason = referred.coverage[line].reasons[0]
        assert reason.message.startswith("This dispatch's description:")
        assert "remove a dead tree" in reason.message.lower()
    bound = dispatch(app, contractor_id, "h2", description="Condenser swap; no tree work")
    assert bound.status == "bound"


def test_a_height_in_the_dispatch_description_refers_the_line(app: FakeApp) -> None:
    contractor_id = opted_in(app)
    referred = dispatch(app, contractor_id, "h3", description="RTU on a roof 45 feet high")
    assert referred.status == "referred"
    assert referred.coverage["wc"].reasons[0].code == "height_exposure_above_maximum"


def california_policy(app: FakeApp) -> tuple[str, Any]:
    contractor_id = california_contractor(app)
    quoted = app.quotes.create_quote(
        PLATFORM,
        quote_input(
            contractor_id,
            app,
            work_state="CA",
            trade="plumbing",
            effective_date=app.clock.now().date(),
            estimated_annual_pay_cents=400_000_000,
            hourly_wage_cents=4000,
        ),
    )
    app.referrals.decide(quoted.referral, "approve", "ok", UNDERWRITER)
    policy = app.policies.create_policy(PLATFORM, quoted.id)
    assert policy.down_payment_due_cents
    app.policies.pay(PLATFORM, policy.id, policy.down_payment_due_cents, "dp")
    return contractor_id, app.policies.get_policy(PLATFORM, policy.id)


def test_california_refers_a_new_trade_and_its_approval_raises_the_term(app: FakeApp) -> None:
    contractor_id, before = california_policy(app)
    plumbing = dispatch(app, contractor_id, "c0", trade="plumbing", work_address=CA, lines=("wc",))
    assert plumbing.status == "bound"
    referred = dispatch(
        app,
        contractor_id,
        "c1",
        trade="hvac",
        work_address=CA,
        lines=("wc",),
        description="rooftop unit replacement",
    )
    assert referred.status == "referred"
    assert "underwriter_binding_authority" in [r.code for r in referred.coverage["wc"].reasons]
    app.referrals.decide(referred.referral, "approve", "ok", UNDERWRITER)
    after = app.policies.get_policy(PLATFORM, before.id)
    [added] = [c for c in after.classes if c.trade == "hvac"]
    exposure = app.assignments.get(PLATFORM, referred.id).coverage["wc"].premium.total_cents
    assert added.estimated_annual_premium_cents == exposure > 0
    assert after.estimated_annual_premium_cents == before.estimated_annual_premium_cents + exposure
    assert after.written_premium_cents > before.written_premium_cents
    assert after.down_payment_due_cents > before.down_payment_due_cents
    charges = [e for e in app.store.ledger if e.policy == before.id and e.type == "policy_charge"]
    assert sum(e.amount_cents for e in charges) == after.written_premium_cents
    assert app.store.events(before.id)[-1] == "policy.class_added"


# --- renewal re-underwrites every class --------------------------------------------------------


def renew(app: FakeApp, policy: Any) -> Any:
    from datetime import timedelta

    from tests.unit.test_term_jobs_on_fakes import at

    at(app, policy.expiration_date - timedelta(days=30), hour=6)
    assert app.run("renewals")["renewed"] == 1
    old = app.policies.get_policy(PLATFORM, policy.id)
    return old, app.policies.get_policy(PLATFORM, old.renewed_by)


def test_a_renewal_re_underwrites_an_added_class_and_carries_it_when_eligible(app: FakeApp):
    contractor_id = opted_in(app)
    dispatch(app, contractor_id, "e1", trade="electrical")
    old, renewal = renew(app, policy_of_term(app))
    assert {(c.trade, c.line) for c in renewal.classes} == {
        ("hvac", "wc"),
        ("hvac", "gl"),
        ("electrical", "wc"),
        ("electrical", "gl"),
    }
    [electrical] = {c.quote for c in renewal.classes if c.trade == "electrical"}
    requoted = app.quotes.get_quote(PLATFORM, electrical)
    assert (requoted.trade, requoted.effective_date) == ("electrical", old.expiration_date)
    assert old.renewal.reasons == []


def test_a_class_that_no_longer_qualifies_is_left_out_of_the_new_term(app: FakeApp, monkeypatch):
    contractor_id = opted_in(app)
    dispatch(app, contractor_id, "e1", trade="electrical")
    create = type(app.renewals.quotes).create_quote

    def electrical_now_referred(self: Any, platform_id: str, request: Any) -> Any:
        made = create(self, platform_id, request)
        if request.trade != "electrical":
            return made
        lines = {
            name: line.model_copy(update={"status": "referred"})
            for name, line in made.lines.items()
        }
        return made.model_copy(update={"lines": lines})

    monkeypatch.setattr(type(app.renewals.quotes), "create_quote", electrical_now_referred)
    old, renewal = renew(app, policy_of_term(app))
    assert {c.trade for c in renewal.classes} == {"hvac"}
    assert [r.code for r in old.renewal.reasons] == ["class_not_renewed", "class_not_renewed"]
    # Next term, an electrical dispatch is underwritten on the dispatch again.
    assert not renewal.underwritten_for("electrical", "wc")


def policy_of_term(app: FakeApp) -> Any:
    [policy] = [p for p in app.store.of_kind("policy") if p.renewal_of is None]
    return policy
