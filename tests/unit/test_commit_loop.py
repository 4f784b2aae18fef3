"""The one commit loop (chalicelib/services/commit.py): conflicts are decided again after a
growing, jittered pause; a retried request answers its earlier commit; the attempts end in 409."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from chalicelib.domain.change import Change, ObjectRef
from chalicelib.domain.errors import Conflict, WriteConflict
from chalicelib.services.commit import Retry, commit_with_retries, concurrent_update

REF = ObjectRef("customer", "plt_1", "cus_1")


class ScriptedUnit:
    """A unit of work whose commits fail `conflicts` times, then succeed."""

    def __init__(self, log: dict[str, Any], earlier: ObjectRef | None = None) -> None:
        self.log, self.earlier = log, earlier

    def look_back(self) -> None:
        self.log.setdefault("order", []).append("look_back")

    def committed_before(self) -> ObjectRef | None:
        self.log.setdefault("order", []).append("committed_before")
        return self.earlier

    def record(self, change: Change[Any]) -> None:
        self.log["recorded"] += 1

    def commit(self, result: ObjectRef) -> ObjectRef | None:
        self.log["commits"] += 1
        if self.log["conflicts"] > 0:
            self.log["conflicts"] -= 1
            raise WriteConflict("moved")
        return None


@dataclass(frozen=True)
class Thing:
    id: str = "cus_1"


def change() -> Change[Thing]:
    return Change(Thing(), expected_version=None)


def run(conflicts: int, attempts: int, earlier: ObjectRef | None = None) -> tuple[Any, ...]:
    log: dict[str, Any] = {"recorded": 0, "commits": 0, "conflicts": conflicts, "decided": 0}
    pauses: list[float] = []

    def decide(unit: Any) -> tuple[Change[Thing], ObjectRef]:
        log["decided"] += 1
        log.setdefault("order", []).append("decide")
        made = change()
        unit.record(made)
        return made, REF

    done = commit_with_retries(
        lambda: ScriptedUnit(log, earlier),
        decide,
        Retry(attempts=attempts, base_seconds=0.1, cap_seconds=0.4, sleep=pauses.append),
        concurrent_update("kept changing"),
    )
    return done, log, pauses


def test_conflicts_are_decided_again_after_growing_jittered_pauses():
    done, log, pauses = run(conflicts=3, attempts=5)
    assert done.change is not None and done.earlier is None
    assert (log["decided"], log["commits"]) == (4, 4)
    # equal jitter: [step/2, step] with step 0.1, 0.2, 0.4 (capped at 0.4)
    for pause, step in zip(pauses, (0.1, 0.2, 0.4), strict=True):
        assert step / 2 <= pause <= step


def test_the_last_conflict_is_a_409_concurrent_update_without_a_pause_after_it():
    pauses: list[float] = []
    log = {"recorded": 0, "commits": 0, "conflicts": 9}

    def decide(unit: Any) -> tuple[Change[Thing], ObjectRef]:
        return change(), REF

    with pytest.raises(Conflict) as raised:
        commit_with_retries(
            lambda: ScriptedUnit(log),
            decide,
            Retry(attempts=3, sleep=pauses.append),
            concurrent_update("kept changing"),
        )
    assert raised.value.code == "concurrent_update"
    assert (log["commits"], len(pauses)) == (3, 2)


def test_a_retried_request_answers_its_earlier_commit_and_commits_nothing():
    done, log, pauses = run(conflicts=0, attempts=3, earlier=REF)
    assert (done.change, done.earlier) == (None, REF)
    assert (log["decided"], log["commits"], pauses) == (1, 0, [])


def test_the_first_attempt_looks_back_while_it_decides_and_retries_do_not():
    done, log, _ = run(conflicts=2, attempts=3)
    assert done.change is not None
    # the marker read starts before the decision's reads and is waited for after them; only
    # the first attempt has one
    assert log["order"] == ["look_back", "decide", "committed_before", "decide", "decide"]
    assert (log["decided"], log["commits"]) == (3, 3)


def refused(earlier: ObjectRef | None) -> Any:
    """A first attempt whose decision refuses the request (its own earlier commit took the
    external id, say)."""
    log: dict[str, Any] = {"recorded": 0, "commits": 0, "conflicts": 0}

    def decide(unit: Any) -> tuple[Change[Thing], ObjectRef]:
        raise Conflict("external id taken", code="duplicate_external_id")

    return commit_with_retries(
        lambda: ScriptedUnit(log, earlier),
        decide,
        Retry(attempts=3, sleep=lambda _: None),
        concurrent_update("kept changing"),
    )


def test_a_retry_whose_decision_refuses_it_still_answers_its_earlier_commit():
    done = refused(earlier=REF)
    assert (done.change, done.earlier) == (None, REF)


def test_a_first_request_whose_decision_refuses_it_gets_the_refusal():
    with pytest.raises(Conflict) as raised:
        refused(earlier=None)
    assert raised.value.code == "duplicate_external_id"
