"""What a transition returns: the new state and everything that must be written with it.

An aggregate method decides; the unit of work writes `Change.state` (created when
`expected_version` is None, else replacing that version), its ledger entries and one outbox item
per event, in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from chalicelib.domain.events import DomainEvent
from chalicelib.domain.ledger import LedgerEntry

T = TypeVar("T")


@dataclass(frozen=True)
class UniqueClaim:
    """A value one object holds alone within its platform (a contractor's `external_id`): taken
    with `attribute_not_exists` in the object's own transaction, released by its holder."""

    kind: str
    platform: str
    value: str
    holder: str


@dataclass(frozen=True)
class ObjectRef:
    """What a request's commit answers with: read back when an earlier attempt committed."""

    kind: str
    platform: str
    id: str


@dataclass(frozen=True)
class Stamp:
    """The instant of a transition and where its new ids come from (the domain reads no clock)."""

    now: datetime
    new_id: Callable[[str], str]


@dataclass(frozen=True)
class Change(Generic[T]):
    state: T
    expected_version: int | None
    entries: tuple[LedgerEntry, ...] = ()
    events: tuple[DomainEvent, ...] = field(default=())
    # Other aggregates the transition creates or changes with it (a referral it opens, the
    # classes it adds to a policy, the waiver accounts it moves).
    related: tuple[Change[Any], ...] = ()
    # Uniqueness claims taken and released with the state (in the same transaction).
    claims: tuple[UniqueClaim, ...] = ()
    unclaims: tuple[UniqueClaim, ...] = ()
