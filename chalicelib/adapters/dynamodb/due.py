"""The due index: what each term job has to do, by date (docs/data-model.md § The due index).

A policy or assignment item carries `duepk = DUE#<job>#<shard>` and `duesk = <yyyy-mm-dd>#
<platform>#<id>` while a term job has something to do with it (`chalicelib/domain/term/
schedule.py` derives the job and date from the state), and neither attribute otherwise: the `due`
GSI is sparse, and writing the state keeps it right in the same transaction. A job reads what is
due on or before its date with one Query per shard (`duesk <= <as_of>~`, the shards concurrently),
never a Scan; what it settles leaves the index, so a stopped run picks up where it stopped.
"""

from __future__ import annotations

import zlib
from datetime import date

from chalicelib.adapters.dynamodb.entities import item_record
from chalicelib.adapters.dynamodb.keys import assignment_key
from chalicelib.adapters.dynamodb.table import (
    DynamoTable,
    Item,
)
from chalicelib.domain.assignments import Assignment
from chalicelib.domain.policies import Policy
from chalicelib.domain.term import Due, assignment_due, policy_due

DUE_INDEX = "due"
DUE_SHARDS = 8
_DUE_ATTRIBUTES = frozenset({"duepk", "duesk"})


def due_shard(object_id: str) -> int:
    return zlib.crc32(object_id.encode()) % DUE_SHARDS


def due_partition(job: str, shard: int) -> str:
    return f"DUE#{job}#{shard:02d}"


def due_attributes(platform: str, object_id: str, due: Due | None) -> dict[str, str]:
    """The index attributes for an item due for `due.job` on `due.on`; none when not due."""
    if due is None:
        return {}
    return {
        "duepk": due_partition(due.job, due_shard(object_id)),
        "duesk": f"{due.on.isoformat()}#{platform}#{object_id}",
    }


def renewal_lead_days() -> int:
    """How many days before expiration the renewals job decides (the longest program's)."""
    from chalicelib.term_rules import load_term_rules

    rules = load_term_rules()
    return max(
        rules.for_program(program).renewal.decide_days_before_expiration
        for program in rules.programs()
    )


def policy_due_attributes(policy: Policy) -> dict[str, str]:
    return due_attributes(policy.platform, policy.id, policy_due(policy, renewal_lead_days()))


def assignment_due_attributes(assignment: Assignment) -> dict[str, str]:
    return due_attributes(assignment.platform, assignment.id, assignment_due(assignment))


DueRecord = Policy | Assignment


def due_record(item: Item) -> DueRecord:
    """The policy or assignment a due item is (told apart by its table partition)."""
    record = {k: v for k, v in item.items() if k not in _DUE_ATTRIBUTES}
    if str(item["pk"]).endswith("#POL"):
        return item_record(record, Policy)
    return item_record(record, Assignment)


class DynamoDueIndex:
    """Reads the `due` GSI: one Query per shard, the shards concurrently, each for about twice
    its share (`DynamoTable.query_due_scatter`)."""

    shards = DUE_SHARDS

    def __init__(self, table: DynamoTable) -> None:
        self._table = table

    def due(
        self,
        job: str,
        as_of: date,
        *,
        limit: int,
        platform: str | None = None,
        shard: int | None = None,
    ) -> list[DueRecord]:
        """Up to `limit` records due for `job` on or before `as_of`, earliest first (every
        shard, concurrently, or the one given)."""
        if limit <= 0:
            return []
        if shard is not None:
            items = self._table.query_due(
                partition=("duepk", due_partition(job, shard)),
                sort_key="duesk",
                upto=_upto(as_of),
                limit=limit,
                platform=platform,
                index=DUE_INDEX,
            )
        else:
            items = self._table.query_due_scatter(
                partitions=[("duepk", due_partition(job, one)) for one in range(DUE_SHARDS)],
                sort_key="duesk",
                upto=_upto(as_of),
                limit=limit,
                platform=platform,
                index=DUE_INDEX,
            )
        return [due_record(item) for item in items]


def _upto(as_of: date) -> str:
    """The due index's sort keys start with the due date: everything due on or before it."""
    return f"{as_of.isoformat()}~"


class DynamoRecords:
    """Consistent re-reads of due records (after a concurrent change), and reads by key for
    fanned-out workers."""

    def __init__(self, table: DynamoTable) -> None:
        self._table = table

    def reload(self, record: DueRecord) -> DueRecord | None:
        kind = "POL" if isinstance(record, Policy) else "ASG"
        return self.load(kind, record.platform, record.id)

    def load(self, kind: str, platform: str, object_id: str) -> DueRecord | None:
        if kind == "ASG":
            item = self._table.get(*assignment_key(platform, object_id))
        else:
            item = self._table.get(f"{platform}#{kind}", object_id)
        return due_record(item) if item else None
