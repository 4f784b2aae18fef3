"""Fanning a large job run out to workers (API.md "Scheduled functions": a run that one
invocation cannot finish answers `202 {"run"}`; `GET /v1/admin/jobs/runs/{id}` shows progress).

The term jobs' due index is sharded (`DUE#<job>#<shard>`) and so is the outbox
(`OUTBOX#<shard>`), so a run fans out by shard: one message per shard on the jobs queue; a worker
settles what its shard has due within its budget and, when more is left, sends the same shard
again (a continuation; the outbox and webhook deliveries, which run every minute, never do:
the next run takes the rest), else counts the shard done. Messages are delivered at least once: a
repeated one only finds less to do (a settled record has left the index, and every transition is
version-checked; an outbox event is claimed before it is handled). In AWS the queue is SQS
(`@on_sqs_message`, a dead-letter queue after repeated failures); locally and in tests without a
queue the same messages are worked in-process, one after another, before the trigger answers.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any, Protocol

from chalicelib.jobs.registry import JobRequest, JobResult
from chalicelib.ports import IdGenerator

# A worker has its function's 300 s (the admin route, API Gateway's 29 s).
WORKER_BUDGET_SECONDS = 240.0


@dataclass(frozen=True)
class ShardWork:
    """One message: settle shard `shard` of job `job`'s due index for the run `run`."""

    run: str
    job: str
    shard: int
    as_of: str
    now: str | None
    platform: str | None

    def request(self) -> JobRequest:
        return JobRequest(
            as_of=date.fromisoformat(self.as_of),
            now=datetime.fromisoformat(self.now) if self.now else None,
            platform=self.platform,
        )

    def body(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def parse(cls, body: str) -> ShardWork:
        data = json.loads(body)
        return cls(
            run=str(data["run"]),
            job=str(data["job"]),
            shard=int(data["shard"]),
            as_of=str(data["as_of"]),
            now=data.get("now"),
            platform=data.get("platform"),
        )


class WorkQueue(Protocol):
    def send(self, work: ShardWork) -> None: ...


class RunStore(Protocol):
    def start(self, run: str, job: str, request: JobRequest, shards: int, at: datetime) -> None:
        """Record a fanned-out run (its shards, zero progress)."""
        ...

    def add(self, run: str, *, processed: int, skipped: int, failed: int, shard_done: bool) -> None:
        """Add a worker's progress (atomic counters)."""
        ...

    def get(self, run: str) -> dict[str, Any] | None: ...


class ShardWorker(Protocol):
    def work_shard(self, request: JobRequest, shard: int) -> tuple[JobResult, bool]:
        """Settle what shard `shard` has due; (result, more left)."""
        ...


@dataclass(frozen=True)
class FanOut:
    """Where a run too large for one invocation goes: the work queue and the run records."""

    queue: WorkQueue
    runs: RunStore
    ids: IdGenerator
    worker_budget_seconds: float = WORKER_BUDGET_SECONDS

    def start(self, job: str, request: JobRequest, shards: int, at: datetime) -> JobResult:
        """Record a new run, send one message per shard, and answer what the trigger answers
        (the run's id: 202)."""
        run = self.ids.new("run")
        self.runs.start(run, job, request, shards, at)
        for shard in range(shards):
            self.queue.send(
                ShardWork(
                    run=run,
                    job=job,
                    shard=shard,
                    as_of=request.as_of.isoformat(),
                    now=request.now.isoformat() if request.now else None,
                    platform=request.platform,
                )
            )
        return {"processed": 0, "run": run, "shards": shards, "now": at.isoformat()}


class InProcessQueue:
    """The queue without SQS: messages are worked here, in order, until none is left (a worker's
    continuation is queued behind the others, as SQS would deliver it later).

    One thread works the queue at a time (the dev server's request threads and its scheduler
    thread share it): a message sent while another thread is working is worked by that thread.
    A worker that raises ends the draining, and what was still queued is dropped with it (the
    run's records say which shards never finished; the next run finds their work still due)."""

    def __init__(self) -> None:
        self._pending: deque[ShardWork] = deque()
        self._working = False
        self._lock = threading.Lock()
        self.worker: Callable[[ShardWork], object] | None = None

    def send(self, work: ShardWork) -> None:
        with self._lock:
            self._pending.append(work)
            if self._working or self.worker is None:
                return
            self._working = True
        try:
            while True:
                with self._lock:
                    if not self._pending:
                        self._working = False
                        return
                    message = self._pending.popleft()
                self.worker(message)
        except BaseException:
            with self._lock:
                self._pending.clear()
                self._working = False
            raise


def failed_count(result: JobResult) -> int:
    """What a worker's turn failed: its `failed` count (webhook deliveries out of attempts), or
    its `failures` (term-job records, outbox events handed back)."""
    failed = result.get("failed")
    return failed if isinstance(failed, int) else len(result.get("failures", []))


def work(
    message: ShardWork,
    jobs: Mapping[str, ShardWorker],
    queue: WorkQueue,
    runs: RunStore,
) -> JobResult:
    """A worker's turn on one shard: settle, record progress, and continue if more is left."""
    job = jobs[message.job]
    result, more = job.work_shard(message.request(), message.shard)
    runs.add(
        message.run,
        processed=int(result.get("processed", 0)),
        skipped=int(result.get("skipped", 0)),
        failed=failed_count(result),
        shard_done=not more,
    )
    if more:
        queue.send(message)
    return result
