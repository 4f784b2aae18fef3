"""The address guard: resolve an endpoint's host and decide where a delivery may connect.

Every address a name resolves to must be allowed (domain/webhooks/urls.py), and the delivery
connects to the address that was checked, never resolving again, so a name re-pointed between
the check and the connection (DNS rebinding) gains nothing. `egress="loopback"` confines
deliveries to `http://127.0.0.1` whatever the URLs say (test stacks on a machine that must send
nothing off the machine).
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Literal

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.webhooks.urls import (
    DeliveryRefused as Refused,
)
from chalicelib.domain.webhooks.urls import (
    EndpointUrl,
    Target,
    address_allowed,
    parse_endpoint_url,
)

Egress = Literal["public", "loopback"]
Resolver = Callable[[str, int], list[str]]
RESOLVE_SECONDS = 3.0
_lookups = ThreadPoolExecutor(max_workers=4, thread_name_prefix="webhook-dns")


def resolve_host(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (getaddrinfo; raises OSError when it does not)."""
    answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(answer[4][0]) for answer in answers))


class AddressGuard:
    def __init__(
        self,
        *,
        loopback_allowed: bool,
        unresolved_allowed: bool,
        egress: Egress = "public",
        resolver: Resolver | None = None,
        resolve_seconds: float = RESOLVE_SECONDS,
    ) -> None:
        self._loopback_allowed = loopback_allowed
        self._unresolved_allowed = unresolved_allowed
        self._egress = egress
        self._resolver = resolver
        self._resolve_seconds = resolve_seconds

    def accept(self, url: str) -> EndpointUrl:
        """Check a URL a platform gives (ValidationFailed, 422, when refused). A name that does
        not resolve is refused in production; local stages, often offline, accept it."""
        parsed = parse_endpoint_url(url, loopback_allowed=self._loopback_allowed)
        if parsed.literal_address is not None:
            return parsed
        try:
            addresses = self._resolve(parsed)
        except Refused as refused:
            if self._unresolved_allowed:
                return parsed
            raise _invalid(f"url's host {parsed.host} does not resolve") from refused
        blocked = [a for a in addresses if not address_allowed(parsed, a)]
        if blocked:
            raise _invalid(f"url's host {parsed.host} resolves to a non-public address")
        return parsed

    def target(self, url: str) -> Target:
        """Where a delivery to `url` connects now, or Refused (checked at every delivery)."""
        try:
            parsed = parse_endpoint_url(url, loopback_allowed=self._loopback_allowed)
        except ValidationFailed as invalid:
            raise Refused("url_not_allowed") from invalid
        if self._egress == "loopback" and not parsed.loopback:
            raise Refused("egress_confined_to_loopback")
        literal = parsed.literal_address
        addresses = [literal] if literal is not None else self._resolve(parsed)
        if not addresses or not all(address_allowed(parsed, a) for a in addresses):
            raise Refused("address_not_allowed")
        return Target(parsed, addresses[0])

    def _resolve(self, url: EndpointUrl) -> list[str]:
        resolver = self._resolver or resolve_host
        future = _lookups.submit(resolver, url.host, url.port)
        try:
            return future.result(timeout=self._resolve_seconds)
        except FutureTimeout as exc:
            raise Refused("dns_timeout") from exc
        except (OSError, UnicodeError) as exc:
            raise Refused("dns_error") from exc


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(message, details=[{"loc": ["body", "url"], "msg": message}])
