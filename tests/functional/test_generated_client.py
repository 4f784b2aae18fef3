"""A platform's integration, as a platform would build it: a client generated from /openapi.json.

`openapi-python-client` generates a client from the served document with zero warnings, and that
client drives the whole flow against the app (moto behind chalice's test client, reached through
an httpx transport): contractor, quote, policy, payment, assignment, PATCH, start, complete,
cancel, ledger and a referral decision, with a typed `.parsed` model at every step.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.conftest import PROJECT_DIR
from tests.functional.conftest import (
    ADMIN_KEY,
    Api,
    california_contractor_body,
    contractor_body,
    quote_body,
)

GENERATOR = Path(sys.executable).parent / "openapi-python-client"
CONFIG = Path(PROJECT_DIR) / "docs" / "client" / "openapi-python-client.yml"
PACKAGE = "jobcover_api_client"


def generate(spec: dict[str, Any], where: Path) -> subprocess.CompletedProcess[str]:
    (where / "openapi.json").write_text(json.dumps(spec))
    return subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(where / "openapi.json"),
            "--output-path",
            str(where / "client"),
            "--config",
            str(CONFIG),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def generation(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    import app  # noqa: F401  (registers every route)
    from chalicelib.api.openapi import openapi_document

    where = tmp_path_factory.mktemp("generated")
    result = generate(openapi_document(), where)
    result.args = str(where / "client")  # where the package is
    return result


@pytest.fixture(scope="module")
def sdk(generation: subprocess.CompletedProcess[str]) -> Iterator[ModuleType]:
    assert generation.returncode == 0, generation.stdout + generation.stderr
    sys.path.insert(0, str(generation.args))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(generation.args))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def test_the_generator_accepts_the_spec_with_zero_warnings(generation):
    output = generation.stdout + generation.stderr
    assert generation.returncode == 0, output
    assert "Warning" not in output and "WARNING" not in output, output
    assert "Unable to" not in output, output


def transport_to(api: Api) -> httpx.MockTransport:
    """httpx requests answered by the app through chalice's test client."""

    def handle(request: httpx.Request) -> httpx.Response:
        answer = api.client.http.request(
            request.method,
            request.url.raw_path.decode(),
            headers=dict(request.headers),
            body=request.content or b"",
        )
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.body)

    return httpx.MockTransport(handle)


def module(name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_the_generated_client_drives_the_whole_flow(sdk, api):
    models = module("models")
    transport = transport_to(api)

    def client(key: str) -> Any:
        return sdk.AuthenticatedClient(
            base_url="http://jobcover.test",
            token=key,
            raise_on_unexpected_status=True,
            httpx_args={"transport": transport},
        )

    def call(operation: str, tag: str, expected: type, status: int = 200, **kwargs: Any) -> Any:
        answer = module(f"api.{tag}.{operation}").sync_detailed(**kwargs)
        assert answer.status_code == status, answer.content
        assert isinstance(answer.parsed, expected), (operation, type(answer.parsed))
        return answer.parsed

    admin = client(ADMIN_KEY)
    platform = call(
        "create_platform",
        "parties",
        models.PlatformCreated,
        201,
        client=admin,
        body=models.PlatformCreate(name="Generated Dispatch"),
    )
    underwriter_key = call(
        "create_api_key",
        "parties",
        models.ApiKeyCreated,
        201,
        client=admin,
        body=models.ApiKeyCreate(role=models.ApiKeyCreateRole.UNDERWRITER),
    ).api_key
    dispatcher = client(platform.api_key)

    # contractor -> quote -> policy
    contractor = call(
        "create_contractor",
        "parties",
        models.ContractorOut,
        201,
        client=dispatcher,
        body=models.ContractorCreate.from_dict(contractor_body()),
        idempotency_key="contractor-1",
    )
    assert contractor.tin_last4 == "6789"
    assert contractor.entity_type is models.ContractorOutEntityType.SOLE_PROPRIETOR
    quote = call(
        "create_quote",
        "quotes",
        models.QuoteOut,
        201,
        client=dispatcher,
        body=models.QuoteCreate.from_dict(quote_body(contractor.id)),
    )
    assert quote.status is models.QuoteOutStatus.ELIGIBLE
    wc = quote.lines["wc"]
    assert isinstance(wc, models.LineQuote)
    assert isinstance(wc.premium, models.PremiumBreakdown)
    assert all(isinstance(step, models.Step) for step in wc.premium.steps)
    policy = call(
        "create_policy",
        "policies",
        models.PolicyOut,
        201,
        client=dispatcher,
        body=models.PolicyCreate(quote=quote.id, accept_terms=True),
    )
    assert policy.status is models.PolicyOutStatus.ACTIVE
    assert isinstance(policy.lines["wc"], models.PolicyLine)
    # assignment -> PATCH -> start -> complete
    start = datetime.now(UTC) + timedelta(hours=2)

    def dispatch(external_id: str) -> Any:
        body = {
            "external_id": external_id,
            "contractor": contractor.id,
            "trade": "hvac",
            "work_address": {
                "line1": "5 Elm St",
                "city": "Newark",
                "state": "NJ",
                "postal_code": "07102",
            },
            "window": {
                "start": start.isoformat(),
                "end": (start + timedelta(hours=4)).isoformat(),
            },
            "pay": {"amount_cents": 40000, "basis": "flat"},
            "lines": ["wc", "gl"],
        }
        return call(
            "create_assignment",
            "assignments",
            models.AssignmentOut,
            201,
            client=dispatcher,
            body=models.AssignmentCreate.from_dict(body),
        )

    job = dispatch("job-1")
    assert job.status is models.AssignmentOutStatus.BOUND
    coverage = job.coverage["wc"]
    assert isinstance(coverage, models.CoverageOut)
    assert coverage.status is models.CoverageOutStatus.BOUND
    assert isinstance(coverage.premium, models.PremiumBreakdown)
    assert isinstance(job.window, models.WindowOut)
    patched = call(
        "update_assignment",
        "assignments",
        models.AssignmentOut,
        client=dispatcher,
        assignment_id=job.id,
        body=models.AssignmentPatch.from_dict({"pay": {"amount_cents": 50000, "basis": "flat"}}),
    )
    assert patched.premium_cents > job.premium_cents
    started = call(
        "start_assignment",
        "assignments",
        models.AssignmentOut,
        client=dispatcher,
        assignment_id=job.id,
        body=models.StartIn(),
    )
    assert started.status is models.AssignmentOutStatus.ACTIVE
    completed = call(
        "complete_assignment",
        "assignments",
        models.AssignmentOut,
        client=dispatcher,
        assignment_id=job.id,
        body=models.CompleteIn(actual_pay_cents=45000),
    )
    assert completed.status is models.AssignmentOutStatus.COMPLETED

    # cancel a second job before it starts
    other = dispatch("job-2")
    cancelled = call(
        "cancel_assignment",
        "assignments",
        models.AssignmentOut,
        client=dispatcher,
        assignment_id=other.id,
        body=models.CancelIn(reason=models.CancelInReason.CLIENT_REQUEST),
    )
    assert cancelled.status is models.AssignmentOutStatus.CANCELLED

    # the ledger: an open set of types, a total of every match
    ledger = call(
        "list_ledger", "ledger", models.LedgerPage, client=dispatcher, contractor=contractor.id
    )
    assert all(isinstance(entry, models.LedgerEntryOut) for entry in ledger.data)
    assert {"premium_estimate", "premium_adjustment", "refund"} <= {e.type_ for e in ledger.data}
    assert ledger.total_cents == sum(entry.amount_cents for entry in ledger.data)
    listed = call(
        "list_assignments", "assignments", models.AssignmentList, client=dispatcher, limit=1
    )
    assert listed.has_more is True and len(listed.data) == 1

    # a California risk: referred, approved by an underwriter, bound, its down payment paid
    california = call(
        "create_contractor",
        "parties",
        models.ContractorOut,
        201,
        client=dispatcher,
        body=models.ContractorCreate.from_dict(california_contractor_body(external_id="ca-1")),
    )
    referred = call(
        "create_quote",
        "quotes",
        models.QuoteOut,
        201,
        client=dispatcher,
        body=models.QuoteCreate.from_dict(
            quote_body(
                california.id,
                trade="plumbing",
                work_state="CA",
                lines=["wc"],
                effective_date=(datetime.now(UTC).date() + timedelta(days=21)).isoformat(),
                estimated_annual_pay_cents=400000000,
                hourly_wage_cents=4000,
            )
        ),
    )
    assert referred.status is models.QuoteOutStatus.REFERRED
    assert isinstance(referred.referral, models.ReferralPointer)
    assert all(isinstance(reason, models.Reason) for reason in referred.lines["wc"].reasons)
    decided = call(
        "approve_referral",
        "referrals",
        models.ReferralOut,
        client=client(underwriter_key),
        referral_id=referred.referral.id,
        body=models.ReferralDecision(note="Approved on the application"),
    )
    assert decided.status is models.ReferralOutStatus.APPROVED
    annual = call(
        "create_policy",
        "policies",
        models.PolicyOut,
        201,
        client=dispatcher,
        body=models.PolicyCreate(quote=referred.id, accept_terms=True),
    )
    assert annual.status is models.PolicyOutStatus.PENDING_PAYMENT
    assert annual.down_payment_due_cents
    payment = call(
        "create_payment",
        "policies",
        models.PaymentOut,
        201,
        client=dispatcher,
        policy_id=annual.id,
        body=models.PaymentCreate(amount_cents=annual.down_payment_due_cents, reference="ach_1"),
        idempotency_key="down-payment-1",
    )
    assert payment.policy == annual.id
    paid = call("get_policy", "policies", models.PolicyOut, client=dispatcher, policy_id=annual.id)
    assert paid.status is models.PolicyOutStatus.ACTIVE

    # errors are typed too
    missing = module("api.assignments.get_assignment").sync_detailed(
        client=dispatcher, assignment_id="asg_00000000000000000000000000"
    )
    assert missing.status_code == 404
    assert isinstance(missing.parsed, models.Error)
    assert missing.parsed.error.code == "not_found"
