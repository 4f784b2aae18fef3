"""Where the admin key comes from: the environment locally, SSM Parameter Store in AWS."""

from __future__ import annotations

import threading
import time
from typing import Any


class EnvironmentAdminKey:
    """Local and test stages: `JOBCOVER_ADMIN_KEY`."""

    def __init__(self, value: str | None) -> None:
        self._value = value

    def admin_key(self) -> str | None:
        return self._value


class SsmAdminKey:
    """AWS: a SecureString parameter, cached for a few minutes so rotation takes effect."""

    def __init__(self, ssm_client: Any, parameter_name: str, *, ttl_seconds: float = 300) -> None:
        self._ssm = ssm_client
        self._name = parameter_name
        self._ttl = ttl_seconds
        self._lock = threading.Lock()
        self._cached: tuple[float, str] | None = None

    def admin_key(self) -> str | None:
        with self._lock:
            if self._cached and time.monotonic() - self._cached[0] < self._ttl:
                return self._cached[1]
            answer = self._ssm.get_parameter(Name=self._name, WithDecryption=True)
            value = str(answer["Parameter"]["Value"])
            self._cached = (time.monotonic(), value)
            return value
