"""`Idempotency-Key` on POST, backed by Powertools idempotency on DynamoDB.

A retry with the same key and body replays the first response; the same key with another body is
422 `idempotency_key_reused`; a retry while the first is still running is 409
`idempotency_in_progress`. Only 2xx/4xx outcomes are stored: an unexpected failure deletes the
in-progress record so the client can retry.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from chalicelib.domain.errors import Conflict, ValidationFailed

Action = Callable[[], tuple[int, str]]


@dataclass(frozen=True)
class Outcome:
    status: int
    body: str
    replayed: bool


class IdempotentExecutor:
    """Runs an action at most once per (scope, key) within the TTL."""

    def __init__(self, persistence: DynamoDBPersistenceLayer, *, ttl_seconds: int) -> None:
        self._config = IdempotencyConfig(
            event_key_jmespath="scope",
            payload_validation_jmespath="fingerprint",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=ttl_seconds,
        )
        self._local = threading.local()
        self._execute = idempotent_function(
            data_keyword_argument="request",
            persistence_store=persistence,
            config=self._config,
            key_prefix="jobcover-post",
        )(self._invoke)

    def _invoke(self, request: dict[str, Any]) -> dict[str, Any]:
        action: Action = self._local.action
        status, body = action()
        return {"status": status, "body": body, "execution": request["execution"]}

    def run(self, *, scope: str, fingerprint: str, action: Action, lambda_context: Any) -> Outcome:
        """Run `action` once for `scope`; replays and conflicts follow the contract."""
        execution = uuid.uuid4().hex
        if lambda_context is not None:
            self._config.register_lambda_context(lambda_context)
        self._local.action = action
        try:
            stored = self._execute(
                request={"scope": scope, "fingerprint": fingerprint, "execution": execution}
            )
        except IdempotencyValidationError as exc:
            raise ValidationFailed(
                "This Idempotency-Key was already used with a different request.",
                code="idempotency_key_reused",
                details=[{"loc": ["header", "Idempotency-Key"], "msg": "reused"}],
            ) from exc
        except IdempotencyAlreadyInProgressError as exc:
            raise Conflict(
                "A request with this Idempotency-Key is still in progress; retry shortly.",
                code="idempotency_in_progress",
            ) from exc
        finally:
            self._local.action = None
        return Outcome(
            status=int(stored["status"]),
            body=str(stored["body"]),
            replayed=stored["execution"] != execution,
        )
