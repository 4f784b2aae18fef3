"""The term jobs: `renewals`, `expirations`, `rescissions`, `audits` (API.md "Scheduled
functions"), daily at 06:00 UTC.

Each reads the due index for its name on or before the run's date (docs/data-model.md § The due
index: work grows with what is due, not with every policy; never a Scan), hands each record to
its handler, and commits each record's transition on its own (one policy or assignment per
transaction, so a run can stop anywhere and a rerun does only what is left: a settled record has
left the index). A record another writer changed meanwhile is re-read once and decided again; a
record whose handler fails stays due for the next run and is reported in `failures`.

A run processes at most `BATCH` records or `BUDGET_SECONDS`; `more: true` says records are left.
Larger runs fan out (chalicelib/jobs/fanout.py): the same handlers, by record keys, on workers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from time import monotonic as monotonic_seconds
from typing import Any, Protocol

from aws_lambda_powertools.logging import Logger

from chalicelib.domain.assignments import Assignment
from chalicelib.domain.change import Change, ObjectRef, Stamp
from chalicelib.domain.errors import DomainError, WriteConflict
from chalicelib.domain.policies import Policy
from chalicelib.domain.term import FinalAudit, TermRulebook
from chalicelib.domain.term.audit import (
    audit_basis,
    audit_due_by,
    audit_type,
    estimated_premium_earned,
)
from chalicelib.jobs.fanout import FanOut
from chalicelib.jobs.outbox import run_instant
from chalicelib.jobs.registry import JobRequest, JobResult
from chalicelib.ports import Clock, IdGenerator, UnitOfWork
from chalicelib.request_scope import fresh_scope, write_scope

BATCH = 200
# The admin route answers within API Gateway's 29 s (a worker: fanout.WORKER_BUDGET_SECONDS).
BUDGET_SECONDS = 20.0
logger = Logger(service="jobcover")
DueRecord = Policy | Assignment


class DueReader(Protocol):
    shards: int

    def due(
        self,
        job: str,
        as_of: date,
        *,
        limit: int,
        platform: str | None = None,
        shard: int | None = None,
    ) -> list[DueRecord]:
        """Up to `limit` records due for `job` on or before `as_of`, earliest first (all shards,
        or one)."""
        ...


class RecordLoader(Protocol):
    def reload(self, record: DueRecord) -> DueRecord | None:
        """The record as stored now (consistent read), or None when it is gone."""
        ...


@dataclass(frozen=True)
class Step:
    """What a handler decided for one record: the change to commit (None: nothing to do), the
    outcome it counts as, and work to run once the change stands."""

    change: Change[Any] | None
    outcome: str
    after: Callable[[], None] | None = None


@dataclass
class Tally:
    processed: int = 0
    skipped: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    failures: list[dict[str, str]] = field(default_factory=list)


class Run:
    """One run's context: its date, instant, tenant and stamp."""

    def __init__(self, request: JobRequest, now: datetime, ids: IdGenerator) -> None:
        self.as_of = request.as_of
        self.now = now
        self.platform = request.platform
        self.stamp = Stamp(now, ids.new)


Handler = Callable[[DueRecord, Run], Step]


class TermJob:
    """A term job: the due index for `name`, and the handler that settles one record."""

    def __init__(
        self,
        name: str,
        handler: Handler,
        *,
        due: DueReader,
        loader: RecordLoader,
        uow: Callable[[], UnitOfWork],
        ids: IdGenerator,
        clock: Clock,
        batch: int = BATCH,
        budget_seconds: float = BUDGET_SECONDS,
        monotonic: Callable[[], float] = monotonic_seconds,
        fanout: FanOut | None = None,
    ) -> None:
        self.name = name
        self._fanout = fanout
        self._handler = handler
        self._due = due
        self._loader = loader
        self._uow = uow
        self._ids = ids
        self._clock = clock
        self._batch = batch
        self._budget = budget_seconds
        self._monotonic = monotonic

    def run_for(self, request: JobRequest) -> Run:
        return Run(request, run_instant(request, self._clock), self._ids)

    def due(self, request: JobRequest, limit: int, shard: int | None = None) -> list[DueRecord]:
        return self._due.due(
            self.name, request.as_of, limit=limit, platform=request.platform, shard=shard
        )

    def __call__(self, request: JobRequest) -> JobResult:
        """Settle what is due, or, when more is due than one run takes and a queue is there,
        fan out by shard and answer the run's id."""
        if self._fanout is not None and len(self.due(request, self._batch + 1)) > self._batch:
            return self.fan_out(request, self._fanout)
        return self._settle_due(request, None, self._budget)

    def work_shard(self, request: JobRequest, shard: int) -> tuple[JobResult, bool]:
        """A worker's turn on one shard (chalicelib/jobs/fanout.py)."""
        budget = self._fanout.worker_budget_seconds if self._fanout else self._budget
        result = self._settle_due(request, shard, budget)
        return result, bool(result["more"])

    def fan_out(self, request: JobRequest, fanout: FanOut) -> JobResult:
        return fanout.start(self.name, request, self._due.shards, self.run_for(request).now)

    def _settle_due(self, request: JobRequest, shard: int | None, budget: float) -> JobResult:
        started = self._monotonic()
        run = self.run_for(request)
        tally = Tally()
        seen: set[str] = set()
        more = False
        while True:
            page = [
                r for r in self.due(request, self._batch + len(seen), shard) if r.id not in seen
            ]
            if not page:
                break
            for record in page:
                if self._monotonic() - started > budget:
                    more = True
                    break
                seen.add(record.id)
                self.settle(record, run, tally)
            if more or len(page) < self._batch:
                break
        return self.result(run, tally, more)

    def result(self, run: Run, tally: Tally, more: bool) -> JobResult:
        result: JobResult = {
            "processed": tally.processed,
            "skipped": tally.skipped,
            "more": more,
            "now": run.now.isoformat(),
            "platform": run.platform,
            **dict(sorted(tally.outcomes.items())),
        }
        if tally.failures:
            result["failures"] = tally.failures
        return result

    def settle(self, record: DueRecord, run: Run, tally: Tally) -> None:
        """Decide and commit one record; a concurrent change is re-read and decided once more."""
        current: DueRecord | None = record
        for attempt in range(2):
            if current is None:
                tally.skipped += 1
                return
            try:
                step = self._handler(current, run)
                if step.change is not None:
                    with write_scope(fresh_scope()):
                        uow = self._uow()
                        uow.record(step.change)
                        kind = "policy" if isinstance(current, Policy) else "assignment"
                        uow.commit(ObjectRef(kind, current.platform, current.id))
                if step.after is not None:
                    step.after()
            except WriteConflict:
                if attempt == 0:
                    current = self._loader.reload(current)
                    continue
                tally.skipped += 1
                return
            except DomainError as error:
                self._failed(record, error, tally)
                return
            except Exception as error:  # one record's bug must not stop the run
                logger.exception(
                    "term job record failed", extra={"job": self.name, "id": record.id}
                )
                self._failed(record, error, tally)
                return
            if step.change is None and step.outcome == "skipped":
                tally.skipped += 1
            else:
                tally.processed += 1
                tally.outcomes[step.outcome] = tally.outcomes.get(step.outcome, 0) + 1
            return

    def _failed(self, record: DueRecord, error: Exception, tally: Tally) -> None:
        tally.failures.append(
            {"id": record.id, "error": type(error).__name__, "message": str(error)[:200]}
        )


# --- the handlers ------------------------------------------------------------------------------


def skipped() -> Step:
    return Step(None, "skipped")


def rescission(rules: Callable[[], TermRulebook]) -> Handler:
    """`rescissions`: a bind whose down payment is past due is rescinded (Rescinding Bind
    Notice), its charges reversed."""

    def handle(record: DueRecord, run: Run) -> Step:
        if not isinstance(record, Policy) or record.status != "pending_payment":
            return skipped()
        due_by = record.down_payment_due_by
        if due_by is None or run.as_of <= due_by:
            return skipped()
        cited = next(
            (
                cite
                for line in record.lines.values()
                if (
                    cite := (terms := rules().for_program(line.program)).cite(
                        terms.rescission.section
                    )
                )
            ),
            None,
        )
        return Step(record.rescind(run.as_of, run.stamp, cited), "rescinded")

    return handle


def expiration(cancel_upcoming: Callable[[Policy], int]) -> Handler:
    """`expirations`: pending cancellations that took effect, terms that ended, and windows that
    closed while bound or active without `complete` (`unreported`)."""

    def handle(record: DueRecord, run: Run) -> Step:
        if isinstance(record, Assignment):
            if record.status not in {"bound", "partial", "active"} or record.window.end > run.now:
                return skipped()
            return Step(record.mark_unreported(run.stamp), "unreported")
        if record.status == "cancellation_pending" and record.cancellation is not None:
            if record.cancellation.effective_date > run.as_of:
                return skipped()
            change = record.cancellation_takes_effect(run.stamp)
            return Step(change, "cancelled", lambda: _sweep(cancel_upcoming, change.state))
        if record.status in {"active", "non_renewed", "renewal_pending_review"}:
            if record.expiration_date > run.as_of:
                return skipped()
            return Step(record.expire(run.stamp), "expired")
        return skipped()

    return handle


def _sweep(cancel_upcoming: Callable[[Policy], int], policy: Policy) -> None:
    cancel_upcoming(policy)


def audit(
    rules: Callable[[], TermRulebook], physical_threshold: Callable[[Policy], int | None]
) -> Handler:
    """`audits`: the final audit of an expired or cancelled annual term is requested; an
    unreported job's actual pay is asked for."""

    def handle(record: DueRecord, run: Run) -> Step:
        if isinstance(record, Assignment):
            if record.status != "unreported" or record.audit_requested_at is not None:
                return skipped()
            return Step(record.request_audit(run.stamp), "audit_requested")
        if record.status not in {"cancelled", "expired"} or record.final_audit is not None:
            return skipped()
        final = FinalAudit(
            type=audit_type(record.estimated_annual_premium_cents or 0, physical_threshold(record)),
            due_by=audit_due_by(record, rules()),
            status="requested",
            requested_at=run.now,
            basis=audit_basis(record),
            estimated_premium_cents=estimated_premium_earned(record),
        )
        return Step(record.request_final_audit(final, run.stamp), "final_audit_requested")

    return handle
