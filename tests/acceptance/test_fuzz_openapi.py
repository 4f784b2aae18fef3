"""Property-based fuzzing of every documented operation, driven by the served OpenAPI document.

Schemathesis reads `GET /openapi.json` from `make run`'s stack and, for each operation, generates
requests (schema-valid and deliberately invalid, including a missing Authorization header) sent
with a key of a role the operation allows. Every response must be a non-5xx with a documented
status and content type, match the documented schema, and every 4xx must carry the contract's
error shape. Operations with an ID in the path run twice: with generated IDs (the 404 path) and
with a real object of that type, so the fuzzed bodies reach the handlers.

Why not `schemathesis.pytest.from_fixture(...)` + `@schema.parametrize()`: under pytest 9.2 its
lazy loader crashes (it sets `request.node._nodeid`, which pytest 9.2 no longer has), and a
module-level schema would need the stack at collection time. So the schema is loaded in a fixture
and each operation runs as a subtest, from `APIOperation.as_strategy()` under Hypothesis `@given`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.answers import CLEAN_ANSWERS

pytestmark = pytest.mark.acceptance

MAX_EXAMPLES = 25  # per operation and pass; the whole module takes well under a minute
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
METHODS = {"get", "put", "post", "patch", "delete"}


def contract_error_shape(ctx: Any, response: Any, case: Any) -> None:
    """Every 4xx body is {"error": {"code": str, "message": str, "details": list}}."""
    if not 400 <= response.status_code < 500:
        return
    try:
        body = json.loads(response.content)
    except ValueError as exc:
        raise AssertionError(
            f"{response.status_code} body is not JSON: {response.content!r}"
        ) from exc
    error = body.get("error") if isinstance(body, dict) else None
    assert isinstance(error, dict), f"{response.status_code} body has no error object: {body!r}"
    assert isinstance(error.get("code"), str), f"error.code is not a string: {body!r}"
    assert isinstance(error.get("message"), str), f"error.message is not a string: {body!r}"
    assert isinstance(error.get("details"), list), f"error.details is not a list: {body!r}"


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    contract_error_shape,
]


@dataclass(frozen=True)
class KnownBug:
    """An app bug the fuzzer reproduces. A matching response is validated without `check` (every
    other check still applies) and the operation's subtest ends as xfail; anything else on the
    operation still fails. Delete the entry with the fix: the subtest then passes again."""

    matches: Callable[[Any, Any], bool]
    check: Callable[..., Any]
    reason: str


def _undocumented_query_422(case: Any, response: Any) -> bool:
    if response.status_code != 422 or "422" in case.operation.definition.raw["responses"]:
        return False
    try:
        details = response.json()["error"]["details"]
    except (ValueError, KeyError, TypeError):
        return False
    return bool(details) and all(
        isinstance(d, dict) and (d.get("loc") or [None])[0] == "query" for d in details
    )


KNOWN_BUGS: list[KnownBug] = []


@pytest.fixture(scope="module")
def fuzz_keys(stack) -> dict[str, str]:
    """One key per role. The platform key is a fresh platform's, so fuzzed objects do not pile up
    on the demo platform that other acceptance tests use."""
    platform = stack.call("POST", "/v1/platforms", stack.admin_key, json={"name": "Fuzz Dispatch"})
    assert platform.status_code == 201, platform.text
    underwriter = stack.call("POST", "/v1/api-keys", stack.admin_key, json={"role": "underwriter"})
    assert underwriter.status_code == 201, underwriter.text
    return {
        "admin": stack.admin_key,
        "platform": platform.json()["api_key"],
        "underwriter": underwriter.json()["api_key"],
    }


@pytest.fixture(scope="module")
def real_ids(stack, fuzz_keys) -> dict[str, str]:
    """One real object per path-parameter name, on the fuzz platform."""
    key = fuzz_keys["platform"]

    def create(path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = stack.call("POST", path, key, json=body)
        assert answer.status_code == 201, f"seeding {path}: {answer.status_code} {answer.text}"
        return dict(answer.json())

    def tech(name: str) -> str:
        return create(
            "/v1/contractors",
            {
                "legal_name": name,
                "entity_type": "sole_proprietor",
                "tin_type": "ssn",
                "tin": "123-45-6789",
                "has_employees": False,
                "email": "fuzz@example.com",
                "address": {
                    "line1": "3 Oak",
                    "city": "Trenton",
                    "state": "NJ",
                    "postal_code": "08608",
                },
                "years_in_business": 4,
            },
        )["id"]

    today = datetime.now(UTC).date().isoformat()
    contractor = tech("Robin Vega")
    customer = create(
        "/v1/customers",
        {
            "name": "Keystone Apartments",
            "address": {
                "line1": "1 Broad",
                "city": "Philadelphia",
                "state": "PA",
                "postal_code": "19107",
            },
        },
    )["id"]
    quote = create(
        "/v1/quotes",
        {
            "contractor": contractor,
            "trade": "plumbing",
            "work_state": "NJ",
            "lines": ["wc", "gl"],
            "effective_date": today,
            "estimated_annual_pay_cents": 3_000_000,
            "operations": CLEAN_ANSWERS,
        },
    )["id"]
    policy = create("/v1/policies", {"quote": quote, "accept_terms": True})["id"]
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    assignment = create(
        "/v1/assignments",
        {
            "external_id": "fuzz-ticket",
            "contractor": contractor,
            "trade": "plumbing",
            "work_address": {"line1": "9 Job", "city": "X", "state": "NJ", "postal_code": "07102"},
            "window": {"start": start.isoformat(), "end": (start + timedelta(hours=3)).isoformat()},
            "pay": {"amount_cents": 2_500, "basis": "hourly", "estimated_hours": 4},
            "lines": ["wc", "gl"],
        },
    )["id"]
    # A bureau mod under the guideline floor refers the quote, which opens a referral.
    referred = tech("Sam Ortiz")
    patched = stack.call(
        "PATCH", f"/v1/contractors/{referred}", key, json={"experience_mod": "0.30"}
    )
    assert patched.status_code == 200, patched.text
    referred_quote = create(
        "/v1/quotes",
        {
            "contractor": referred,
            "trade": "electrical",
            "work_state": "TX",
            "lines": ["wc"],
            "effective_date": today,
            "estimated_annual_pay_cents": 3_000_000,
            "operations": CLEAN_ANSWERS,
        },
    )["id"]
    referrals = stack.call(
        "GET", f"/v1/referrals?quote={referred_quote}", fuzz_keys["underwriter"]
    ).json()["data"]
    assert referrals, "the referred quote opened no referral"
    endpoint = create(
        "/v1/webhook-endpoints", {"url": "http://127.0.0.1:9/fuzz", "events": ["policy.activated"]}
    )["id"]
    return {
        "endpoint_id": endpoint,
        "contractor_id": contractor,
        "customer_id": customer,
        "quote_id": quote,
        "policy_id": policy,
        "assignment_id": assignment,
        "referral_id": referrals[0]["id"],
    }


@pytest.fixture(scope="module")
def api_schema(stack):
    assert urlsplit(stack.base_url).hostname in LOOPBACK
    schema = schemathesis.openapi.from_url(f"{stack.base_url}/openapi.json", timeout=30)
    schema.config.update(base_url=stack.base_url, request_timeout=30)
    return schema


def key_for(definition: dict[str, Any], keys: dict[str, str]) -> str:
    """A key of a role the operation documents ("Roles: admin, platform"): platform when it may,
    else underwriter, else admin."""
    match = re.match(r"Roles: (.*)", definition.get("description", ""))
    roles = {role.strip() for role in match.group(1).split(",")} if match else {"platform"}
    for role in ("platform", "underwriter", "admin"):
        if role in roles:
            return keys[role]
    raise AssertionError(f"no known role in {definition.get('description')!r}")


def fuzz(
    operation: Any, base_url: str, headers: dict[str, str], path_parameters: dict[str, str]
) -> list[str]:
    """Send the generated cases for one operation; return the known bugs they reproduced."""
    reproduced: list[str] = []
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE, path_parameters=path_parameters or None),
        operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=path_parameters or None),
    )

    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        print_blob=False,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases)
    def run(case: Any) -> None:
        response = case.call(base_url=base_url, headers=headers, timeout=30)
        assert urlsplit(response.request.url).hostname in LOOPBACK
        excluded = []
        for bug in KNOWN_BUGS:
            if bug.matches(case, response):
                reproduced.append(bug.reason)
                excluded.append(bug.check)
        case.validate_response(
            response,
            checks=[check for check in CHECKS if check not in excluded],
            headers=headers,
            transport_kwargs={"base_url": base_url},
        )

    run()
    return reproduced


def test_every_operation_survives_fuzzing(stack, api_schema, fuzz_keys, real_ids, subtests):
    operations = [
        (path, method, definition)
        for path, item in api_schema.raw_schema["paths"].items()
        for method, definition in item.items()
        if method in METHODS
    ]
    assert len(operations) > 20, "the served spec lost its operations"
    for path, method, definition in operations:
        headers = {
            "Authorization": f"Bearer {key_for(definition, fuzz_keys)}",
            # One connection per request: chalice local stalls on keep-alive.
            "Connection": "close",
        }
        names = re.findall(r"{(\w+)}", path)
        passes = [("", {})]
        if names and all(name in real_ids for name in names):
            passes.append((" (real IDs)", {name: real_ids[name] for name in names}))
        for suffix, path_parameters in passes:
            with subtests.test(msg=f"{method.upper()} {path}{suffix}"):
                operation = api_schema[path][method.upper()]
                reproduced = fuzz(operation, stack.base_url, headers, path_parameters)
                if reproduced:
                    pytest.xfail(reproduced[0])
