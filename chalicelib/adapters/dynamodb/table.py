"""A thin, typed layer over the low-level DynamoDB client: serialisation and error mapping."""

from __future__ import annotations

import heapq
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.adapters.faults import is_dependency_fault, throttled_reasons, unavailable
from chalicelib.domain.errors import Conflict, WriteConflict

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()
# BatchGetItem hands back what it could not read (throttled keys): so many rounds, then a 503.
_BATCH_ROUNDS = 4
# The Queries of a scatter read (one per shard of a write-sharded collection) run concurrently.
_SCATTER = ThreadPoolExecutor(max_workers=8, thread_name_prefix="scatter-read")

Item = dict[str, Any]


def to_attributes(item: Mapping[str, Any]) -> dict[str, Any]:
    """Python values (str, int, Decimal, bool, list, dict, None) -> DynamoDB attribute values."""
    return {name: _serializer.serialize(value) for name, value in item.items() if value is not None}


def _plain(value: Any) -> Any:
    """Whole numbers back to int (records store money as integer cents and decimals as strings,
    so a DynamoDB number is always whole); containers converted throughout."""
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def from_attributes(attributes: Mapping[str, Any]) -> Item:
    """DynamoDB attribute values -> Python values, whole numbers as int."""
    return {name: _plain(_deserializer.deserialize(value)) for name, value in attributes.items()}


def map_client_error(exc: ClientError | BotoCoreError, *, conflict_message: str) -> Exception:
    """ConditionalCheckFailed -> Conflict; throttling, a 5xx, a connection error or a timeout ->
    DependencyUnavailable (503); anything else (a bug in our request) unchanged."""
    if is_dependency_fault(exc):
        return unavailable("DynamoDB", exc)
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code == "ConditionalCheckFailedException":
            return Conflict(conflict_message)
    unchanged: Exception = exc
    return unchanged


@dataclass(frozen=True)
class QueryPage:
    items: list[Item]
    has_more: bool


@dataclass
class _ShardCursor:
    """One shard of a scatter read: what it handed over so far, and where it stopped."""

    partition: str
    wanted: int  # the Limit of its next Query
    items: list[Item] = field(default_factory=list)
    last_key: Any = None


def _still_placeable(shard: _ShardCursor, merged: list[Item], sort_key: str, size: int) -> int:
    """How many of the shard's unread items could still enter the merged top `size`: they are
    older than its last read one, so each can only take a place still free or the place of a
    merged item older than that one."""
    if not shard.items:
        return size
    last = str(shard.items[-1][sort_key])
    older = sum(1 for item in merged if str(item[sort_key]) < last)
    return max(1, size - len(merged) + older)


class DynamoTable:
    """One table, addressed with `pk`/`sk` and overloaded GSIs `gsi1`..`gsi3`."""

    def __init__(self, client: Any, table_name: str) -> None:
        self.client = client
        self.name = table_name

    def get(self, pk: str, sk: str, *, consistent: bool = True) -> Item | None:
        try:
            answer = self.client.get_item(
                TableName=self.name,
                Key=to_attributes({"pk": pk, "sk": sk}),
                ConsistentRead=consistent,
            )
        except (ClientError, BotoCoreError) as exc:
            raise map_client_error(exc, conflict_message="read conflict") from exc
        raw = answer.get("Item")
        return from_attributes(raw) if raw else None

    def put(
        self,
        item: Item,
        *,
        condition: str | None = None,
        values: Mapping[str, Any] | None = None,
        conflict_message: str = "The object already exists or changed meanwhile.",
    ) -> None:
        request: dict[str, Any] = {"TableName": self.name, "Item": to_attributes(item)}
        if condition:
            request["ConditionExpression"] = condition
        if values:
            request["ExpressionAttributeValues"] = to_attributes(values)
        try:
            self.client.put_item(**request)
        except (ClientError, BotoCoreError) as exc:
            raise map_client_error(exc, conflict_message=conflict_message) from exc

    def _query_request(
        self, partition: tuple[str, str], index: str | None, filter_status: str | None
    ) -> dict[str, Any]:
        """A Query on one partition key (of the table or an index), optionally on `status`."""
        name, value = partition
        request: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": "#p = :p",
            "ExpressionAttributeNames": {"#p": name},
            "ExpressionAttributeValues": to_attributes({":p": value}),
        }
        if index:
            request["IndexName"] = index
        if filter_status:
            request["FilterExpression"] = "#s = :s"
            request["ExpressionAttributeNames"]["#s"] = "status"
            request["ExpressionAttributeValues"].update(to_attributes({":s": filter_status}))
        return request

    def _query(self, request: dict[str, Any]) -> tuple[list[Item], Any]:
        """One Query call: its items and its LastEvaluatedKey (None at the end)."""
        try:
            answer = self.client.query(**request)
        except (ClientError, BotoCoreError) as exc:
            raise map_client_error(exc, conflict_message="query conflict") from exc
        items = [from_attributes(raw) for raw in answer.get("Items", [])]
        return items, answer.get("LastEvaluatedKey")

    def query_due(
        self,
        *,
        partition: tuple[str, str],
        sort_key: str,
        upto: str,
        limit: int,
        platform: str | None = None,
        index: str | None = None,
    ) -> list[Item]:
        """Up to `limit` items of one partition whose sort key is <= `upto`, oldest first (the
        outbox, webhook deliveries and the due index); with `platform`, a FilterExpression,
        reading on while a filtered page comes back short."""
        pk_name, pk_value = partition
        values: dict[str, Any] = {":p": pk_value, ":upto": upto}
        request: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": "#pk = :p AND #sk <= :upto",
            "ExpressionAttributeNames": {"#pk": pk_name, "#sk": sort_key},
            "Limit": limit,
        }
        if index:
            request["IndexName"] = index
        else:
            request["ConsistentRead"] = True
        if platform is not None:
            request["FilterExpression"] = "#platform = :platform"
            request["ExpressionAttributeNames"]["#platform"] = "platform"
            values[":platform"] = platform
        request["ExpressionAttributeValues"] = to_attributes(values)
        items: list[Item] = []
        while True:
            found, last = self._query(request)
            items.extend(found)
            if len(items) >= limit or not last:
                return items[:limit]
            request["ExclusiveStartKey"] = last

    def query_due_scatter(
        self,
        *,
        partitions: list[tuple[str, str]],
        sort_key: str,
        upto: str,
        limit: int,
        platform: str | None = None,
        index: str | None = None,
    ) -> list[Item]:
        """Up to `limit` items due by `upto` across write-sharded partitions, earliest first
        (the outbox, webhook deliveries, the due index). Each partition is read for about twice
        its share of `limit`, not `limit` itself (n x `limit` items would be read and paid for
        to keep `limit`); one read in full whose last item could still belong in the answer is
        read again, further, until the merge is exact."""
        if limit <= 0 or not partitions:
            return []
        share = min(limit, 2 * -(-limit // len(partitions)))
        asked = dict.fromkeys(range(len(partitions)), share)
        read: dict[int, list[Item]] = {}
        wanted = list(asked)
        with ThreadPoolExecutor(max_workers=min(len(partitions), 16)) as pool:
            while True:
                found = pool.map(
                    lambda n: self.query_due(
                        partition=partitions[n],
                        sort_key=sort_key,
                        upto=upto,
                        limit=asked[n],
                        platform=platform,
                        index=index,
                    ),
                    wanted,
                )
                read.update(zip(wanted, found, strict=True))
                merged = sorted(
                    (item for items in read.values() for item in items),
                    key=lambda item: str(item[sort_key]),
                )[:limit]
                boundary = str(merged[-1][sort_key]) if len(merged) == limit else None
                # A partition read in full may hold more that belongs before the boundary.
                wanted = [
                    n
                    for n, items in read.items()
                    if len(items) == asked[n] < limit
                    and (boundary is None or str(items[-1][sort_key]) < boundary)
                ]
                if not wanted:
                    return merged
                for n in wanted:
                    asked[n] = min(limit, asked[n] * 2)

    def query_page(
        self,
        *,
        partition: tuple[str, str],
        index: str | None = None,
        limit: int,
        start_key: Mapping[str, str] | None = None,
        newest_first: bool = True,
        filter_status: str | None = None,
    ) -> QueryPage:
        """One page of a partition, sorted by its sort key; fetches limit+1 to know has_more.

        With `filter_status`, a FilterExpression on `status` within the one partition, following
        LastEvaluatedKey until the page is full (still a Query, never a Scan).
        """
        request = self._query_request(partition, index, filter_status)
        request.update(ScanIndexForward=not newest_first, Limit=limit + 1)
        if start_key:
            request["ExclusiveStartKey"] = to_attributes(start_key)
        items: list[Item] = []
        while True:
            found, last = self._query(request)
            items.extend(found)
            if len(items) > limit or not last or not filter_status:
                break
            request["ExclusiveStartKey"] = last
        has_more = len(items) > limit or (len(items) == limit and last is not None)
        return QueryPage(items=items[:limit], has_more=has_more)

    def query_page_scatter(
        self,
        *,
        partitions: Sequence[tuple[str, str]],
        sort_key: str,
        index: str | None = None,
        limit: int,
        before: str | None = None,
        at_least: str | None = None,
    ) -> QueryPage:
        """One newest-first page of a write-sharded collection, merged from a Query per shard.

        Shards are filled uniformly (crc32 of time-sortable ids), so each first reads about twice
        its share of the page (all shards concurrently, `at_least <= sort key < before`, each
        bound when given); a shard that may
        still hold an item newer than the page's cut (it has more, and its oldest read item is
        newer than the merged page's last) reads on, as many items as it could still place in
        the page (`_still_placeable`). The page is exact; `has_more` says whether more than
        `limit` items matched.
        """
        if before is not None and at_least is not None and at_least >= before:
            return QueryPage(items=[], has_more=False)
        pk_name = partitions[0][0]
        share = min(limit + 1, 2 * -(-(limit + 1) // len(partitions)) + 1)

        def read(shard: _ShardCursor) -> _ShardCursor:
            names = {"#p": pk_name}
            values: dict[str, Any] = {":p": shard.partition}
            condition = "#p = :p"
            if before is not None and at_least is not None:  # BETWEEN holds `before`: dropped
                condition += " AND #sk BETWEEN :low AND :before"
                values[":low"], values[":before"] = at_least, before
            elif before is not None:
                condition += " AND #sk < :before"
                values[":before"] = before
            elif at_least is not None:
                condition += " AND #sk >= :low"
                values[":low"] = at_least
            if before is not None or at_least is not None:
                names["#sk"] = sort_key
            request: dict[str, Any] = {
                "TableName": self.name,
                "KeyConditionExpression": condition,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": to_attributes(values),
                "ScanIndexForward": False,
                "Limit": shard.wanted,
            }
            if index:
                request["IndexName"] = index
            if shard.last_key:
                request["ExclusiveStartKey"] = shard.last_key
            found, shard.last_key = self._query(request)
            shard.items.extend(item for item in found if str(item[sort_key]) != before)
            return shard

        pending = [_ShardCursor(value, wanted=share) for _, value in partitions]
        shards = list(pending)
        while pending:
            if len(pending) == 1:
                read(pending[0])
            else:
                list(_SCATTER.map(read, pending))
            merged = heapq.nlargest(
                limit + 1,
                (item for shard in shards for item in shard.items),
                key=lambda item: str(item[sort_key]),
            )
            cut = str(merged[-1][sort_key]) if len(merged) > limit else None
            pending = [
                shard
                for shard in shards
                if shard.last_key
                and (cut is None or not shard.items or str(shard.items[-1][sort_key]) > cut)
            ]
            for shard in pending:
                shard.wanted = _still_placeable(shard, merged, sort_key, limit + 1)
        return QueryPage(items=merged[:limit], has_more=len(merged) > limit)

    def query_all(
        self,
        *,
        partition: tuple[str, str],
        index: str | None = None,
        projection: str | None = None,
        names: Mapping[str, str] | None = None,
        sort_from: str | None = None,
    ) -> list[Item]:
        """Every item of one partition, oldest first, following LastEvaluatedKey (from sort key
        `sort_from` on, when given: the partition's sort key must be `<index>sk` or `sk`)."""
        request = self._query_request(partition, index, None)
        if projection:
            request["ProjectionExpression"] = projection
        if names:
            request["ExpressionAttributeNames"].update(names)
        if sort_from is not None:
            request["KeyConditionExpression"] += " AND #sk >= :from"
            request["ExpressionAttributeNames"]["#sk"] = f"{index}sk" if index else "sk"
            request["ExpressionAttributeValues"].update(to_attributes({":from": sort_from}))
        items: list[Item] = []
        while True:
            found, last = self._query(request)
            items.extend(found)
            if not last:
                return items
            request["ExclusiveStartKey"] = last

    def batch_get(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Item]:
        """Up to 100 items in one BatchGetItem round (retrying unprocessed keys), by key."""
        found: dict[tuple[str, str], Item] = {}
        pending = [to_attributes({"pk": pk, "sk": sk}) for pk, sk in dict.fromkeys(keys)]
        rounds = 0
        while pending:
            if rounds == _BATCH_ROUNDS:
                raise unavailable("DynamoDB")
            if rounds:
                time.sleep(0.025 * 2**rounds)  # unprocessed keys: back off, as AWS asks
            rounds += 1
            try:
                answer = self.client.batch_get_item(
                    RequestItems={self.name: {"Keys": pending, "ConsistentRead": True}}
                )
            except (ClientError, BotoCoreError) as exc:
                raise map_client_error(exc, conflict_message="read conflict") from exc
            for raw in answer.get("Responses", {}).get(self.name, []):
                item = from_attributes(raw)
                found[(item["pk"], item["sk"])] = item
            pending = answer.get("UnprocessedKeys", {}).get(self.name, {}).get("Keys", [])
        return found

    def transact(
        self,
        operations: Sequence[dict[str, Any]],
        *,
        conflict_message: str,
        token: str | None = None,
    ) -> None:
        """TransactWriteItems with each operation's TableName filled in.

        `token` is the ClientRequestToken: SDK retries of a committed write succeed without a
        second effect; the same token with other writes is `IdempotentParameterMismatch`, a
        conflict the caller settles by reading back.
        """
        for operation in operations:
            for body in operation.values():
                body.setdefault("TableName", self.name)
        request: dict[str, Any] = {"TransactItems": list(operations)}
        if token:
            request["ClientRequestToken"] = token
        try:
            self.client.transact_write_items(**request)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in {"IdempotentParameterMismatchException", "IdempotentParameterMismatch"}:
                raise WriteConflict(conflict_message) from exc
            if code == "TransactionCanceledException":
                reasons = exc.response.get("CancellationReasons") or []
                failed = frozenset(
                    index
                    for index, reason in enumerate(reasons)
                    if reason.get("Code") == "ConditionalCheckFailed"
                )
                if throttled_reasons(reasons):
                    raise unavailable("DynamoDB", exc) from exc
                raise WriteConflict(conflict_message, failed) from exc
            raise map_client_error(exc, conflict_message=conflict_message) from exc
        except BotoCoreError as exc:
            raise map_client_error(exc, conflict_message=conflict_message) from exc
