"""The unit of work on DynamoDB: every change of a request in one TransactWriteItems.

`record(change)` turns a transition's `Change` into writes: the state (created, or replacing the
version read), its ledger entries, one outbox item per event;
the entries' running totals (platform, contractor, policy, assignment) take one `ADD` per totals
item. `commit(result)` writes them with the request's `ClientRequestToken` and an exactly-once
marker (`REQ#<writer>`), and every item carries the writer as `request_id`. When the write is
refused (a condition failed, or `IdempotentParameterMismatch`), the marker is read back: if this
request wrote it, the earlier commit is the answer (API.md Conventions: exactly-once writes).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from chalicelib.adapters.dynamodb.assignments import (
    assignment_item,
    external_id_key,
    waivers_item,
)
from chalicelib.adapters.dynamodb.certificates import certificate_item
from chalicelib.adapters.dynamodb.entities import record_item
from chalicelib.adapters.dynamodb.keys import tenant_key
from chalicelib.adapters.dynamodb.ledger import ledger_item, totals_updates
from chalicelib.adapters.dynamodb.outbox import outbox_item
from chalicelib.adapters.dynamodb.parties import (
    api_key_directory_item,
    api_key_item,
    unique_claim_key,
)
from chalicelib.adapters.dynamodb.policies import payment_item, policy_item, quote_claim_key
from chalicelib.adapters.dynamodb.quotes import quote_item, referral_item
from chalicelib.adapters.dynamodb.table import DynamoTable, Item, to_attributes
from chalicelib.adapters.dynamodb.webhook_endpoints import webhook_endpoint_item
from chalicelib.domain.assignments import Assignment, duplicate_external_id
from chalicelib.domain.certificates import Certificate
from chalicelib.domain.change import Change, ObjectRef, UniqueClaim
from chalicelib.domain.errors import Conflict, WriteConflict
from chalicelib.domain.events import OutboxEvent
from chalicelib.domain.ledger import LedgerEntry
from chalicelib.domain.parties import UNIQUE_CONFLICTS, ApiKeyRecord, Contractor, Customer
from chalicelib.domain.policies import Payment, Policy
from chalicelib.domain.quotes import Quote, Referral
from chalicelib.domain.waivers import CustomerWaivers
from chalicelib.domain.webhooks.endpoints import WebhookEndpoint
from chalicelib.ports import Clock, IdGenerator
from chalicelib.request_scope import WriteScope, current_scope

# The request marker's read, run alongside a first attempt's own reads (`look_back`).
_LOOK_BACK = ThreadPoolExecutor(max_workers=4, thread_name_prefix="marker-read")
# A marker outlives every retry that may look for it: the Idempotency-Key window (24 h) and more.
MARKER_TTL_SECONDS = 3 * 24 * 3600
ItemBuilder = Callable[[Any], Item]


def _tenant_item(kind: str) -> ItemBuilder:
    def build(record: Any) -> Item:
        return record_item(record, *tenant_key(record.platform, kind, record.id))

    return build


ITEMS: dict[type, ItemBuilder] = {
    Customer: _tenant_item("CUS"),
    Contractor: _tenant_item("CTR"),
    Assignment: assignment_item,
    Referral: referral_item,
    Quote: quote_item,
    Policy: policy_item,
    Payment: payment_item,
    CustomerWaivers: waivers_item,
    WebhookEndpoint: webhook_endpoint_item,
    Certificate: certificate_item,
    ApiKeyRecord: api_key_item,
}


def marker_key(writer: str) -> tuple[str, str]:
    return f"REQ#{writer}", "REQ"


class DynamoUnitOfWork:
    """One per use case: record changes, then commit once."""

    def __init__(
        self,
        table: DynamoTable,
        clock: Clock,
        ids: IdGenerator,
        scope: WriteScope | None = None,
    ) -> None:
        self._table = table
        self._clock = clock
        self._ids = ids
        self._scope = scope or current_scope()
        self._operations: list[dict[str, Any]] = []
        # Positions of uniqueness claims, and the error a failed one means.
        self._claims: dict[int, Callable[[], Conflict]] = {}
        # The transaction's ledger entries: their running totals are added once per totals item.
        self._entries: list[LedgerEntry] = []
        # Claims whose holder, when one exists after a cancelled commit, is the answer.
        self._held: list[Callable[[], Conflict | None]] = []
        self._marker_read: Future[ObjectRef | None] | None = None

    # -- reading back -----------------------------------------------------------------------
    def committed_before(self) -> ObjectRef | None:
        """An earlier attempt of this request (same Idempotency-Key) committed: its result."""
        if not self._scope.retryable:
            return None
        if self._marker_read is not None:
            return self._marker_read.result()
        return self._marker()

    def look_back(self) -> None:
        """Read the request marker in the background; `committed_before` waits for it. Only a
        request with an Idempotency-Key has one to look for."""
        if self._scope.retryable and self._marker_read is None:
            self._marker_read = _LOOK_BACK.submit(self._marker)

    def _marker(self) -> ObjectRef | None:
        item = self._table.get(*marker_key(self._scope.writer))
        if item is None:
            return None
        return ObjectRef(str(item["kind"]), str(item["platform"]), str(item["object"]))

    # -- recording --------------------------------------------------------------------------
    def record(self, change: Change[Any]) -> None:
        state = change.state
        item = ITEMS[type(state)](state)
        if change.expected_version is None:
            self._put(item, "attribute_not_exists(pk)")
            self._claim_for(state)
        else:
            self._put(item, "version = :v", {":v": change.expected_version})
        for entry in change.entries:
            self._put(ledger_item(entry), "attribute_not_exists(pk)")
        self._entries.extend(change.entries)
        for unique in change.unclaims:
            self._unclaim(unique)
        for unique in change.claims:
            self._claim(unique)
        now = self._clock.now()
        for event in change.events:
            recorded = OutboxEvent(
                id=self._ids.new("evt"),
                type=event.type,
                platform=event.platform,
                object_type=event.object_type,
                object_id=event.object_id,
                data=event.data,
                created_at=now,
                due_at=now,
            )
            self._put(outbox_item(recorded), "attribute_not_exists(pk)")
        for related in change.related:
            self.record(related)

    def _put(self, item: Item, condition: str, values: dict[str, Any] | None = None) -> None:
        put: dict[str, Any] = {
            "Item": to_attributes({**item, "request_id": self._scope.writer}),
            "ConditionExpression": condition,
        }
        if values:
            put["ExpressionAttributeValues"] = to_attributes(values)
        self._operations.append({"Put": put})

    def _claim_for(self, state: object) -> None:
        """Uniqueness claims that come with creating an object, and what losing one means."""
        if isinstance(state, Assignment):
            pk, sk = external_id_key(state.platform, state.external_id)
            self._put({"pk": pk, "sk": sk, "assignment": state.id}, "attribute_not_exists(pk)")
            self._claims[len(self._operations) - 1] = lambda: duplicate_external_id(
                state.external_id, self._holder(pk, sk, "assignment")
            )
        elif isinstance(state, ApiKeyRecord):  # found by id, consistently (revocation)
            self._put(api_key_directory_item(state), "attribute_not_exists(pk)")
        elif isinstance(state, Policy):
            pk, sk = quote_claim_key(state.platform, state.quote)
            self._put({"pk": pk, "sk": sk, "policy": state.id}, "attribute_not_exists(pk)")
            self._claims[len(self._operations) - 1] = lambda: _quote_bound(
                state.quote, self._holder(pk, sk, "policy")
            )

    def _claim(self, unique: UniqueClaim) -> None:
        """Take a unique value: a Put that only creates, so a second holder is refused."""
        pk, sk = unique_claim_key(unique)
        self._put({"pk": pk, "sk": sk, "holder": unique.holder}, "attribute_not_exists(pk)")
        conflict = UNIQUE_CONFLICTS[unique.kind]
        self._claims[len(self._operations) - 1] = lambda: conflict(
            unique.value, self._holder(pk, sk, "holder")
        )

        def held() -> Conflict | None:
            holder = self._holder(pk, sk, "holder")
            return conflict(unique.value, holder) if holder not in (None, unique.holder) else None

        self._held.append(held)

    def _unclaim(self, unique: UniqueClaim) -> None:
        """Release a unique value: only its holder may."""
        pk, sk = unique_claim_key(unique)
        self._operations.append(
            {
                "Delete": {
                    "Key": to_attributes({"pk": pk, "sk": sk}),
                    "ConditionExpression": "holder = :h",
                    "ExpressionAttributeValues": to_attributes({":h": unique.holder}),
                }
            }
        )

    def _holder(self, pk: str, sk: str, attribute: str) -> str | None:
        item = self._table.get(pk, sk)
        return str(item[attribute]) if item else None

    # -- committing -------------------------------------------------------------------------
    def commit(self, result: ObjectRef) -> ObjectRef | None:
        """Write everything recorded, once. None: written now. A ref: this request's earlier
        attempt had committed (its answer was lost), so the caller reads that result back."""
        if not self._operations:
            return None
        pk, sk = marker_key(self._scope.writer)
        marker = {
            "pk": pk,
            "sk": sk,
            "kind": result.kind,
            "platform": result.platform,
            "object": result.id,
            "ttl": int(time.time()) + MARKER_TTL_SECONDS,
        }
        operations = [*self._operations, *totals_updates(self._entries, self._scope.writer)]
        operations.append(
            {
                "Put": {
                    "Item": to_attributes(marker),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        )
        try:
            self._table.transact(
                operations,
                conflict_message="The object changed meanwhile; retry.",
                token=self._scope.token,
            )
        except WriteConflict as conflict:
            earlier = self._marker()
            if earlier is not None:
                return earlier
            for index in sorted(conflict.failed):
                if index in self._claims:
                    raise self._claims[index]() from conflict
            # Cancelled by a concurrent transaction (no condition of ours failed): a value
            # another object now holds is the answer; otherwise the caller may try again.
            for held in self._held if not conflict.failed else ():
                if (taken := held()) is not None:
                    raise taken from conflict
            raise
        finally:
            self._operations = []
            self._claims = {}
            self._entries = []
            self._held = []
        return None


def _quote_bound(quote_id: str, policy_id: str | None) -> Conflict:
    return Conflict(
        f"Quote {quote_id} is already bound to policy {policy_id}.",
        code="quote_already_bound",
        details=[{"loc": ["body", "quote"], "msg": "already bound", "id": policy_id}],
    )
