"""Soak `make run`'s stack over HTTP: does a working day of dispatches stay fast, small and right?

    python bench/soak.py [--sequential 2000] [--clients 8] [--per-client 250] [--repeats 10]

Starts `make run` on a free port and drives it over HTTP, one connection per request (chalice
local stalls on keep-alive, which would blur the figures). One platform, one contractor, one
policy; then three phases of POST /v1/assignments, each a new job (distinct `external_id`):

1. `--sequential` dispatches from one client;
2. `--clients` concurrent clients x `--per-client` dispatches each;
3. `--repeats` parallel sends of one and the same job (exactly one may bind).

Prints p50/p95 per batch of 250 dispatches, the RSS of the server's whole process tree, and every
error (any answer other than the expected one, or no answer). Then the goals, as ratios measured
in this run: zero errors; one bind per job (the repeated job, and the server's own records: each
external id listed once, the ledger's total equal to the sum of every bound premium); p50 of the
last sequential batch / the first <= 1.3 (the data grew, nothing else did); RSS growth <= 100 MB
per 1,000 dispatches; the local bind's p50 / the in-process bind (the same requests through
chalice's test client on moto in this process, as bench/dispatch.py's last line) <= 3, i.e. HTTP
and the servers cost no more than that.

On a shared machine a batch's p50 follows the machine's load as much as the data's size, so the
sequential phase also sends a reference request after every tenth dispatch (GET of the first job:
one GetItem, whose cost does not depend on the data) and prints its p50 per batch ("ref p50").
The load-adjusted growth divides the bind's last/first ratio by the reference's: what is left is
what the data's growth costs.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import io
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BATCH = 250
REFERENCE_EVERY = 10  # sequential dispatches per reference request (GET of the first job)
GOALS = {"last_over_first": 1.3, "rss_mb_per_1000": 100.0, "http_over_in_process": 3.0}


# --- the stack -------------------------------------------------------------------------------


@dataclass
class Stack:
    """`make run` in its own session (process group), with the keys it printed."""

    process: subprocess.Popen[str]
    port: int
    admin_key: str
    platform_key: str

    def rss_bytes(self) -> int:
        return process_group_rss(self.process.pid)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_stack(admin_key: str = "jca_soak_admin") -> Stack:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    env.update({"PORT": str(port), "JOBCOVER_ADMIN_KEY": admin_key, "PYTHONUNBUFFERED": "1"})
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if "Ctrl-C stops." in line:
            break
    text = "".join(seen)
    admin = re.search(r"Admin key\s+(\S+)", text)
    platform = re.search(r"Demo platform key\s+(\S+)", text)
    if not (admin and platform):
        stop_stack(process)
        raise RuntimeError("make run did not start:\n" + text)
    # Drain the server's output so it never blocks on a full pipe.
    threading.Thread(target=process.stdout.read, daemon=True).start()
    return Stack(process, port, admin.group(1), platform.group(1))


def stop_stack(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def process_group_rss(group: int) -> int:
    """Resident memory of every process in a process group (the server's whole tree)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            # Fields after the parenthesised command: state ppid pgrp ...
            if int(stat.rsplit(")", 1)[1].split()[2]) != group:
                continue
            status = (entry / "status").read_text()
        except (OSError, IndexError, ValueError):
            continue
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        total += int(match.group(1)) * 1024 if match else 0
    return total


# --- HTTP, one connection per request --------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int  # 0: no answer (connection refused, reset, timeout)
    body: Any
    seconds: float


def call(port: int, method: str, path: str, key: str, body: Any = None) -> Answer:
    payload = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": f"Bearer {key}", "Connection": "close"}
    if payload is not None:
        headers["Content-Type"] = "application/json"
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        status = response.status
    except (OSError, http.client.HTTPException) as error:
        return Answer(0, repr(error), time.perf_counter() - started)
    finally:
        connection.close()
    elapsed = time.perf_counter() - started
    try:
        return Answer(status, json.loads(raw) if raw else None, elapsed)
    except ValueError:
        return Answer(status, raw[:200].decode(errors="replace"), elapsed)


# --- the scenario ----------------------------------------------------------------------------


def contractor_body() -> dict[str, Any]:
    return {
        "legal_name": "Dana Reyes",
        "entity_type": "sole_proprietor",
        "tin_type": "ssn",
        "tin": "123-45-6789",
        "has_employees": False,
        "email": "dana@example.com",
        "address": {"line1": "1 Main St", "city": "Newark", "state": "NJ", "postal_code": "07102"},
        "years_in_business": 6,
        "experience_mod": "1.00",
    }


def job_body(contractor: str, external_id: str, day: int = 1) -> dict[str, Any]:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=day)
    return {
        "external_id": external_id,
        "contractor": contractor,
        "trade": "hvac",
        "work_address": {
            "line1": "12 Job St",
            "city": "Newark",
            "state": "NJ",
            "postal_code": "07102",
        },
        "window": {"start": start.isoformat(), "end": (start + timedelta(hours=3)).isoformat()},
        "pay": {"amount_cents": 40_000, "basis": "flat"},
        "lines": ["wc", "gl"],
    }


@dataclass
class Setup:
    key: str
    contractor: str


def set_up(send: Callable[[str, str, str, Any], Answer], admin_key: str) -> Setup:
    """A platform, a contractor and an active policy from a WC + GL quote in NJ."""
    platform = send("POST", "/v1/platforms", admin_key, {"name": "Soak Dispatch"})
    assert platform.status == 201, platform
    key = platform.body["api_key"]
    contractor = send("POST", "/v1/contractors", key, contractor_body())
    assert contractor.status == 201, contractor
    quote = send(
        "POST",
        "/v1/quotes",
        key,
        {
            "contractor": contractor.body["id"],
            "trade": "hvac",
            "work_state": "NJ",
            "lines": ["wc", "gl"],
            "effective_date": datetime.now(UTC).date().isoformat(),
            "estimated_annual_pay_cents": 4_000_000,
            # The application's answers (a WC line is never eligible on silence).
            "operations": {
                "max_height_feet": 12,
                "max_depth_feet": 0,
                "subcontracted_pay_pct": 0,
                "cash_labor_pct": 0,
                "hazards": [],
            },
        },
    )
    assert quote.status == 201, quote
    assert quote.body["status"] == "eligible", quote
    policy = send("POST", "/v1/policies", key, {"quote": quote.body["id"], "accept_terms": True})
    assert policy.status == 201, policy
    assert policy.body["status"] == "active", policy
    return Setup(key, contractor.body["id"])


@dataclass
class Dispatch:
    phase: str
    external_id: str
    answer: Answer


@dataclass
class Soak:
    """Everything the phases saw, in completion order."""

    port: int
    setup: Setup
    rss: Callable[[], int]
    dispatches: list[Dispatch] = field(default_factory=list)
    rss_samples: list[tuple[int, int]] = field(default_factory=list)  # (dispatches, bytes)
    references: list[tuple[int, float]] = field(default_factory=list)  # (dispatches, seconds)
    errors: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def dispatch(self, phase: str, external_id: str) -> Dispatch:
        answer = call(self.port, "POST", "/v1/assignments", self.setup.key, self.body(external_id))
        done = Dispatch(phase, external_id, answer)
        with self._lock:
            self.dispatches.append(done)
            if len(self.dispatches) % BATCH == 0:
                self.rss_samples.append((len(self.dispatches), self.rss()))
        return done

    def body(self, external_id: str) -> dict[str, Any]:
        return job_body(self.setup.contractor, external_id)

    def sequential(self, count: int) -> None:
        """`count` dispatches; every REFERENCE_EVERY-th is followed by a reference request."""
        first = ""
        for number in range(count):
            done = self.dispatch("sequential", f"seq-{number}")
            self.expect_bound(done)
            if not first and isinstance(done.answer.body, dict):
                first = str(done.answer.body.get("id", ""))
            if first and number % REFERENCE_EVERY == 0:
                answer = call(self.port, "GET", f"/v1/assignments/{first}", self.setup.key)
                self.references.append((len(self.dispatches), answer.seconds))

    def concurrent(self, clients: int, per_client: int) -> None:
        if clients < 1:
            return

        def client(number: int) -> None:
            for job in range(per_client):
                self.expect_bound(self.dispatch("concurrent", f"c{number}-{job}"))

        with ThreadPoolExecutor(max_workers=clients) as pool:
            list(pool.map(client, range(clients)))

    def repeated(self, sends: int) -> int:
        """`sends` parallel sends of one job; returns how many bound it."""
        barrier = threading.Barrier(sends)

        def send(_: int) -> Dispatch:
            barrier.wait()
            return self.dispatch("repeated", "repeated-job")

        with ThreadPoolExecutor(max_workers=sends) as pool:
            answers = list(pool.map(send, range(sends)))
        created = [d for d in answers if d.answer.status == 201]
        for done in created:
            self.expect_bound(done)
        bound_id = created[0].answer.body["id"] if created else None
        for done in answers:
            if done.answer.status == 201:
                continue
            error = done.answer.body.get("error", {}) if isinstance(done.answer.body, dict) else {}
            details = error.get("details") or [{}]
            if not (
                done.answer.status == 409
                and error.get("code") == "duplicate_external_id"
                and details[0].get("id") == bound_id
            ):
                self.error(done, "expected 409 duplicate_external_id naming the bound job")
        return len(created)

    def expect_bound(self, done: Dispatch) -> None:
        body = done.answer.body
        if done.answer.status != 201 or not isinstance(body, dict) or body["status"] != "bound":
            self.error(done, "expected 201 bound")

    def error(self, done: Dispatch, expected: str) -> None:
        with self._lock:
            self.errors.append(
                f"{done.phase} {done.external_id}: {expected}, got {done.answer.status} "
                f"{json.dumps(done.answer.body)[:300]}"
            )

    def check_one_bind_per_job(self) -> list[str]:
        """The server's own records against the answers: each bound job once, priced once."""
        problems: list[str] = []
        bound = {
            d.answer.body["id"]: d
            for d in self.dispatches
            if d.answer.status == 201 and isinstance(d.answer.body, dict)
        }
        listed: Counter[str] = Counter()
        cursor = ""
        while True:
            page = call(
                self.port,
                "GET",
                f"/v1/assignments?contractor={self.setup.contractor}&limit=100{cursor}",
                self.setup.key,
            )
            if page.status != 200:
                return [f"listing assignments: {page.status} {page.body}"]
            listed.update(item["external_id"] for item in page.body["data"])
            if not page.body["has_more"]:
                break
            cursor = f"&starting_after={page.body['data'][-1]['id']}"
        twice = sorted(external_id for external_id, count in listed.items() if count > 1)
        if twice:
            problems.append(f"external ids bound more than once: {twice[:10]}")
        if sum(listed.values()) != len(bound):
            problems.append(f"{sum(listed.values())} assignments listed, {len(bound)} created")
        ledger = call(
            self.port,
            "GET",
            f"/v1/ledger?contractor={self.setup.contractor}&limit=1",
            self.setup.key,
        )
        premium = sum(d.answer.body["premium_cents"] for d in bound.values())
        if ledger.status != 200 or ledger.body["total_cents"] != premium:
            problems.append(f"ledger total {ledger.body} != the bound premium {premium}")
        return problems


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# --- the in-process bind: the same requests without HTTP or servers --------------------------


def in_process_bind_seconds(count: int) -> list[float]:
    """POST /v1/assignments through chalice's test client on moto (stage "test"), as the last
    line of bench/dispatch.py: auth + route + bind, no HTTP, no moto server."""
    sys.path.insert(0, str(ROOT))
    saved = dict(os.environ)
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
    try:
        import warnings

        import boto3
        from moto import mock_aws

        from devserver import localaws
        from devserver.resources import create_resources, stage_environment, stage_names

        env = stage_environment("test")
        os.environ.update(env)
        localaws.install()
        # Metrics are disabled, yet Powertools prints a metric set that reaches 100 values.
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        with mock_aws(), contextlib.redirect_stdout(io.StringIO()):
            from chalice.test import Client

            from app import app
            from chalicelib import bootstrap
            from devserver.gateway import install_gateway_responses

            bootstrap.reset()
            create_resources(boto3.session.Session(), stage="test", names=stage_names(env))
            install_gateway_responses()
            with Client(app, stage_name="test", project_dir=str(ROOT)) as client:

                def send(method: str, path: str, key: str, body: Any = None) -> Answer:
                    started = time.perf_counter()
                    response = client.http.request(
                        method,
                        path,
                        headers={
                            "Authorization": f"Bearer {key}",
                            "Content-Type": "application/json",
                        },
                        body=json.dumps(body).encode() if body is not None else b"",
                    )
                    answer = json.loads(response.body) if response.body else None
                    return Answer(response.status_code, answer, time.perf_counter() - started)

                setup = set_up(send, env["JOBCOVER_ADMIN_KEY"])
                seconds: list[float] = []
                for number in range(count + 10):
                    body = job_body(setup.contractor, f"in-process-{number}")
                    answer = send("POST", "/v1/assignments", setup.key, body)
                    assert answer.status == 201, answer
                    if number >= 10:  # the first few warm lazy caches
                        seconds.append(answer.seconds)
            bootstrap.reset()
        return seconds
    finally:
        os.environ.clear()
        os.environ.update(saved)


# --- report ----------------------------------------------------------------------------------


@dataclass
class Batches:
    """The sequential phase's full batches: bind p50s, reference p50s, every bind's time."""

    p50: list[float] = field(default_factory=list)
    reference_p50: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)


def report_batches(soak: Soak) -> Batches:
    """Print p50/p95 per batch of 250 (and the reference GET's p50 in sequential batches)."""
    print(
        f"\n{'batch':>11} {'phase':<19} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7} {'RSS MB':>8}"
        f" {'ref p50':>8}"
    )
    rss = dict(soak.rss_samples)
    sequential = Batches()
    for start in range(0, len(soak.dispatches), BATCH):
        batch = soak.dispatches[start : start + BATCH]
        seconds = [d.answer.seconds for d in batch]
        phases = sorted({d.phase for d in batch})
        p50 = statistics.median(seconds) * 1e3
        failed = sum(1 for d in batch if d.answer.status not in (201, 409))
        end = start + len(batch)
        memory = f"{rss[end] / 2**20:8.0f}" if end in rss else f"{'':>8}"
        references = [s for at, s in soak.references if start < at <= end]
        reference = statistics.median(references) * 1e3 if references else float("nan")
        print(
            f"{start + 1:>5}-{end:<5} {'+'.join(phases):<19} {p50:8.1f} "
            f"{percentile(seconds, 0.95) * 1e3:8.1f} {failed:7d} {memory}"
            + (f" {reference:8.1f}" if references else "")
        )
        if phases == ["sequential"] and len(batch) == BATCH:
            sequential.p50.append(p50)
            sequential.reference_p50.append(reference)
            sequential.seconds.extend(seconds)
    return sequential


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


@contextmanager
def stack_running() -> Iterator[Stack]:
    stack = start_stack()
    try:
        yield stack
    finally:
        stop_stack(stack.process)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sequential", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--per-client", type=int, default=250)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--in-process", type=int, default=250, help="in-process binds to time")
    args = parser.parse_args()

    in_process = in_process_bind_seconds(args.in_process)
    in_process_p50 = statistics.median(in_process) * 1e3
    print(f"in-process bind (chalice test client on moto): p50 {in_process_p50:.1f} ms")

    with stack_running() as stack:
        started = time.monotonic()
        setup = set_up(lambda m, p, k, b=None: call(stack.port, m, p, k, b), stack.admin_key)
        soak = Soak(stack.port, setup, stack.rss_bytes)
        rss_start = stack.rss_bytes()
        soak.rss_samples.append((0, rss_start))
        soak.sequential(args.sequential)
        soak.concurrent(args.clients, args.per_client)
        repeated_binds = soak.repeated(args.repeats)
        rss_end = stack.rss_bytes()
        problems = soak.check_one_bind_per_job()
        took = time.monotonic() - started

    print(
        f"make run's stack: {args.sequential} sequential, {args.clients} clients x "
        f"{args.per_client}, {args.repeats} parallel sends of one job ({took:.0f} s)"
    )
    sequential = report_batches(soak)
    for error in soak.errors[:20]:
        print("  error:", error)
    for problem in problems:
        print("  problem:", problem)

    dispatched = len(soak.dispatches)
    growth = (rss_end - rss_start) / 2**20 / dispatched * 1000
    http_p50 = statistics.median(sequential.seconds) * 1e3 if sequential.seconds else float("nan")
    ratio = adjusted = float("nan")
    if sequential.p50:
        ratio = sequential.p50[-1] / sequential.p50[0]
        references = sequential.reference_p50
        adjusted = ratio / (references[-1] / references[0])
    over_in_process = http_p50 / in_process_p50
    checks = [
        ("errors", f"{len(soak.errors)}", "0", not soak.errors),
        ("binds of the repeated job", f"{repeated_binds}", "1", repeated_binds == 1),
        ("one bind per job (listing, ledger)", f"{len(problems)} problems", "0", not problems),
        (
            "p50 last sequential batch / first",
            f"{ratio:.2f}x",
            f"<= {GOALS['last_over_first']}x",
            ratio <= GOALS["last_over_first"],
        ),
        (
            "  the same, load-adjusted (see above)",
            f"{adjusted:.2f}x",
            f"<= {GOALS['last_over_first']}x",
            adjusted <= GOALS["last_over_first"],
        ),
        (
            "RSS growth per 1,000 dispatches",
            f"{growth:.0f} MB",
            f"<= {GOALS['rss_mb_per_1000']:.0f} MB",
            growth <= GOALS["rss_mb_per_1000"],
        ),
        (
            "local bind p50 / in-process bind p50",
            f"{over_in_process:.2f}x",
            f"<= {GOALS['http_over_in_process']}x",
            over_in_process <= GOALS["http_over_in_process"],
        ),
    ]
    print(
        f"\nabsolute: local bind p50 {http_p50:.1f} ms (sequential), "
        f"in-process {in_process_p50:.1f} ms; RSS {rss_start / 2**20:.0f} -> "
        f"{rss_end / 2**20:.0f} MB over {dispatched} dispatches"
    )
    print(
        "load-adjusted: the last/first ratio of the bind's p50 divided by that of the reference "
        "GET's p50\n(the machine's load moves both; the data's growth only the bind)"
    )
    print(f"\n{'goal':<38} {'measured':>12} {'target':>10}")
    for name, measured, target, ok in checks:
        print(f"{name:<38} {measured:>12} {target:>10}  {verdict(ok)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
