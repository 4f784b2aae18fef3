"""Which webhook URLs a stage accepts, and which addresses a delivery may connect to (SSRF).

Production accepts only `https` URLs whose host resolves to public addresses: no private,
loopback, link-local (169.254.169.254, the cloud metadata service), shared, reserved or multicast
address, including IPv4 addresses wrapped in IPv6. Local and test stages also accept
`http://127.0.0.1:<port>`, and nothing else over plain http. Names that can only mean this
machine or a private network (`localhost`, `*.internal`...) are refused without a lookup.
The check is made at creation and again at each delivery, against the addresses the delivery
connects to, so a name re-pointed to a private address (DNS rebinding) reaches nothing.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from chalicelib.domain.errors import ValidationFailed

MAX_URL_LENGTH = 2048
LOOPBACK_HOST = "127.0.0.1"
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_PRIVATE_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")
_PRIVATE_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


@dataclass(frozen=True)
class EndpointUrl:
    """A parsed, acceptable endpoint URL: where to connect and what to ask for."""

    url: str
    scheme: str
    host: str  # lower-case name or address literal, without brackets
    port: int
    target: str  # path and query, as sent in the request line

    @property
    def loopback(self) -> bool:
        return self.scheme == "http"

    @property
    def literal_address(self) -> str | None:
        """The host when it is an IP address literal (no lookup needed)."""
        try:
            return str(ipaddress.ip_address(self.host))
        except ValueError:
            return None


class DeliveryRefused(Exception):
    """A delivery may not go to its URL now; `reason` is the attempt's error code."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Target:
    """Where a delivery goes: the URL, and the one checked address it connects to."""

    url: EndpointUrl
    address: str


def _refused(message: str) -> ValidationFailed:
    return ValidationFailed(message, details=[{"loc": ["body", "url"], "msg": message}])


def parse_endpoint_url(url: str, *, loopback_allowed: bool) -> EndpointUrl:
    """The URL if its form is acceptable on this stage (addresses are checked separately)."""
    if len(url) > MAX_URL_LENGTH or not url.isprintable() or any(ch.isspace() for ch in url):
        raise _refused(f"url must be at most {MAX_URL_LENGTH} printable characters, no spaces")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise _refused("url is not a valid URL") from exc
    host = (parts.hostname or "").lower()
    if parts.username is not None or parts.password is not None:
        raise _refused("url may not carry credentials")
    if parts.fragment:
        raise _refused("url may not have a fragment")
    if not host:
        raise _refused("url needs a host")
    if port == 0:
        raise _refused("url's port must be 1 to 65535")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if parts.scheme == "http":
        if not (loopback_allowed and host == LOOPBACK_HOST and port is not None):
            where = (
                "https, or http://127.0.0.1:<port> on this stage" if loopback_allowed else "https"
            )
            raise _refused(f"url must use {where}")
        return EndpointUrl(url, "http", host, port, target)
    if parts.scheme != "https":
        raise _refused("url must use https")
    _check_host(host)
    return EndpointUrl(url, "https", host, port or 443, target)


def _check_host(host: str) -> None:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        if not address_is_public(str(address)):
            raise _refused(f"url's address {address} is not a public address")
        return
    if host in _PRIVATE_NAMES or host.endswith(_PRIVATE_SUFFIXES):
        raise _refused(f"url's host {host} names a local or private network")
    labels = host.rstrip(".").split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise _refused(f"url's host {host} is not a valid domain name")
    if labels[-1].isdigit():
        # 10.1, 0x7f.1, 2130706433: numeric forms a resolver may read as an address.
        raise _refused(f"url's host {host} is not a valid domain name or IP address")


def address_is_public(address: str) -> bool:
    """True for a globally routable unicast address (an IPv4-in-IPv6 address is judged by its
    IPv4 address)."""
    try:
        parsed = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(parsed, ipaddress.IPv6Address):
        embedded = parsed.ipv4_mapped or parsed.sixtofour
        if embedded is not None:
            return address_is_public(str(embedded))
        if parsed.teredo is not None:
            return False
    return bool(
        parsed.is_global
        and not parsed.is_multicast
        and not parsed.is_reserved
        and not parsed.is_loopback
        and not parsed.is_link_local
        and not parsed.is_private
        and not parsed.is_unspecified
    )


def address_allowed(url: EndpointUrl, address: str) -> bool:
    """May a delivery to `url` connect to `address`? Loopback URLs reach 127.0.0.1 only."""
    if url.loopback:
        return address == LOOPBACK_HOST
    return address_is_public(address)
