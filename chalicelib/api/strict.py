"""Strict input (API.md "Conventions"): the rules every operation's request passes, in one place.

The request pipeline (`chalicelib.api.pipeline.serve`) calls these for every route registered
with `chalicelib.api.http.operation`, so a new route cannot forget one:

- a body is JSON: another content type is a 415 (`; charset=utf-8` is fine; no body, no type);
- duplicated keys are a 400 (chalicelib/api/jsonbody.py, the one JSON parser);
- no text anywhere in the body or the query string carries a control character (422);
- unknown or repeated query parameters are a 422; a list cursor is an id of the listed type;
- a PATCH changes something (an empty one is a 422); an operation without a body takes none.

Strict JSON types (`"yes"` is not a boolean, `"5"` not a number) are `RequestModel`'s
`strict=True` (chalicelib/api/schemas/common.py); bounded decimals are `DecimalRange`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel

from chalicelib.domain.errors import UnsupportedMediaType, ValidationFailed

JSON_MEDIA_TYPE = "application/json"
# Free-text fields may span lines (a job description, an underwriter's note): tab, newline and
# carriage return pass there; every other control character is refused everywhere.
MULTILINE_FIELDS = frozenset({"description", "note"})
_LINE_BREAKS = frozenset("\t\n\r")


def check_content_type(content_type: str | None, raw: bytes) -> None:
    """A request with a body must label it `application/json` (parameters: only charset=utf-8)."""
    if not raw:
        return
    media_type, *parameters = (part.strip() for part in (content_type or "").split(";"))
    charset_ok = all(
        name.strip().lower() != "charset" or value.strip().strip('"').lower() in {"utf-8", "utf8"}
        for name, _, value in (parameter.partition("=") for parameter in parameters if parameter)
    )
    if media_type.lower() != JSON_MEDIA_TYPE or not charset_ok:
        shown = content_type or "none"
        raise UnsupportedMediaType(
            f"The body must be sent as {JSON_MEDIA_TYPE} (UTF-8); it was labelled {shown}.",
            details=[{"loc": ["header", "Content-Type"], "msg": f"must be {JSON_MEDIA_TYPE}"}],
        )


def _refused(text: str, multiline: bool) -> bool:
    """A control character (Unicode Cc) or a lone surrogate (Cs, from a `\\ud800` escape)."""
    for char in text:
        if multiline and char in _LINE_BREAKS:
            continue
        if unicodedata.category(char) in {"Cc", "Cs"}:
            return True
    return False


def control_character_locations(value: Any, where: list[str | int]) -> list[list[str | int]]:
    """Where in a parsed JSON value (keys included) a string carries a refused character."""
    found: list[list[str | int]] = []
    stack: list[tuple[Any, list[str | int], bool]] = [(value, where, False)]
    while stack:
        node, loc, multiline = stack.pop()
        if isinstance(node, str):
            if _refused(node, multiline):
                found.append(loc)
        elif isinstance(node, dict):
            for key, child in node.items():
                if _refused(str(key), False):
                    found.append([*loc, str(key)])
                stack.append((child, [*loc, key], key in MULTILINE_FIELDS))
        elif isinstance(node, list):
            stack.extend((child, [*loc, index], multiline) for index, child in enumerate(node))
    return found


def check_text(value: Any, where: str) -> None:
    """422 when any text in the body or the query carries a control character."""
    locations = control_character_locations(value, [where])
    if locations:
        raise ValidationFailed(
            f"Invalid {'.'.join(str(p) for p in locations[0])}: text may not contain control "
            "characters.",
            details=[{"loc": loc, "msg": "contains a control character"} for loc in locations],
        )


def query_values(
    names: Iterable[str], getlist: Any, model: type[BaseModel] | None
) -> dict[str, str]:
    """The query string as one value per known parameter; unknown or repeated ones are a 422."""
    fields = model.model_fields.items() if model is not None else ()
    allowed = {field.alias or name for name, field in fields}  # `from_` is sent as `from`
    values: dict[str, str] = {}
    problems: list[dict[str, Any]] = []
    for name in names:
        given = list(getlist(name))
        if name not in allowed:
            problems.append({"loc": ["query", name], "msg": "unknown query parameter"})
        elif len(given) > 1:
            problems.append({"loc": ["query", name], "msg": "given more than once"})
        else:
            values[name] = given[0] if given else ""
    if problems:
        first = problems[0]
        raise ValidationFailed(
            f"Invalid query.{first['loc'][1]}: {first['msg']}"
            + (f"; this operation accepts {', '.join(sorted(allowed))}." if allowed else "."),
            details=problems,
        )
    check_text(values, "query")
    return values


def check_cursor(query: Mapping[str, str], prefix: str | None) -> None:
    """`starting_after` is the id of an object of the listed type (`cus_…` for customers)."""
    cursor = query.get("starting_after")
    if prefix is None or not cursor:
        return
    if not cursor.startswith(f"{prefix}_"):
        raise ValidationFailed(
            f"Invalid query.starting_after: must be the id of a listed object ({prefix}_...).",
            details=[{"loc": ["query", "starting_after"], "msg": f"must be a {prefix}_ id"}],
        )


def check_not_empty(method: str, body: BaseModel) -> None:
    """A PATCH that names nothing to change is a mistake, not a no-op (422)."""
    if method == "PATCH" and not body.model_fields_set:
        raise ValidationFailed(
            "An empty PATCH changes nothing: give at least one field to change.",
            details=[{"loc": ["body"], "msg": "no field given"}],
        )


def check_no_body(payload: Any) -> None:
    """An operation without a request body takes none (an empty object is fine)."""
    if payload not in (None, {}):
        raise ValidationFailed(
            "This operation takes no request body.",
            details=[{"loc": ["body"], "msg": "no body expected"}],
        )
