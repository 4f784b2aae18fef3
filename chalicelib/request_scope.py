"""Who is writing: the scope every commit of one HTTP request (or one job step) shares.

`writer` is written on every item a request writes and names its exactly-once marker; for a
request with an `Idempotency-Key` it is derived from the key, so the client's retry of a request
whose answer was lost recognises its own earlier commit. `token` is the `ClientRequestToken` of
the request's transaction: random per HTTP request (SDK retries reuse it; DynamoDB honours it for
10 minutes), never derived from the body, which would merge two legitimate identical payments.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class WriteScope:
    writer: str
    token: str
    # A client may retry this very request (it carries an Idempotency-Key): look for its commit.
    retryable: bool = False


_current: ContextVar[WriteScope | None] = ContextVar("jobcover_write_scope", default=None)


def fresh_scope() -> WriteScope:
    """A scope of its own (a job step, a script): nobody retries it by key."""
    return WriteScope(writer=uuid.uuid4().hex, token=str(uuid.uuid4()))


def keyed_scope(request_fingerprint: str | None) -> WriteScope:
    """A request's scope. With an Idempotency-Key, `request_fingerprint` digests the caller, the
    key and the request itself, so only a retry of this very request shares its writer."""
    if not request_fingerprint:
        return fresh_scope()
    digest = hashlib.sha256(request_fingerprint.encode()).hexdigest()[:32]
    return WriteScope(writer=f"k{digest}", token=str(uuid.uuid4()), retryable=True)


def current_scope() -> WriteScope:
    """The request's scope; outside one, a fresh scope (never stored: threads are reused)."""
    return _current.get() or fresh_scope()


@contextmanager
def write_scope(scope: WriteScope) -> Iterator[WriteScope]:
    reset = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(reset)
