"""Each DynamoDB request applies atomically across threads, as on the real service.

moto's backend is plain dicts without locks, and moto's threaded server (`make run`) runs each
request on its own thread, so concurrent requests interleave mid-operation: two conditional
writes both pass their check, a table is read while another thread resizes it. DynamoDB applies
each request, and each transaction, atomically; `DynamoSemantics` gives moto the same guarantee
by running every DynamoDB request under one lock. Tests can also hold a transaction in flight
between prepare and commit, as the real service does, to see concurrent ones cancelled.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from moto.dynamodb.exceptions import TransactionCanceledException
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.responses import DynamoHandler

from devserver.localaws.patching import SetAttr

TransactWrite = Callable[[DynamoDBBackend, list[dict[str, Any]]], None]


class DynamoSemantics:
    """moto, made to keep two DynamoDB guarantees across threads.

    1. Each request is atomic and serialisable: it runs alone, under one lock.
    2. With `transaction_seconds` > 0, a TransactWriteItems stays in flight that long between
       prepare and commit, as on the real service: its writes are invisible until it commits,
       and another transaction touching one of its items meanwhile is cancelled with reason
       `TransactionConflict` (not `ConditionalCheckFailed`).
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.transaction_seconds = 0.0
        self.in_flight: set[tuple[str, str]] = set()
        self.cancelled: Counter[str] = Counter()

    def install(self, set_attribute: SetAttr = setattr) -> DynamoSemantics:
        """Wrap moto's request handler and transactions (whatever patches they already carry)."""
        set_attribute(DynamoHandler, "call_action", self.call_action(DynamoHandler.call_action))
        set_attribute(
            DynamoDBBackend,
            "transact_write_items",
            self.transact(DynamoDBBackend.transact_write_items),
        )
        return self

    def call_action(self, original: Callable[[DynamoHandler], Any]) -> Callable[..., Any]:
        def call_action(handler: DynamoHandler) -> Any:
            if handler._get_action() == "TransactWriteItems":
                return original(handler)  # locked below, in the backend
            with self.lock:
                return original(handler)

        return call_action

    def transact(self, original: TransactWrite) -> Callable[..., None]:
        def transact_write_items(backend: DynamoDBBackend, items: list[dict[str, Any]]) -> None:
            keys = [self._key(backend, item) for item in items]
            with self.lock:
                busy = [key in self.in_flight for key in keys]
                if any(busy):
                    self.cancelled["TransactionConflict"] += 1
                    raise TransactionCanceledException(
                        [
                            ("TransactionConflict", "Transaction is ongoing for the item", None)
                            if hit
                            else (None, None, None)
                            for hit in busy
                        ]
                    )
                if not self.transaction_seconds:
                    return self._commit(original, backend, items)
                self.in_flight.update(keys)
            try:
                time.sleep(self.transaction_seconds)
                with self.lock:
                    self._commit(original, backend, items)
            finally:
                with self.lock:
                    self.in_flight.difference_update(keys)

        return transact_write_items

    def _commit(
        self, original: TransactWrite, backend: DynamoDBBackend, items: list[dict[str, Any]]
    ) -> None:
        try:
            original(backend, items)
        except TransactionCanceledException:
            self.cancelled["ConditionalCheckFailed"] += 1
            raise

    @staticmethod
    def _key(backend: DynamoDBBackend, item: dict[str, Any]) -> tuple[str, str]:
        ((kind, operation),) = item.items()
        attributes = operation["Item"] if kind == "Put" else operation["Key"]
        table = backend.get_table(operation["TableName"])
        names = [table.hash_key_attr, table.range_key_attr]
        return operation["TableName"], json.dumps(
            [attributes.get(name) for name in names if name], sort_keys=True
        )
