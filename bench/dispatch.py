"""DynamoDB calls and round trips per request, and bind latency next to a no-op baseline.

    python bench/dispatch.py [N]

Runs the app in-process on moto (mock_aws + chalice's test client, stage "test"), counts every
DynamoDB call the app's client makes (botocore event hooks on the Container's client), and splits
them into auth (the API-key GetItem), idempotency (the Idempotency-Key records) and the
operation's own. Calls whose [start, end] intervals overlap form one round trip (the bind's
BatchGetItem and Query are issued concurrently). Budgets: quote <= 2 round trips, create+bind
<= 1 read round + 1 TransactWriteItems, GET <= 1, no Scan anywhere.

Then bind latency (AssignmentServices.create, the service the route calls) as a median over N
runs, next to a baseline that replays the very same DynamoDB requests (same keys, same item
sizes, fresh IDs; BatchGetItem and Query concurrently, then TransactWriteItems) with boto3 and no
app code, interleaved with the app's runs against the same moto tables. Goal: ratio <= 1.5x.
Both sides pay moto (with devserver.localaws, as `make run` has it): the "overhead" line (wall
time minus time inside DynamoDB calls) is the app's own cost, independent of the emulator.
"""

from __future__ import annotations

import copy
import gc
import json
import os
import re
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STAGE = "test"
OPERATIONS = (
    "GetItem",
    "BatchGetItem",
    "Query",
    "TransactWriteItems",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Scan",
)
RATIO_GOAL = 1.5


def _fake_aws_environment() -> dict[str, str]:
    """No real AWS, ever; then the test stage's environment for the whole process."""
    for name in list(os.environ):
        if name.startswith("AWS_ENDPOINT_URL") or name in {"AWS_PROFILE", "AWS_SESSION_TOKEN"}:
            del os.environ[name]
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
    )
    from devserver.resources import stage_environment

    env = stage_environment(STAGE)
    os.environ.update(env)
    return env


@dataclass
class Call:
    operation: str
    params: dict[str, Any]
    start: float
    end: float = 0.0


@dataclass
class Recorder:
    """Every DynamoDB call made through one client, with its interval."""

    calls: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    network_seconds: float = 0.0  # a simulated round trip inside each call (GIL released)

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-parameter-build.dynamodb", self._before)
        client.meta.events.register("before-call.dynamodb", self._network)
        client.meta.events.register("after-call.dynamodb", self._after)

    def _network(self, **_: Any) -> None:
        if self.network_seconds:
            time.sleep(self.network_seconds)

    def _before(
        self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any
    ) -> None:
        call = Call(model.name, copy.deepcopy(params), time.perf_counter())
        context["bench_call"] = call
        with self.lock:
            self.calls.append(call)

    def _after(self, context: dict[str, Any], **_: Any) -> None:
        call = context.get("bench_call")
        if call is not None:
            call.end = time.perf_counter()

    @contextmanager
    def recording(self) -> Iterator[list[Call]]:
        with self.lock:
            self.calls = []
        taken: list[Call] = []
        yield taken
        with self.lock:
            taken.extend(self.calls)


def rounds(calls: list[Call]) -> int:
    """Round trips: calls whose intervals overlap count once."""
    count, reach = 0, float("-inf")
    for call in sorted(calls, key=lambda c: c.start):
        if call.start >= reach:
            count += 1
        reach = max(reach, call.end) if call.start < reach else call.end
    return count


def busy_seconds(calls: list[Call]) -> float:
    """Wall time spent inside DynamoDB calls (the union of their intervals)."""
    total, start, end = 0.0, None, None
    for call in sorted(calls, key=lambda c: c.start):
        if end is None or call.start > end:
            if end is not None and start is not None:
                total += end - start
            start, end = call.start, call.end
        else:
            end = max(end, call.end)
    if start is not None and end is not None:
        total += end - start
    return total


@dataclass(frozen=True)
class Measured:
    label: str
    status: int
    calls: list[Call]
    idempotency_table: str

    def part(self, which: str) -> list[Call]:
        def kind(call: Call) -> str:
            if call.params.get("TableName") == self.idempotency_table:
                return "idempotency"
            key = call.params.get("Key", {}).get("pk", {}).get("S", "")
            return "auth" if call.operation == "GetItem" and key.startswith("KEY#") else "op"

        return [call for call in self.calls if kind(call) == which]


def window() -> dict[str, str]:
    start = datetime.now(UTC).replace(hour=14, minute=0, second=0, microsecond=0) + timedelta(
        days=1
    )
    return {"start": start.isoformat(), "end": (start + timedelta(hours=4)).isoformat()}


class Bench:
    def __init__(self, client: Any, recorder: Recorder, idempotency_table: str) -> None:
        self.client = client
        self.recorder = recorder
        self.idempotency_table = idempotency_table
        self.serial = 0

    def call(self, method: str, path: str, key: str, body: Any = None, **headers: str) -> Any:
        sent = {"Content-Type": "application/json", "Authorization": f"Bearer {key}", **headers}
        payload = json.dumps(body).encode() if body is not None else b""
        response = self.client.http.request(method, path, headers=sent, body=payload)
        return response.status_code, json.loads(response.body) if response.body else None

    def measure(
        self, label: str, method: str, path: str, key: str, body: Any = None, **headers: str
    ) -> tuple[Measured, Any]:
        with self.recorder.recording() as calls:
            status, answer = self.call(method, path, key, body, **headers)
        return Measured(label, status, calls, self.idempotency_table), answer

    def next_key(self) -> str:
        self.serial += 1
        return f"bench-{self.serial}-{time.time_ns()}"


def report(rows: list[tuple[Measured, str, Callable[[Measured], bool]]]) -> bool:
    head = f"{'request':<42} {'st':>3} " + " ".join(f"{op[:8]:>8}" for op in OPERATIONS)
    head += f" {'auth':>5} {'idem':>5} {'op rt':>6}  budget"
    print(head)
    print("-" * len(head))
    ok = True
    for measured, budget, check in rows:
        own = measured.part("op")
        counts = Counter(call.operation for call in own)
        passed = check(measured) and not any(c.operation == "Scan" for c in measured.calls)
        ok &= passed
        line = f"{measured.label:<42} {measured.status:>3} "
        line += " ".join(f"{counts.get(op, 0):>8}" for op in OPERATIONS)
        line += f" {len(measured.part('auth')):>5} {len(measured.part('idempotency')):>5}"
        line += f" {rounds(own):>6}  {budget}: {'ok' if passed else 'OVER'}"
        print(line)
    print(
        "columns: the operation's own calls by type; auth = API-key GetItem; idem = Powertools "
        "calls (idempotency table);\nop rt = the operation's own round trips (overlapping calls "
        "count once). Scans anywhere fail the budget."
    )
    return ok


def bind_budget(measured: Measured) -> bool:
    """One read round, then the bind's TransactWriteItems; after it, the certificate's issue (a
    PUT to S3, not counted here, and one TransactWriteItems) and the answer's certificate read
    (one GetItem): bench/certificates.py measures what issuing adds."""
    own = measured.part("op")
    writes = [c for c in own if c.operation == "TransactWriteItems"]
    if len(writes) not in (1, 2):
        return False
    reads = reads_before_writing(own)
    after = [c for c in own if c.operation != "TransactWriteItems" and c.start >= writes[0].end]
    return (
        rounds(reads) <= 1
        and len(reads) + len(after) + len(writes) == len(own)
        and (len(writes) == 1 or [c.operation for c in after] == ["GetItem"])
    )


def reads_before_writing(calls: list[Call]) -> list[Call]:
    """A request's calls that end before its first TransactWriteItems starts."""
    writes = [c.start for c in calls if c.operation == "TransactWriteItems"]
    first = min(writes, default=float("inf"))
    return [c for c in calls if c.operation != "TransactWriteItems" and c.end <= first]


def fresh_ids(captured: list[Call], external_id: str) -> Callable[[int], list[Call]]:
    """The captured bind's requests, with its IDs and external id renamed for run `n`."""
    text = json.dumps([(c.operation, c.params) for c in captured])
    # New ids (assignment, ledger, outbox events, certificate) and the request's writer.
    names = set(re.findall(r"(?:asg|led|evt|crt)_[0-9a-z]{26}", text)) | {external_id}
    names |= set(re.findall(r"REQ#([0-9a-z]{16,})", text))  # the request's exactly-once marker
    names = sorted(names)

    def replay(run: int) -> list[Call]:
        renamed = text
        for name in names:
            renamed = renamed.replace(name, f"{name[:-8]}{run:08d}")
        return [Call(op, params, 0.0) for op, params in json.loads(renamed)]

    return replay


def baseline_bind(client: Any, requests: list[Call], pool: ThreadPoolExecutor) -> float:
    """The same DynamoDB calls as one bind: BatchGetItem || Query, then TransactWriteItems."""
    by_op = {call.operation: call.params for call in requests}
    started = time.perf_counter()
    query = pool.submit(client.query, **by_op["Query"])
    client.batch_get_item(**by_op["BatchGetItem"])
    query.result()
    client.transact_write_items(**by_op["TransactWriteItems"])
    return time.perf_counter() - started


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    env = _fake_aws_environment()
    import boto3
    from moto import mock_aws

    from devserver import localaws

    localaws.install()  # moto as `make run` and the functional tests have it
    with mock_aws():
        from chalice.test import Client

        from app import app
        from chalicelib import bootstrap
        from chalicelib.domain.assignments import AssignmentInput, Pay, Window
        from chalicelib.domain.parties import Address
        from devserver.gateway import install_gateway_responses
        from devserver.resources import create_resources, stage_names

        bootstrap.reset()
        create_resources(boto3.session.Session(), stage=STAGE, names=stage_names(env))
        install_gateway_responses()
        admin = env["JOBCOVER_ADMIN_KEY"]
        recorder = Recorder()
        container = bootstrap.container()
        recorder.attach(container.dynamodb)
        with Client(app, stage_name=STAGE, project_dir=str(ROOT)) as client:
            bench = Bench(client, recorder, container.settings.idempotency_table_name)
            assert bootstrap.container() is container, "the stage environment differs"
            _, platform = bench.call("POST", "/v1/platforms", admin, {"name": "Bench Dispatch"})
            key = platform["api_key"]
            _, contractor = bench.call(
                "POST",
                "/v1/contractors",
                key,
                {
                    "legal_name": "Dana Reyes",
                    "entity_type": "sole_proprietor",
                    "tin_type": "ssn",
                    "tin": "123-45-6789",
                    "has_employees": False,
                    "email": "dana@example.com",
                    "address": {
                        "line1": "1 Main St",
                        "city": "Newark",
                        "state": "NJ",
                        "postal_code": "07102",
                    },
                    "years_in_business": 6,
                    "experience_mod": "1.00",
                },
            )
            # The heavier, common case: a customer-of-record with AI and waiver requirements.
            _, customer = bench.call(
                "POST",
                "/v1/customers",
                key,
                {
                    "name": "Harbor Property Management",
                    "address": {
                        "line1": "9 Pier Rd",
                        "city": "Philadelphia",
                        "state": "PA",
                        "postal_code": "19103",
                    },
                    "requirements": {"additional_insured": True, "waiver_of_subrogation": True},
                },
            )
            quote_body = {
                "contractor": contractor["id"],
                "customer": customer["id"],
                "trade": "hvac",
                "work_state": "NJ",
                "lines": ["wc", "gl"],
                "effective_date": datetime.now(UTC).date().isoformat(),
                "estimated_annual_pay_cents": 4_000_000,
                "operations": {
                    "max_height_feet": 12,
                    "max_depth_feet": 0,
                    "subcontracted_pay_pct": 0,
                    "cash_labor_pct": 0,
                    "hazards": [],
                },
            }
            _, quote = bench.call("POST", "/v1/quotes", key, quote_body)
            status, policy = bench.call(
                "POST", "/v1/policies", key, {"quote": quote["id"], "accept_terms": True}
            )
            assert status == 201, policy

            def job(external_id: str) -> dict[str, Any]:
                return {
                    "external_id": external_id,
                    "contractor": contractor["id"],
                    "customer": customer["id"],
                    "trade": "hvac",
                    "work_address": {
                        "line1": "12 Job St",
                        "city": "Philadelphia",
                        "state": "PA",
                        "postal_code": "19103",
                    },
                    "window": window(),
                    "pay": {"amount_cents": 40_000, "basis": "flat"},
                    "lines": ["wc", "gl"],
                }

            # Warm every lazy cache (reference data, rulebooks, Powertools) before measuring.
            bench.call("POST", "/v1/quotes", key, quote_body, **{"Idempotency-Key": "warm-q"})
            bench.call("POST", "/v1/assignments", key, job("warm"), **{"Idempotency-Key": "w"})

            # moto answers in-process while holding the GIL, so two calls issued concurrently
            # may still run one after the other; a simulated 2 ms network round trip inside
            # each call lets concurrently issued calls overlap as they do against DynamoDB.
            recorder.network_seconds = 0.002
            rows: list[tuple[Measured, str, Callable[[Measured], bool]]] = []
            two_rt: Callable[[Measured], bool] = lambda m: rounds(m.part("op")) <= 2  # noqa: E731
            one_rt: Callable[[Measured], bool] = lambda m: rounds(m.part("op")) <= 1  # noqa: E731
            for idem in (False, True):
                suffix = " + Idempotency-Key" if idem else ""
                headers = {"Idempotency-Key": bench.next_key()} if idem else {}
                rows.append(
                    (
                        bench.measure(
                            "POST /v1/quotes" + suffix,
                            "POST",
                            "/v1/quotes",
                            key,
                            quote_body,
                            **headers,
                        )[0],
                        "<= 2 rt",
                        two_rt,
                    )
                )
            created = ""
            for idem in (False, True):
                suffix = " + Idempotency-Key" if idem else ""
                headers = {"Idempotency-Key": bench.next_key()} if idem else {}
                body = job(f"bench-{bench.next_key()}")
                measured, answer = bench.measure(
                    "POST /v1/assignments" + suffix,
                    "POST",
                    "/v1/assignments",
                    key,
                    body,
                    **headers,
                )
                assert (measured.status, answer["status"]) == (201, "bound"), answer
                created = answer["id"]
                rows.append((measured, "1 read rt + 1 TWI (+ certificate)", bind_budget))
                if idem:
                    replay, _ = bench.measure(
                        "  same key again (replay)",
                        "POST",
                        "/v1/assignments",
                        key,
                        body,
                        **headers,
                    )
                    rows.append((replay, "0 op calls", lambda m: not m.part("op")))
            for idem in (False, True):
                suffix = " + Idempotency-Key" if idem else ""
                headers = {"Idempotency-Key": bench.next_key()} if idem else {}
                rows.append(
                    (
                        bench.measure(
                            "GET /v1/assignments/{id}" + suffix,
                            "GET",
                            f"/v1/assignments/{created}",
                            key,
                            **headers,
                        )[0],
                        "<= 1 rt",
                        one_rt,
                    )
                )
            print(
                f"DynamoDB calls per request (moto, stage {STAGE!r}, "
                "+2 ms simulated network per call)\n"
            )
            within = report(rows)
            binds = [r for r, _, _ in rows if r.label.startswith("POST /v1/assignments")]
            overlapped = all(rounds(reads_before_writing(r.part("op"))) == 1 for r in binds)
            print(
                "bind read round: BatchGetItem, Query (and the request marker's GetItem) "
                + ("overlapped in time (1 round)" if overlapped else "did NOT overlap (2 rounds)")
            )
            print("budgets:", "all within" if within else "SOME OVER")
            recorder.network_seconds = 0.0

            # -- latency: the service's bind vs the same DynamoDB requests with no app code ----
            # The bind alone: certificates off (bench/certificates.py measures what they add).
            services = replace(container.assignments, certificates=None)
            platform_id = platform["id"]

            def request(external_id: str) -> AssignmentInput:
                body = job(external_id)
                return AssignmentInput(
                    external_id=external_id,
                    contractor=contractor["id"],
                    customer=None,
                    trade="hvac",
                    description=None,
                    work_address=Address.model_validate(body["work_address"]),
                    window=Window.model_validate(body["window"]),
                    pay=Pay.model_validate(body["pay"]),
                    lines=("wc", "gl"),
                    requirements=None,
                    bind=True,
                )

            with recorder.recording() as captured:
                services.create(platform_id, request("template-job"))
            replay_bind = fresh_ids(captured, "template-job")
            raw = container.dynamodb
            app_s: list[float] = []
            app_db_s: list[float] = []
            base_s: list[float] = []
            http_s: list[float] = []
            with ThreadPoolExecutor(max_workers=1) as pool:
                for run in range(runs):
                    order = (0, 1) if run % 2 else (1, 0)
                    for side in order:
                        gc.collect()  # collect the previous run's garbage untimed
                        if side == 0:
                            with recorder.recording() as calls:
                                started = time.perf_counter()
                                services.create(platform_id, request(f"lat-{run}"))
                                app_s.append(time.perf_counter() - started)
                            app_db_s.append(busy_seconds(calls))
                        else:
                            base_s.append(baseline_bind(raw, replay_bind(run), pool))
                    started = time.perf_counter()
                    status, _ = bench.call("POST", "/v1/assignments", key, job(f"http-{run}"))
                    http_s.append(time.perf_counter() - started)
            app_median = statistics.median(app_s) * 1e3
            base_median = statistics.median(base_s) * 1e3
            overhead = statistics.median(a - d for a, d in zip(app_s, app_db_s, strict=True))
            print(f"\nbind latency, median of {runs} interleaved runs (same process, same tables)")
            print(f"  baseline (same boto3 calls, no app code): {base_median:8.2f} ms")
            print(f"  app bind (AssignmentServices.create):     {app_median:8.2f} ms")
            verdict = "ok" if app_median <= RATIO_GOAL * base_median else "OVER"
            print(
                f"  ratio app / baseline: {app_median / base_median:.2f}x "
                f"(goal <= {RATIO_GOAL}x: {verdict})"
            )
            print(
                f"  app overhead without DynamoDB (wall - time in DynamoDB calls): "
                f"{overhead * 1e3:.2f} ms"
            )
            print(
                f"  whole HTTP POST /v1/assignments via chalice test client (auth + bind): "
                f"{statistics.median(http_s) * 1e3:.2f} ms"
            )


if __name__ == "__main__":
    main()
