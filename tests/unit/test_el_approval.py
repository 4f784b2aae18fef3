"""EL limits above a program's table are referred and priced at the factor the underwriter
approves (`el_limits_factor`), never silently at a lower one; approving without it is a 422."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chalicelib.domain.errors import ValidationFailed
from tests.fakes import FakeApp
from tests.unit.test_new_classes import dispatch
from tests.unit.test_services_on_fakes import PLATFORM, UNDERWRITER, contractor
from tests.unit.test_underwriting_services import quote_input


@pytest.fixture
def app() -> FakeApp:
    return FakeApp()


def above_table(app: FakeApp) -> tuple[str, object]:
    contractor_id = contractor(app)
    quoted = app.quotes.create_quote(
        PLATFORM,
        quote_input(
            contractor_id,
            app,
            effective_date=app.clock.now().date(),
            employers_liability_limits="2000/2000/2000",
        ),
    )
    return contractor_id, quoted


def test_limits_above_the_table_are_referred_with_a_provisional_price(app: FakeApp) -> None:
    _, quoted = above_table(app)
    wc = quoted.lines["wc"]
    assert wc.status == "referred"
    codes = [r.code for r in wc.reasons]
    assert {"el_limits_require_approval", "el_limits_above_table"} <= set(codes)
    assert wc.premium.el_limits_factor == Decimal("1.028")  # the highest tabulated, shown
    assert "until an underwriter approves the factor" in next(
        r.message for r in wc.reasons if r.code == "el_limits_above_table"
    )


def test_approving_without_a_factor_is_a_422_and_changes_nothing(app: FakeApp) -> None:
    _, quoted = above_table(app)
    commits = app.store.commits
    with pytest.raises(ValidationFailed) as refused:
        app.referrals.decide(quoted.referral, "approve", "ok", UNDERWRITER)
    assert refused.value.code == "el_limits_factor_required"
    assert app.store.commits == commits
    assert app.referrals.get(quoted.referral).status == "open"


def test_the_approved_factor_prices_the_quote_the_policy_and_every_dispatch(app: FakeApp):
    contractor_id, quoted = above_table(app)
    app.referrals.decide(quoted.referral, "approve", "ok", UNDERWRITER, Decimal("1.050"))
    assert app.referrals.get(quoted.referral).el_limits_factor == "1.050"
    wc = app.quotes.get_quote(PLATFORM, quoted.id).lines["wc"]
    manual = wc.premium.manual_premium_cents
    assert wc.premium.el_limits_factor == Decimal("1.050")
    assert wc.premium.el_increased_limits_charge_cents == (manual * 5 + 50) // 100
    assert wc.reasons[-1].code == "el_limits_factor_approved"
    policy = app.policies.create_policy(PLATFORM, quoted.id)
    assert policy.lines["wc"].el_limits_factor == "1.050"
    bound = dispatch(app, contractor_id, "el-1", lines=("wc",), trade="hvac")
    assert bound.status == "bound"
    premium = bound.coverage["wc"].premium
    assert premium.el_limits_factor == Decimal("1.050")
    assert "el_limits_above_table" not in [r.code for r in bound.coverage["wc"].reasons]


def test_a_factor_on_a_referral_without_such_limits_is_a_422(app: FakeApp) -> None:
    contractor_id = contractor(app)
    quoted = app.quotes.create_quote(
        PLATFORM,
        quote_input(contractor_id, app, effective_date=app.clock.now().date(), operations={}),
    )
    assert quoted.referral is not None  # missing information
    with pytest.raises(ValidationFailed):
        app.referrals.decide(quoted.referral, "approve", "ok", UNDERWRITER, Decimal("1.1"))
