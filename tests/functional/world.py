"""Building a dispatch world in-process on the container (moto): a contractor, a waiver
customer, a policy, a job; a platform dispatching them. Shared by the ledger state machines and
the benches (partitions.py, outbox.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from chalicelib.domain.parties import Address, Principal
from chalicelib.domain.roles import Role

STATES = {"NJ": "07102", "PA": "19103", "TX": "78701", "OH": "43215"}
UNDERWRITER = Principal(key_id="key_underwriter", role=Role.UNDERWRITER)


def contractor(app: Any, platform: str, **overrides: Any) -> str:
    fields: dict[str, Any] = {
        "legal_name": "Prop Tech",
        "entity_type": "sole_proprietor",
        "tin_type": "ssn",
        "has_employees": False,
        "email": "p@example.com",
        "address": {"line1": "1 A", "city": "B", "state": "NJ", "postal_code": "07102"},
        "years_in_business": Decimal(5),
        "experience_mod": Decimal("1.00"),
        "prior_coverage": {"status": "none"},
        "losses": [],
        **overrides,
    }
    return str(app.parties.create_contractor(platform, fields, "123456789").id)


def waiver_customer(app: Any, platform: str) -> str:
    """A customer that asks for a waiver of subrogation and additional insured status."""
    return str(
        app.parties.create_customer(
            platform,
            {
                "name": "Waiver Co",
                "address": {"line1": "1 A", "city": "B", "state": "PA", "postal_code": "19103"},
                "requirements": {"waiver_of_subrogation": True, "additional_insured": True},
            },
        ).id
    )


def policy(app: Any, platform: str, contractor: str, state: str, trade: str, **quote: Any) -> str:
    """A bound policy from a quote (a referral approved by an underwriter on the way)."""
    from tests.inputs import quote_input

    fields: dict[str, Any] = {
        "trade": trade,
        "work_state": state,
        "lines": ("wc", "gl") if state != "CA" else ("wc",),
        "effective_date": datetime.now(UTC).date(),
        **quote,
    }
    quoted = app.quotes.create_quote(platform, quote_input(contractor, **fields))
    if quoted.referral:
        app.referrals.decide(quoted.referral, "approve", "ok", UNDERWRITER)
    return str(app.policies.create_policy(platform, quoted.id).id)


def job(
    external_id: str,
    contractor: str,
    customer: str | None,
    *,
    state: str,
    pay_cents: int,
    days_out: float = 1,
    bind: bool = True,
) -> Any:
    """An hvac job (WC and GL), three hours, `days_out` days from now, at a flat pay."""
    from chalicelib.domain.assignments import AssignmentInput, Pay, Window

    start = datetime.now(UTC) + timedelta(days=days_out)
    return AssignmentInput(
        external_id=external_id,
        contractor=contractor,
        customer=customer,
        trade="hvac",
        description=None,
        work_address=Address(line1="1", city="X", state=state, postal_code=STATES[state]),
        window=Window(start=start, end=start + timedelta(hours=3)),
        pay=Pay(amount_cents=pay_cents, basis="flat"),
        lines=("wc", "gl"),
        requirements=None,
        bind=bind,
    )


@dataclass(frozen=True)
class Dispatcher:
    """A platform dispatching one contractor (NJ policy, hvac) to a waiver customer."""

    app: Any
    platform: str
    contractor: str
    customer: str

    @classmethod
    def on(cls, app: Any, name: str) -> Dispatcher:
        platform = str(app.parties.create_platform(name)[0].id)
        contractor_id = contractor(app, platform)
        customer = waiver_customer(app, platform)
        policy(app, platform, contractor_id, "NJ", "hvac")
        return cls(app, platform, contractor_id, customer)

    def dispatch(self, number: int) -> None:
        """A PA job five minutes out through its life: bind, start, complete on actuals."""
        bound = self.app.assignments.create(
            self.platform,
            job(
                f"job-{number}",
                self.contractor,
                self.customer,
                state="PA",
                pay_cents=40_000 + number,
                days_out=5 / (24 * 60),
            ),
        )
        self.app.assignments.start(self.platform, bound.id, None)
        self.app.assignments.complete(self.platform, bound.id, 45_000 + number, None, None)


@contextmanager
def app_on_moto(stage: str) -> Iterator[Any]:
    """The container on moto with devserver.localaws, as `make run` has it (benches)."""
    import boto3
    from moto import mock_aws

    from devserver import localaws

    localaws.install()
    with mock_aws():
        from chalicelib import bootstrap
        from devserver.resources import create_resources, stage_environment, stage_names

        bootstrap.reset()
        create_resources(
            boto3.session.Session(), stage=stage, names=stage_names(stage_environment(stage))
        )
        try:
            yield bootstrap.container()
        finally:
            bootstrap.reset()
