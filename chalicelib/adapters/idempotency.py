"""`Idempotency-Key` on POST: a small conditional-write protocol on the idempotency table.

API.md "Conventions": a retry with the same key and body within 24 h replays the first response;
the same key with another body is 422 `idempotency_key_reused`; a retry while the first is still
running is 409 `idempotency_in_progress`. Only final outcomes are kept, a record left in progress
by a failure is released, and a secret is never stored.

Why not Powertools' `idempotent_function`: it stores whatever the function returns (a 503 or a
409 `concurrent_update` would become the key's answer for 24 h), a failed save of the result
leaves the record in progress (409 on every retry until it expires, then the action runs again),
and its delete is unconditional (a slow first run could delete the record of the run that took
over). The protocol below keeps Powertools' table layout (`id`, `expiration` as the TTL,
`status`, `validation`, `in_progress_expiration`, `data`) and adds an `owner`:

1. Claim: PutItem INPROGRESS, owned by this execution, with a lease (the Lambda's remaining
   time, else `lease_seconds`), on condition that there is no record, or it expired, or its
   lease lapsed. If the condition fails, the record in the way (returned with the failure):
   another fingerprint -> 422, COMPLETED -> replay, INPROGRESS -> 409.
2. Run the action.
3. A final outcome -> UpdateItem COMPLETED with the body a replay may answer (secrets nulled),
   on condition this execution still owns the record. Not final (the action says so: 429, 503,
   any 5xx, 409 `concurrent_update`) or an exception -> release: DeleteItem on the same
   condition, so the retry runs again. If storing the outcome fails, the record is released and
   the caller still gets the answer it earned; if even the release fails, the lease lapses within
   `lease_seconds` and a retry runs (it is never answered with a success that did not happen).
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.adapters.faults import is_dependency_fault, unavailable
from chalicelib.domain.errors import Conflict, ValidationFailed

logger = Logger(service="jobcover", child=True)

INPROGRESS = "INPROGRESS"
COMPLETED = "COMPLETED"
KEY_PREFIX = "jobcover-post#"
CLAIM_ATTEMPTS = 3
_OWNED = "#owner = :owner AND #status = :inprogress"


@dataclass(frozen=True)
class Result:
    """What an action answers, and what a replay may answer (`kept`; None: not final, keep
    nothing)."""

    status: int
    body: str
    headers: Mapping[str, str] = field(default_factory=dict)
    kept: str | None = None


@dataclass(frozen=True)
class Outcome:
    result: Result
    replayed: bool


Action = Callable[[], Result]


_ATTRIBUTES = {
    "#id": "id",
    "#status": "status",
    "#owner": "owner",
    "#expiry": "expiration",
    "#lease": "in_progress_expiration",
    "#data": "data",
}


def _names(*placeholders: str) -> dict[str, str]:
    """ExpressionAttributeNames for the placeholders an expression uses (DynamoDB refuses
    unused ones)."""
    return {placeholder: _ATTRIBUTES[placeholder] for placeholder in placeholders}


def _plain(raw: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A record's attributes as plain values (all are S or N)."""
    if not raw:
        return None
    return {name: next(iter(value.values())) for name, value in raw.items()}


class IdempotentExecutor:
    """Runs an action at most once per (scope, key) within the TTL, keeping final outcomes only."""

    def __init__(
        self,
        client: Any,
        table_name: str,
        *,
        ttl_seconds: int,
        lease_seconds: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._table = table_name
        self._ttl = ttl_seconds
        self._lease = lease_seconds
        self._clock = clock

    def run(
        self, *, scope: str, fingerprint: str, action: Action, lambda_context: Any = None
    ) -> Outcome:
        """Run `action` once for `scope`; replays and conflicts follow the contract."""
        record_id = KEY_PREFIX + hashlib.sha256(scope.encode()).hexdigest()
        owner = uuid.uuid4().hex
        for _ in range(CLAIM_ATTEMPTS):
            claimed, existing = self._claim(record_id, fingerprint, owner, lambda_context)
            if claimed:
                break
            if existing is None:
                existing = self._read(record_id)
            if existing is None or self._lapsed(existing):
                continue  # released or lapsed since the claim failed: claim again
            if existing.get("validation") != fingerprint:
                raise ValidationFailed(
                    "This Idempotency-Key was already used with a different request.",
                    code="idempotency_key_reused",
                    details=[{"loc": ["header", "Idempotency-Key"], "msg": "reused"}],
                )
            if existing.get("status") == COMPLETED:
                stored = json.loads(existing["data"])
                return Outcome(Result(int(stored["status"]), str(stored["body"])), replayed=True)
            raise self._in_progress()
        else:
            raise self._in_progress()
        try:
            result = action()
        except BaseException:
            self._release(record_id, owner)
            raise
        if result.kept is None or not self._complete(record_id, owner, result):
            self._release(record_id, owner)  # not final, or it could not be stored: run again
        return Outcome(result, replayed=False)

    # -- the table ----------------------------------------------------------------------------
    def _claim(
        self, record_id: str, fingerprint: str, owner: str, lambda_context: Any
    ) -> tuple[bool, dict[str, Any] | None]:
        """(True, None) if this execution now owns the key, else (False, the record in the way
        when DynamoDB returned it)."""
        now = self._clock()
        lease = self._lease
        remaining = getattr(lambda_context, "get_remaining_time_in_millis", None)
        if callable(remaining):
            lease = max(1.0, remaining() / 1000)
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    "id": {"S": record_id},
                    "status": {"S": INPROGRESS},
                    "owner": {"S": owner},
                    "validation": {"S": fingerprint},
                    "expiration": {"N": str(int(now) + self._ttl)},
                    "in_progress_expiration": {"N": str(int((now + lease) * 1000))},
                },
                ConditionExpression=(
                    "attribute_not_exists(#id) OR #expiry < :now OR "
                    "(#status = :inprogress AND #lease < :now_ms)"
                ),
                ExpressionAttributeNames=_names("#id", "#expiry", "#status", "#lease"),
                ExpressionAttributeValues={
                    ":now": {"N": str(int(now))},
                    ":now_ms": {"N": str(int(now * 1000))},
                    ":inprogress": {"S": INPROGRESS},
                },
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False, _plain(exc.response.get("Item"))
            raise self._mapped(exc) from exc
        except BotoCoreError as exc:
            raise self._mapped(exc) from exc
        return True, None

    def _read(self, record_id: str) -> dict[str, Any] | None:
        try:
            answer = self._client.get_item(
                TableName=self._table, Key={"id": {"S": record_id}}, ConsistentRead=True
            )
        except (ClientError, BotoCoreError) as exc:
            raise self._mapped(exc) from exc
        return _plain(answer.get("Item"))

    def _lapsed(self, record: Mapping[str, Any]) -> bool:
        now = self._clock()
        if int(record.get("expiration", 0)) < int(now):
            return True
        lease_end = record.get("in_progress_expiration")
        return (
            record.get("status") == INPROGRESS
            and lease_end is not None
            and int(lease_end) < int(now * 1000)
        )

    def _complete(self, record_id: str, owner: str, result: Result) -> bool:
        """Store the final outcome; False if that failed (the caller then releases the key)."""
        data = json.dumps({"status": result.status, "body": result.kept})
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"id": {"S": record_id}},
                UpdateExpression="SET #status = :completed, #data = :data REMOVE #lease",
                ConditionExpression=_OWNED,
                ExpressionAttributeNames=_names("#status", "#owner", "#data", "#lease"),
                ExpressionAttributeValues={
                    ":completed": {"S": COMPLETED},
                    ":data": {"S": data},
                    ":owner": {"S": owner},
                    ":inprogress": {"S": INPROGRESS},
                },
            )
        except (ClientError, BotoCoreError):
            logger.warning("idempotency: storing the outcome failed; releasing", exc_info=True)
            return False
        return True

    def _release(self, record_id: str, owner: str) -> None:
        """Delete the record if this execution still owns it (a retry then runs again)."""
        try:
            self._client.delete_item(
                TableName=self._table,
                Key={"id": {"S": record_id}},
                ConditionExpression=_OWNED,
                ExpressionAttributeNames=_names("#status", "#owner"),
                ExpressionAttributeValues={
                    ":owner": {"S": owner},
                    ":inprogress": {"S": INPROGRESS},
                },
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return  # another execution took over after our lease lapsed: not ours to delete
            logger.warning("idempotency: release failed; the lease will lapse", exc_info=True)
        except BotoCoreError:
            logger.warning("idempotency: release failed; the lease will lapse", exc_info=True)

    @staticmethod
    def _mapped(exc: ClientError | BotoCoreError) -> Exception:
        if is_dependency_fault(exc):
            return unavailable("DynamoDB", exc)
        unchanged: Exception = exc
        return unchanged

    @staticmethod
    def _in_progress() -> Conflict:
        return Conflict(
            "A request with this Idempotency-Key is still in progress; retry shortly.",
            code="idempotency_in_progress",
        )
