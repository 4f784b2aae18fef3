"""The API reference page, rendered server-side from the OpenAPI document.

Self-contained (no CDN; machines may have no internet): an overview (auth, errors, idempotency,
pagination, money and dates, rate limits), a section per resource with each operation's
parameters, an example request as curl and an example response, the catalogues of error codes,
reason codes (each with its guideline) and event types, and every schema. A small inline script
filters the page as you type.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from chalicelib.api import catalogue

_STYLE = """
body{font:15px/1.55 system-ui,sans-serif;margin:0;color:#1d2330;background:#fafbfc}
main{max-width:1040px;margin:0 auto;padding:24px}
h1{margin-top:0} h2{border-bottom:1px solid #dde;padding-bottom:4px;margin-top:44px}
.op{background:#fff;border:1px solid #e3e6ee;border-radius:6px;padding:12px 16px;margin:14px 0}
.m{display:inline-block;min-width:62px;font-weight:700;font-family:monospace}
.GET{color:#0a7} .POST{color:#c60} .PATCH{color:#85c} .DELETE{color:#c33}
code,pre{font-family:ui-monospace,monospace;font-size:13px}
pre{background:#f3f4f8;padding:8px;border-radius:4px;overflow:auto;max-height:360px}
table{border-collapse:collapse;width:100%;margin:8px 0;font-size:14px}
td,th{border:1px solid #e3e6ee;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f3f4f8} .muted{color:#667;font-size:13px}
nav a{margin-right:12px;white-space:nowrap}
#search{width:100%;padding:8px;font-size:15px;margin:12px 0;box-sizing:border-box}
.hidden{display:none}
"""
_SCRIPT = """
const box = document.getElementById('search');
box.addEventListener('input', () => {
  const words = box.value.toLowerCase().split(/\\s+/).filter(Boolean);
  document.querySelectorAll('[data-search]').forEach(el => {
    const text = el.textContent.toLowerCase();
    el.classList.toggle('hidden', !words.every(w => text.includes(w)));
  });
});
"""


def _inline(text: str) -> str:
    """Escaped text with `code` and **bold** marked up."""
    escaped = html.escape(text)
    escaped = re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)
    return re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", escaped)


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{_inline(' '.join(p.split()))}</p>" for p in text.split("\n\n") if p)


def _type_of(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return f'<a href="#schema-{html.escape(name)}">{html.escape(name)}</a>'
    if "anyOf" in schema:
        return " | ".join(_type_of(choice) for choice in schema["anyOf"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {_type_of(schema.get('items', {}))}"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"map of {_type_of(schema['additionalProperties'])}"
    text = html.escape(str(kind))
    if schema.get("enum"):
        text += (
            " (" + ", ".join(f"<code>{html.escape(str(v))}</code>" for v in schema["enum"]) + ")"
        )
    if schema.get("x-extensible-enum"):
        text += " (open set)"
    if schema.get("format"):
        text += f" <span class=muted>{html.escape(schema['format'])}</span>"
    return text


def _curl(path: str, method: str, op: dict[str, Any]) -> str:
    url = "http://127.0.0.1:8000" + path
    query = [p for p in op.get("parameters", []) if p["in"] == "query" and p.get("required")]
    if query:
        url += "?" + "&".join(f"{p['name']}=..." for p in query)
    lines = [f"curl -X {method.upper()} '{url}'"]
    if op.get("security") != []:
        lines.append('  -H "Authorization: Bearer $JOBCOVER_KEY"')
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    if method.upper() == "POST" and op.get("security") != []:
        lines.append('  -H "Idempotency-Key: $(uuidgen)"')
    if "example" in body:
        lines.append('  -H "Content-Type: application/json"')
        lines.append(f"  -d '{json.dumps(body['example'], indent=2)}'")
    return " \\\n".join(lines)


def _operation_html(path: str, method: str, op: dict[str, Any]) -> str:
    parts = [
        f'<div class="op" id="{html.escape(op["operationId"])}" data-search>',
        f'<span class="m {method.upper()}">{method.upper()}</span>',
        f" <code>{html.escape(path)}</code>",
        f"<div><b>{_inline(op.get('summary', ''))}</b></div>",
        f"<p>{_inline(op.get('description', ''))}</p>",
    ]
    params = op.get("parameters", [])
    if params:
        rows = "".join(
            f"<tr><td><code>{html.escape(p['name'])}</code></td><td>{html.escape(p['in'])}</td>"
            f"<td>{_type_of(p.get('schema', {}))}</td><td>{'yes' if p.get('required') else ''}"
            f"</td><td>{_inline(p.get('description', ''))}</td></tr>"
            for p in params
        )
        parts.append(
            "<table><tr><th>Parameter</th><th>In</th><th>Type</th><th>Required</th>"
            f"<th>Description</th></tr>{rows}</table>"
        )
    body = op.get("requestBody")
    if body:
        schema = body["content"]["application/json"]["schema"]
        parts.append(f"<div>Body: {_type_of(schema)}</div>")
    parts.append(
        f"<div class=muted>Example request</div><pre>{html.escape(_curl(path, method, op))}</pre>"
    )
    for status, answer in op["responses"].items():
        content = answer.get("content", {})
        if int(status) < 400:
            media, body_of = next(iter(content.items())) if content else ("", {})
            schema = body_of.get("schema")
            target = f" {_type_of(schema)}" if schema else ""
            parts.append(f"<div><b>{status}</b> {_inline(answer['description'])}{target}</div>")
            if "example" in body_of:
                example = json.dumps(body_of["example"], indent=2)
                parts.append(
                    f"<div class=muted>Example response</div><pre>{html.escape(example)}</pre>"
                )
            elif media:
                parts.append(f"<div class=muted>{html.escape(media)}</div>")
    errors = [
        f"<li><b>{status}</b> {_inline(answer['description'])}</li>"
        for status, answer in op["responses"].items()
        if int(status) >= 400
    ]
    parts.append("<div>Errors:</div><ul>" + "".join(errors) + "</ul></div>")
    return "".join(parts)


def _catalogues(document: dict[str, Any]) -> str:
    errors = "".join(
        f'<tr data-search id="error-{e.code}"><td><code>{e.code}</code></td><td>{e.status}</td>'
        f"<td>{_inline(e.meaning)}</td><td>{', '.join(e.operations) or 'any'}</td></tr>"
        for e in sorted(catalogue.ERROR_CODES, key=lambda e: (e.status, e.code))
    )
    reasons = "".join(
        f'<tr data-search id="reason-{r.code}"><td><code>{r.code}</code></td>'
        f"<td>{_inline(r.meaning)}</td><td>{', '.join(r.outcomes)}</td>"
        f"<td>{'<br>'.join(html.escape(g) for g in r.guidelines) or 'service rule'}</td></tr>"
        for r in catalogue.reason_codes()
    )
    events = "".join(
        f'<tr data-search id="event-{name}"><td><code>{name}</code></td></tr>'
        for name in catalogue.event_types()
    )
    ledger = "".join(
        f"<tr data-search><td><code>{name}</code></td>"
        f"<td>{_inline(catalogue.LEDGER_MEANINGS.get(name, ''))}</td></tr>"
        for name in catalogue.ledger_types()
    )
    return (
        '<h2 id="error-codes">Error codes</h2><p>Every error is '
        '<code>{"error": {"code", "message", "details", "request_id"}}</code>. Codes are '
        "an open set: handle the status, and the codes you know.</p>"
        "<table><tr><th>Code</th><th>Status</th><th>Meaning</th><th>Operations</th></tr>"
        f"{errors}</table>"
        '<h2 id="reason-codes">Reason codes</h2><p>A reason is <code>{"code", "message", '
        '"guideline"}</code>: why a line is referred, declined, uncovered or refused. New '
        "guideline rules add codes as data: accept codes you do not know.</p>"
        "<table><tr><th>Code</th><th>Meaning</th><th>Outcome</th><th>Guideline</th></tr>"
        f"{reasons}</table>"
        '<h2 id="event-types">Event types</h2><p>Webhook deliveries and '
        '<code>GET /v1/events</code> carry <code>{"id", "type", "created_at", "data"}</code>'
        "; <code>data</code> is the object as the API returns it. An open set.</p>"
        f"<table><tr><th>Type</th></tr>{events}</table>"
        '<h2 id="ledger-types">Ledger entry types</h2>'
        f"<table><tr><th>Type</th><th>Meaning</th></tr>{ledger}</table>"
    )


def _schema_html(name: str, schema: dict[str, Any]) -> str:
    required = set(schema.get("required", []))
    rows = "".join(
        f"<tr><td><code>{html.escape(prop)}</code></td><td>{_type_of(value)}</td>"
        f"<td>{'yes' if prop in required else ''}</td>"
        f"<td>{_inline(value.get('description', ''))}</td></tr>"
        for prop, value in schema.get("properties", {}).items()
    )
    return (
        f'<div data-search><h3 id="schema-{html.escape(name)}">{html.escape(name)}</h3>'
        f"<p>{_inline(schema.get('description', ''))}</p>"
        "<table><tr><th>Field</th><th>Type</th><th>Always</th><th>Description</th></tr>"
        f"{rows}</table></div>"
    )


def render_docs(document: dict[str, Any]) -> str:
    """The page: overview, operations by resource, catalogues, schemas."""
    by_tag: dict[str, list[str]] = {}
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            tag = (op.get("tags") or ["General"])[0]
            by_tag.setdefault(tag, []).append(_operation_html(path, method, op))
    tag_text = {tag["name"]: tag.get("description", "") for tag in document.get("tags", [])}
    sections = [
        f'<h2 id="tag-{html.escape(tag)}">{html.escape(tag)}</h2>'
        f"<p>{_inline(tag_text.get(tag, ''))}</p>" + "".join(ops)
        for tag, ops in sorted(by_tag.items())
    ]
    schemas = [
        _schema_html(name, schema)
        for name, schema in sorted(document["components"]["schemas"].items())
    ]
    links = [(f"tag-{t}", t) for t in sorted(by_tag)] + [
        ("error-codes", "Error codes"),
        ("reason-codes", "Reason codes"),
        ("event-types", "Event types"),
        ("schemas", "Schemas"),
    ]
    nav = "".join(f'<a href="#{html.escape(a)}">{html.escape(t)}</a> ' for a, t in links)
    info = document["info"]
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(info['title'])} reference</title><style>{_STYLE}</style></head>"
        "<body><main>"
        f"<h1>{html.escape(info['title'])} {html.escape(info['version'])}</h1>"
        f'<section id="overview">{_paragraphs(info["description"])}'
        '<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1; '
        "generators such as openapi-python-client accept it as is).</p></section>"
        f"<nav>{nav}</nav>"
        '<input id="search" type="search" placeholder="Search operations, codes, fields..." '
        'aria-label="Search the reference">'
        f"{''.join(sections)}{_catalogues(document)}"
        f'<h2 id="schemas">Schemas</h2>{"".join(schemas)}'
        f"</main><script>{_SCRIPT}</script></body></html>"
    )
