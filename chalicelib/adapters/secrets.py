"""Where the admin key comes from: the environment locally, SSM Parameter Store in AWS.

A source answers one question, `matches(secret)`, so that SSM is read only for a presented key
that could be the admin's (prefix `jca_`): a platform or underwriter request never waits on SSM,
and an SSM outage cannot fail it.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import threading
import time
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib.adapters.faults import dependency
from chalicelib.domain.errors import DependencyUnavailable

ADMIN_PREFIX = "jca_"
logger = Logger(service="jobcover", child=True)


def same_key(presented: str, configured: str) -> bool:
    """Constant-time comparison (of digests, so the lengths leak nothing either)."""
    return hmac.compare_digest(
        hashlib.sha256(presented.encode()).digest(), hashlib.sha256(configured.encode()).digest()
    )


class EnvironmentAdminKey:
    """Local and test stages: `JOBCOVER_ADMIN_KEY` (any value `make run` was given)."""

    def __init__(self, value: str | None) -> None:
        self._value = value

    def matches(self, secret: str) -> bool:
        return bool(self._value) and same_key(secret, self._value or "")


class SsmAdminKey:
    """AWS: a SecureString parameter whose value starts with `jca_`.

    Read only for a presented key starting `jca_`; cached for `ttl_seconds` (a rotation takes
    effect within that). A failed read is remembered for `retry_seconds`: within that window
    admin requests answer 503 at once instead of each calling SSM again (a short negative cache),
    and where a value was read before it keeps serving (stale) until SSM answers again.
    """

    def __init__(
        self,
        ssm_client: Any,
        parameter_name: str,
        *,
        ttl_seconds: float = 300,
        retry_seconds: float = 5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ssm = ssm_client
        self._name = parameter_name
        self._ttl = ttl_seconds
        self._retry = retry_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._value: str | None = None
        self._read_at = -math.inf
        self._failed_at = -math.inf

    def matches(self, secret: str) -> bool:
        if not secret.startswith(ADMIN_PREFIX):
            return False
        return same_key(secret, self._current())

    def _current(self) -> str:
        with self._lock:
            now = self._clock()
            if self._value is not None and now - self._read_at < self._ttl:
                return self._value
            if now - self._failed_at < self._retry:
                return self._stale_or_raise(math.ceil(self._retry - (now - self._failed_at)))
            try:
                with dependency("SSM"):
                    answer = self._ssm.get_parameter(Name=self._name, WithDecryption=True)
            except DependencyUnavailable:
                self._failed_at = now
                logger.warning("admin key: SSM read failed", exc_info=True)
                return self._stale_or_raise(math.ceil(self._retry))
            self._value = str(answer["Parameter"]["Value"])
            self._read_at = now
            self._failed_at = -math.inf
            return self._value

    def _stale_or_raise(self, retry_after: int) -> str:
        if self._value is not None:
            return self._value
        raise DependencyUnavailable("SSM", retry_after_seconds=max(1, retry_after))
