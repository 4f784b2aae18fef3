"""Prefixed, time-sortable IDs: `<prefix>_<10 chars time><16 chars random>` (Crockford base32).

Sorting the IDs of one type sorts them by creation time (to the millisecond), which is what lets
lists answer "newest first" straight from the table's sort key.
"""

from __future__ import annotations

import re

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
PREFIXES = frozenset(
    {
        "plt",
        "key",
        "cus",
        "ctr",
        "qte",
        "pol",
        "asg",
        "crt",
        "ref",
        "led",
        "whe",
        "evt",
        "pay",
        "run",
        "whd",  # webhook deliveries
        "wha",  # and their attempts
    }
)
_ID_PATTERN = re.compile(r"^(?P<prefix>[a-z]{3})_[0-9a-hjkmnp-tv-z]{26}$")


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def make_id(prefix: str, *, unix_ms: int, entropy: bytes) -> str:
    """id = prefix + "_" + base32(unix_ms, 10 chars) + base32(80 random bits, 16 chars)."""
    if prefix not in PREFIXES:
        raise ValueError(f"unknown id prefix {prefix!r}")
    if len(entropy) != 10:
        raise ValueError("entropy must be 10 bytes")
    return f"{prefix}_{_encode(unix_ms, 10)}{_encode(int.from_bytes(entropy, 'big'), 16)}"


def id_prefix(value: str) -> str | None:
    """The type prefix of a well-formed ID, or None."""
    match = _ID_PATTERN.match(value)
    return match.group("prefix") if match else None


def is_id_of(value: str, prefix: str) -> bool:
    """True when `value` is a well-formed ID of the given type."""
    return id_prefix(value) == prefix
