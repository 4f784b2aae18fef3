"""Domain events: what a transition tells the world, recorded in the outbox with the change.

API.md's "Events" table is the catalogue; `EVENT_TYPES` lists it so a test can hold every
transition to exactly its event. The event id and time are given when the unit of work records
the event (the domain reads no clock and makes no ids).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

EVENT_TYPES = frozenset(
    {
        "quote.referred",
        "referral.approved",
        "referral.declined",
        "policy.activated",
        "policy.payment_received",
        "policy.class_added",
        "policy.cancellation_scheduled",
        "policy.cancelled",
        "policy.reinstated",
        "policy.renewed",
        "policy.non_renewed",
        "policy.renewal_referred",
        "policy.rescinded",
        "policy.expired",
        "assignment.bound",
        "assignment.uncovered",
        "assignment.referred",
        "assignment.updated",
        "assignment.started",
        "assignment.completed",
        "assignment.cancelled",
        "assignment.unreported",
        "certificate.issued",
        "certificate.revised",
        "certificate.voided",
        "certificate.expired",
        "certificate.reviewed",
        "audit.requested",
        "audit.completed",
    }
)


@dataclass(frozen=True)
class DomainEvent:
    """`type` from the catalogue; `data` is the object's JSON form at the time of the change."""

    type: str
    platform: str
    object_type: str
    object_id: str
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.type not in EVENT_TYPES:
            raise ValueError(f"unknown event type {self.type!r}")


@dataclass(frozen=True)
class OutboxEvent:
    """A recorded event as the outbox holds it: id, creation time and when it is due."""

    id: str
    type: str
    platform: str
    object_type: str
    object_id: str
    data: dict[str, Any]
    created_at: datetime
    due_at: datetime
    attempts: int = 0
