"""Strict JSON body parsing: size limit, malformed input, duplicated keys, nesting depth
(API.md "Conventions")."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from chalicelib.domain.errors import MalformedRequest, PayloadTooLarge

MAX_DEPTH = 32


class ExponentNotation(Decimal):
    """A JSON number written with an exponent ("1e-5"): bounded decimal fields refuse it (API.md
    "Conventions"), whatever its value."""


def _number(text: str) -> Decimal:
    """Decimal, not float: rates, mods and years arrive exact (and "1e-999990" costs nothing
    until something computes with it, which the schemas prevent)."""
    return ExponentNotation(text) if "e" in text or "E" in text else Decimal(text)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class DuplicateKey(ValueError):
    """An object names the same key twice: which one counts is anyone's guess, so neither."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for key, item in pairs:
        if key in value:
            raise DuplicateKey(key)
        value[key] = item
    return value


def nesting_depth(value: Any) -> int:
    """Depth of nested arrays/objects (a scalar is 0), computed without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: list[Any] = list(node.values())
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, depth + 1)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def parse_json_body(raw: bytes | None, *, max_bytes: int) -> Any:
    """Parse a request body; empty means `{}`. Raises PayloadTooLarge or MalformedRequest."""
    if raw is None or raw.strip() == b"":
        return {}
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"Request body is {len(raw)} bytes; the limit is {max_bytes}.")
    try:
        text = raw.decode("utf-8")
        value = json.loads(
            text, parse_constant=_reject_constant, parse_float=_number, object_pairs_hook=_object
        )
    except DuplicateKey as exc:
        raise MalformedRequest(
            f"Request body names the key {exc.key!r} more than once.",
            details=[{"loc": ["body", exc.key], "msg": "duplicated key"}],
        ) from exc
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise MalformedRequest("Request body is not valid UTF-8 JSON.") from exc
    if nesting_depth(value) > MAX_DEPTH:
        raise MalformedRequest(f"Request body is nested deeper than {MAX_DEPTH} levels.")
    return value
