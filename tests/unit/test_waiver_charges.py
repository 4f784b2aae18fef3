"""Waiver charges as a floor, not an addition: charge = max(pct x covered premium, minimum).

Multistate: one specific endorsement per customer per policy term on the jobs' WC (modified)
premium, 5%, $250 floor. California: per job on the manual premium, 5%, $50 floor. Recomputed
after every change to a covered job, the difference booked; released when every job under it is
cancelled before any starts; the minimum earned once one has started."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from typing import Any

import pytest

from chalicelib.domain.assignments import Pay
from chalicelib.services.assignments import AssignmentChanges
from tests.fakes import FakeApp
from tests.unit.test_new_classes import CA, california_policy
from tests.unit.test_services_on_fakes import PLATFORM, customer, job, opted_in


def half_up(value: Fraction) -> int:
    return int(value + Fraction(1, 2))


@pytest.fixture
def app() -> FakeApp:
    return FakeApp()


def waiver_job(app: FakeApp, contractor_id: str, name: str, customer_id: str, pay: int) -> Any:
    request = replace(
        job(app, contractor_id, name, customer_id=customer_id, state="PA"),
        pay=Pay(amount_cents=pay, basis="flat"),
        lines=("wc",),
    )
    return app.assignments.create(PLATFORM, request)


def account_charge(app: FakeApp) -> int:
    [account] = app.store.of_kind("waiver")
    [term] = account.terms.values()
    booked = sum(
        e.amount_cents for e in app.store.ledger if e.type == "waiver_charge" and not e.assignment
    )
    assert booked == term.charged_cents
    return int(term.charged_cents)


def test_one_job_pays_the_floor_never_the_floor_plus_the_percentage(app: FakeApp) -> None:
    contractor_id, customer_id = opted_in(app), customer(app)
    bound = waiver_job(app, contractor_id, "a", customer_id, 40_000)
    modified = bound.coverage["wc"].premium.modified_premium_cents
    assert half_up(Fraction(modified, 20)) < 25_000
    assert account_charge(app) == 25_000
    assert (
        bound.coverage["wc"].premium_cents == bound.coverage["wc"].premium.total_cents == modified
    )
    assert bound.coverage["wc"].waiver.charge_cents == 25_000


def test_one_large_job_pays_the_percentage(app: FakeApp) -> None:
    contractor_id, customer_id = opted_in(app), customer(app)
    bound = waiver_job(app, contractor_id, "big", customer_id, 100_000_000)
    modified = bound.coverage["wc"].premium.modified_premium_cents
    assert account_charge(app) == half_up(Fraction(modified, 20)) > 25_000


def test_several_jobs_cross_the_floor_and_each_change_books_the_difference(app: FakeApp) -> None:
    contractor_id, customer_id = opted_in(app), customer(app)
    jobs = [waiver_job(app, contractor_id, f"j{n}", customer_id, 10_000_000) for n in range(6)]
    premiums = [j.coverage["wc"].premium.modified_premium_cents for j in jobs]
    charges = [e.amount_cents for e in app.store.ledger if e.type == "waiver_charge"]
    expected = [max(half_up(Fraction(sum(premiums[: n + 1]), 20)), 25_000) for n in range(6)]
    assert half_up(Fraction(premiums[0], 20)) < 25_000 < expected[-1]  # the floor is crossed
    running = [sum(charges[: n + 1]) for n in range(len(charges))]
    assert running[-1] == expected[-1] == account_charge(app)
    assert set(running) <= set(expected)
    # A PATCH re-rates the job: the endorsement is recomputed on the live premium.
    app.assignments.update(
        PLATFORM, jobs[0].id, AssignmentChanges(pay=Pay(amount_cents=30_000_000, basis="flat"))
    )
    premiums[0] = (
        app.assignments.get(PLATFORM, jobs[0].id).coverage["wc"].premium.modified_premium_cents
    )
    assert account_charge(app) == half_up(Fraction(sum(premiums), 20))
    # Cancelling jobs brings it back down to the floor, never below while a job is under it.
    for cancelled in jobs[1:]:
        app.assignments.cancel(PLATFORM, cancelled.id, "client_request")
    assert account_charge(app) == max(half_up(Fraction(premiums[0], 20)), 25_000)


def test_cancelling_every_job_before_any_starts_releases_it(app: FakeApp) -> None:
    contractor_id, customer_id = opted_in(app), customer(app)
    first = waiver_job(app, contractor_id, "a", customer_id, 40_000)
    second = waiver_job(app, contractor_id, "b", customer_id, 40_000)
    assert account_charge(app) == 25_000
    app.assignments.cancel(PLATFORM, first.id, "client_request")
    assert account_charge(app) == 25_000
    app.assignments.cancel(PLATFORM, second.id, "client_request")
    assert account_charge(app) == 0


def test_once_a_job_under_it_started_the_minimum_is_earned(app: FakeApp) -> None:
    contractor_id, customer_id = opted_in(app), customer(app)
    started = waiver_job(app, contractor_id, "a", customer_id, 40_000)
    other = waiver_job(app, contractor_id, "b", customer_id, 40_000)
    app.clock.advance(hours=25)
    app.assignments.start(PLATFORM, started.id, None)
    app.assignments.cancel(PLATFORM, other.id, "client_request")
    app.clock.advance(hours=2)
    app.assignments.complete(PLATFORM, started.id, 0, None, None)  # nothing paid after all
    assert account_charge(app) == 25_000


def test_completion_on_actual_pay_recomputes_the_endorsement(app: FakeApp) -> None:
    contractor_id, customer_id = opted_in(app), customer(app)
    bound = waiver_job(app, contractor_id, "a", customer_id, 40_000)
    app.clock.advance(hours=25)
    app.assignments.start(PLATFORM, bound.id, None)
    done = app.assignments.complete(PLATFORM, bound.id, 100_000_000, None, None)
    modified = done.coverage["wc"].premium.modified_premium_cents
    assert account_charge(app) == half_up(Fraction(modified, 20)) > 25_000


def test_a_quote_shows_the_charge_before_binding(app: FakeApp) -> None:
    from tests.unit.test_underwriting_services import quote_input

    contractor_id, customer_id = opted_in(app), customer(app)
    quoted = app.quotes.create_quote(
        PLATFORM, quote_input(contractor_id, app, work_state="PA", customer=customer_id)
    )
    [charge] = quoted.lines["wc"].premium.term_charges
    assert (charge.code, charge.amount_cents) == ("waiver_of_subrogation_specific", 25_000)
    shown = app.assignments.create(
        PLATFORM,
        replace(job(app, contractor_id, "q", customer_id=customer_id, state="PA", bind=False)),
    )
    assert shown.status == "quoted"
    assert shown.coverage["wc"].waiver.charge_cents == 25_000
    assert app.store.of_kind("waiver") == []


def test_california_charges_each_job_on_its_manual_premium_with_a_fifty_dollar_floor(app):
    contractor_id, _ = california_policy(app)
    customer_id = app.parties.create_customer(
        PLATFORM,
        {
            "name": "Valley Property Group",
            "address": {"line1": "2 Elm", "city": "Fresno", "state": "CA", "postal_code": "93721"},
            "requirements": {"waiver_of_subrogation": True},
        },
    ).id

    def dispatch(name: str, pay: int) -> Any:
        request = replace(
            job(app, contractor_id, name, customer_id=customer_id),
            trade="plumbing",
            work_address=CA,
            lines=("wc",),
            pay=Pay(amount_cents=pay, basis="flat"),
            description="replace a water heater",
        )
        return app.assignments.create(PLATFORM, request)

    small, large = dispatch("s", 40_000), dispatch("l", 5_000_000)
    for bound in (small, large):
        wc = bound.coverage["wc"]
        assert bound.status == "bound", wc.reasons
        manual = wc.premium.manual_premium_cents
        expected = max(half_up(Fraction(manual, 20)), 5_000)
        assert wc.waiver.charge_cents == expected == wc.premium_cents == bound.premium_cents
        entries = [e for e in app.store.ledger if e.assignment == bound.id]
        assert [(e.type, e.amount_cents) for e in entries] == [("waiver_charge", expected)]
    assert small.coverage["wc"].waiver.charge_cents == 5_000  # the floor, not 5% + $50
    # complete on actuals: recomputed on the actual manual premium, the difference booked
    app.clock.advance(hours=25)
    app.assignments.start(PLATFORM, large.id, None)
    done = app.assignments.complete(PLATFORM, large.id, 10_000_000, None, None)
    manual = done.coverage["wc"].premium.manual_premium_cents
    assert done.premium_cents == max(half_up(Fraction(manual, 20)), 5_000)
    assert sum(e.amount_cents for e in app.store.ledger if e.assignment == large.id) == (
        done.premium_cents
    )
    # cancel before start: the job's waiver refunded with it
    cancelled = app.assignments.cancel(PLATFORM, small.id, "client_request")
    assert cancelled.premium_cents == 0
    assert app.store.of_kind("waiver") == []  # per job: no account


def test_a_state_without_waivers_books_none(app: FakeApp) -> None:
    contractor_id, customer_id = opted_in(app), customer(app)
    request = replace(
        job(app, contractor_id, "nj", customer_id=customer_id, state="NJ"), lines=("wc",)
    )
    bound = app.assignments.create(PLATFORM, request)
    assert bound.coverage["wc"].waiver is None
    assert "waiver_not_available" in [r.code for r in bound.coverage["wc"].reasons]
    assert app.store.of_kind("waiver") == []
