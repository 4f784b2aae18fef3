"""Composition root: builds the adapters and services once per process, lazily.

Nothing here runs at import time: Chalice's test client only sets the stage's environment during
a request, and moto must be active before the first boto3 client exists. Nothing is imported at
import time either (a cold Lambda pays for what its first request uses, not for every route's
services, adapters, boto3 and settings): each property imports what it builds.
"""

from __future__ import annotations

import os
import threading
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalicelib.adapters.dynamodb.ledger import DynamoLedger
    from chalicelib.adapters.dynamodb.parties import DynamoApiKeys
    from chalicelib.adapters.dynamodb.table import DynamoTable
    from chalicelib.adapters.idempotency import IdempotentExecutor
    from chalicelib.adapters.system import RandomIds, SystemClock
    from chalicelib.ports import AdminKeySource
    from chalicelib.services.assignments import AssignmentServices
    from chalicelib.services.auth import Authenticator
    from chalicelib.services.parties import PartyServices
    from chalicelib.services.policies import PolicyServices
    from chalicelib.services.quotes import QuoteServices
    from chalicelib.settings import Settings


class Container:
    """Everything a request or job needs, built on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def _session(self) -> Any:
        import boto3

        return boto3.session.Session()

    def client(self, service: str) -> Any:
        """A boto3 client, created on first use."""
        from botocore.config import Config

        config = Config(
            retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5
        )
        return self._session.client(service, config=config)

    @cached_property
    def dynamodb(self) -> Any:
        return self.client("dynamodb")

    @cached_property
    def table(self) -> DynamoTable:
        from chalicelib.adapters.dynamodb.table import DynamoTable

        return DynamoTable(self.dynamodb, self.settings.table_name)

    @cached_property
    def clock(self) -> SystemClock:
        from chalicelib.adapters.system import SystemClock

        return SystemClock()

    @cached_property
    def ids(self) -> RandomIds:
        from chalicelib.adapters.system import RandomIds

        return RandomIds(self.clock)

    @cached_property
    def admin_key_source(self) -> AdminKeySource:
        from chalicelib.adapters.secrets import EnvironmentAdminKey, SsmAdminKey

        if self.settings.admin_key_parameter:
            return SsmAdminKey(self.client("ssm"), self.settings.admin_key_parameter)
        return EnvironmentAdminKey(self.settings.admin_key)

    @cached_property
    def api_keys(self) -> DynamoApiKeys:
        from chalicelib.adapters.dynamodb.parties import DynamoApiKeys

        return DynamoApiKeys(self.table)

    @cached_property
    def auth(self) -> Authenticator:
        from chalicelib.services.auth import Authenticator

        return Authenticator(self.api_keys, self.admin_key_source)

    @cached_property
    def parties(self) -> PartyServices:
        from chalicelib.adapters.dynamodb.parties import DynamoParties, DynamoPlatforms
        from chalicelib.adapters.tin_vault import KmsTinVault
        from chalicelib.services.auth import KeyIssuer
        from chalicelib.services.parties import PartyServices

        return PartyServices(
            platforms=DynamoPlatforms(self.table),
            parties=DynamoParties(self.table),
            keys=KeyIssuer(self.api_keys, self.ids, self.clock),
            tins=KmsTinVault(self.client("kms"), self.settings.tin_key_id),
            ids=self.ids,
            clock=self.clock,
        )

    @cached_property
    def quotes(self) -> QuoteServices:
        from chalicelib.adapters.dynamodb.quotes import DynamoQuotes
        from chalicelib.reference_data import load_reference_data
        from chalicelib.services.quotes import QuoteServices
        from chalicelib.underwriting_rules import load_rulebook, trade_profile

        return QuoteServices(
            parties=self.parties,
            quotes=DynamoQuotes(self.table),
            reference=load_reference_data,
            rulebook=load_rulebook,
            trade_profile=trade_profile,
            ids=self.ids,
            clock=self.clock,
        )

    @cached_property
    def policies(self) -> PolicyServices:
        from chalicelib.adapters.dynamodb.policies import DynamoPolicies
        from chalicelib.reference_data import load_reference_data
        from chalicelib.services.policies import PolicyServices

        return PolicyServices(
            quotes=self.quotes,
            policies=DynamoPolicies(self.table),
            reference=load_reference_data,
            ids=self.ids,
            clock=self.clock,
        )

    @cached_property
    def assignments(self) -> AssignmentServices:
        from chalicelib.adapters.dynamodb.assignments import DynamoAssignments
        from chalicelib.reference_data import load_reference_data
        from chalicelib.services.assignments import AssignmentServices
        from chalicelib.underwriting_rules import load_rulebook, trade_profile

        return AssignmentServices(
            assignments=DynamoAssignments(self.table),
            reference=load_reference_data,
            rulebook=load_rulebook,
            trade_profile=trade_profile,
            ids=self.ids,
            clock=self.clock,
        )

    @cached_property
    def ledger(self) -> DynamoLedger:
        from chalicelib.adapters.dynamodb.ledger import DynamoLedger

        return DynamoLedger(self.table)

    @cached_property
    def idempotency(self) -> IdempotentExecutor:
        from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

        from chalicelib.adapters.idempotency import IdempotentExecutor

        layer = DynamoDBPersistenceLayer(
            table_name=self.settings.idempotency_table_name, boto3_client=self.dynamodb
        )
        return IdempotentExecutor(layer, ttl_seconds=self.settings.idempotency_ttl_seconds)


_lock = threading.Lock()
_current: tuple[tuple[tuple[str, str], ...], Container] | None = None


def _environment_key() -> tuple[tuple[str, str], ...]:
    return tuple(sorted(item for item in os.environ.items() if item[0].startswith("JOBCOVER_")))


def container() -> Container:
    """The process's container, rebuilt if the `JOBCOVER_*` environment changed (tests, stages).

    Comparing the environment costs microseconds; parsing settings costs most of a millisecond,
    so it happens only when something changed.
    """
    global _current
    key = _environment_key()
    with _lock:
        if _current is None or _current[0] != key:
            from chalicelib.settings import load_settings

            _current = (key, Container(load_settings()))
        return _current[1]


def reset() -> None:
    """Forget the cached container (tests call this between moto sessions)."""
    global _current
    with _lock:
        _current = None
