"""The one load-decide-commit loop every state-changing service runs.

A request's change is decided on what it reads, recorded in a fresh unit of work and committed
once. A retried request finds its earlier commit (`committed_before`) and answers it; the first
attempt reads for it alongside its own reads (`decide_unless_committed`), so a request with an
Idempotency-Key pays no extra round trip for the check. A
conflicting concurrent write (`WriteConflict`: a version moved, a claim taken) is re-read and
decided again after a jittered, doubling pause; when the attempts run out the caller's 409
`concurrent_update` says to retry with the same Idempotency-Key. The pause is injected, so tests
and the fakes run without sleeping.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Generic, TypeVar

from chalicelib.domain.change import Change, ObjectRef
from chalicelib.domain.errors import Conflict, WriteConflict
from chalicelib.ports import UnitOfWork

T = TypeVar("T")


@dataclass(frozen=True)
class Retry:
    """How often a conflicting commit is decided again, and how long to wait between.

    Between attempts: half the doubled step plus up to the other half at random (equal jitter),
    the step capped: with a 25 ms base, 12-25, 25-50, 50-100, 100-200, then 160-320 ms. A
    conflicting transaction still in flight is invisible to the re-read; retrying at once would
    only meet it again."""

    attempts: int
    base_seconds: float = 0.025
    cap_seconds: float = 0.32
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def pause(self, attempt: int) -> None:
        step = min(self.base_seconds * 2.0**attempt, self.cap_seconds)
        self.sleep(step / 2 + random.uniform(0, step / 2))  # noqa: S311 (jitter, not security)


@dataclass(frozen=True)
class Committed(Generic[T]):
    """What a commit loop ended with: this attempt's change, or the reference an earlier
    commit of the same request recorded (`change` is None then)."""

    change: Change[T] | None
    earlier: ObjectRef | None


def decide_unless_committed(
    unit: UnitOfWork, decide: Callable[[], T]
) -> tuple[T, None] | tuple[None, ObjectRef]:
    """A request's first decision, unless an earlier attempt of it committed: then that commit's
    reference. The check (the request marker, read when the request has an Idempotency-Key) runs
    while `decide` reads; it wins over whatever `decide` answered or raised, since a retry after
    a commit that landed finds its own writes (its job's external id taken, its quote's claim
    held) and would otherwise refuse itself."""
    unit.look_back()
    try:
        decided = decide()
    except Exception:
        if (earlier := unit.committed_before()) is not None:  # waits for the marker read
            return None, earlier
        raise
    if (earlier := unit.committed_before()) is not None:
        return None, earlier
    return decided, None


def commit_with_retries(
    uow: Callable[[], UnitOfWork],
    decide: Callable[[UnitOfWork], tuple[Change[T], ObjectRef]],
    retry: Retry,
    conflict: Callable[[WriteConflict], Conflict],
) -> Committed[T]:
    """Run `decide` (which reads, decides and records its changes in the unit of work it is
    given, and names the object the request answers with) and commit, once per attempt.
    `conflict` turns the last attempt's WriteConflict into the error the request answers."""
    for attempt in range(retry.attempts):
        unit = uow()
        if attempt == 0:
            decided, earlier = decide_unless_committed(unit, partial(decide, unit))
            if earlier is not None:
                return Committed(None, earlier)
            assert decided is not None
            change, ref = decided
        else:
            change, ref = decide(unit)
        try:
            earlier = unit.commit(ref)
        except WriteConflict as error:
            if attempt == retry.attempts - 1:
                raise conflict(error) from error
            retry.pause(attempt)
            continue
        if earlier is not None:
            return Committed(None, earlier)
        return Committed(change, None)
    raise AssertionError("unreachable")


def concurrent_update(message: str) -> Callable[[WriteConflict], Conflict]:
    """The 409 a request gets when its subject kept changing under it."""

    def conflict(_: WriteConflict) -> Conflict:
        return Conflict(message, code="concurrent_update")

    return conflict


__all__ = [
    "Committed",
    "Retry",
    "commit_with_retries",
    "concurrent_update",
    "decide_unless_committed",
]
