"""moto's DynamoDB, made to behave like DynamoDB at any size and under threads.

`make run` (devserver/run.py) installs this for the life of its process; the functional tests
install the same patches (tests/functional/conftest.py), so both run on one set of semantics.
Five patches over moto 5.2.5's classes (5.2.5 is the newest release on PyPI; none has
an option for any of this), each in its own module with its own tests
(tests/functional/test_localaws.py):

- `rollback`: a transaction snapshots the items it names, not every table it touches (moto
  deep-copies each table: O(data) time and memory per TransactWriteItems).
- `partitions`: a Query reads its page, found by bisection in the sort order kept per table
  partition and per GSI hash-key value (moto sorts and filters every item of the table for each
  Query: O(data log data), however small the page).
- `tracking`: moto keeps every model instance it ever made (each replaced, deleted or copied
  item) for its dashboard; here it tracks them weakly, so what the backends drop is freed.
- `objects`: an S3 object's body is a file on disk, opened only while it is read or written
  (moto holds each body in memory, or with `MOTO_S3_DEFAULT_KEY_BUFFER_SIZE` lowered, one open
  file per object).
- `linearizable`: each DynamoDB request, and each transaction, applies atomically across the
  threads of moto's server, as on the real service; in tests, a transaction can stay in flight
  so that a concurrent one is cancelled with `TransactionConflict`.
"""

from __future__ import annotations

from devserver.localaws.linearizable import DynamoSemantics
from devserver.localaws.objects import install_bodies_on_disk
from devserver.localaws.partitions import install_partitioned_queries
from devserver.localaws.patching import SetAttr
from devserver.localaws.rollback import install_item_rollback
from devserver.localaws.tracking import install_weak_tracking

__all__ = [
    "DynamoSemantics",
    "SetAttr",
    "install",
    "install_at_scale",
]


def install_at_scale(set_attribute: SetAttr = setattr) -> None:
    """Rollback per item, queries per partition, instances tracked weakly, S3 bodies on disk
    (idempotent; any single thread may use it)."""
    install_item_rollback(set_attribute)
    install_partitioned_queries(set_attribute)
    install_weak_tracking(set_attribute)
    install_bodies_on_disk(set_attribute)


_installed: DynamoSemantics | None = None


def install() -> DynamoSemantics:
    """Every patch, for the life of the process (`make run`, benches). Idempotent."""
    global _installed
    if _installed is None:
        install_at_scale()
        _installed = DynamoSemantics().install()
    return _installed
