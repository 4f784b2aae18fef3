"""A self-contained HTML reference rendered from the OpenAPI document (no CDN, no script)."""

from __future__ import annotations

import html
import json
from typing import Any

_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2330;background:#fafbfc}
main{max-width:980px;margin:0 auto;padding:24px}
h1{margin-top:0} h2{border-bottom:1px solid #dde;padding-bottom:4px;margin-top:40px}
.op{background:#fff;border:1px solid #e3e6ee;border-radius:6px;padding:12px 16px;margin:12px 0}
.m{display:inline-block;min-width:62px;font-weight:700;font-family:monospace}
.GET{color:#0a7} .POST{color:#c60} .PATCH{color:#85c} .DELETE{color:#c33}
code,pre{font-family:ui-monospace,monospace;font-size:13px}
pre{background:#f3f4f8;padding:8px;border-radius:4px;overflow:auto;max-height:320px}
.roles{color:#667;font-size:13px} nav a{margin-right:12px}
"""


def _schema_link(schema: dict[str, Any]) -> str:
    ref = schema.get("$ref", "")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        return f'<a href="#schema-{html.escape(name)}">{html.escape(name)}</a>'
    return f"<code>{html.escape(json.dumps(schema))}</code>"


def _operation_html(path: str, method: str, op: dict[str, Any]) -> str:
    parts = [
        f'<div class="op" id="{html.escape(op["operationId"])}">',
        f'<span class="m {method.upper()}">{method.upper()}</span>',
        f" <code>{html.escape(path)}</code>",
        f"<div>{html.escape(op.get('summary', ''))}</div>",
    ]
    if op.get("description"):
        parts.append(f'<div class="roles">{html.escape(op["description"])}</div>')
    params = op.get("parameters", [])
    if params:
        rows = ", ".join(
            f"<code>{html.escape(p['name'])}</code> ({html.escape(p['in'])})" for p in params
        )
        parts.append(f"<div>Parameters: {rows}</div>")
    body = op.get("requestBody")
    if body:
        parts.append("<div>Body: " + _schema_link(body["content"]["application/json"]["schema"]))
        parts.append("</div>")
    responses = []
    for status, answer in op["responses"].items():
        content = answer.get("content", {})
        schema = next(iter(content.values())).get("schema") if content else None
        target = f" {_schema_link(schema)}" if schema else ""
        responses.append(f"<li><b>{status}</b> {html.escape(answer['description'])}{target}</li>")
    parts.append("<ul>" + "".join(responses) + "</ul></div>")
    return "".join(parts)


def render_docs(document: dict[str, Any]) -> str:
    """The page: operations grouped by tag, then every schema as formatted JSON."""
    by_tag: dict[str, list[str]] = {}
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            tag = (op.get("tags") or ["General"])[0]
            by_tag.setdefault(tag, []).append(_operation_html(path, method, op))
    sections = [
        f'<h2 id="tag-{html.escape(tag)}">{html.escape(tag)}</h2>' + "".join(ops)
        for tag, ops in sorted(by_tag.items())
    ]
    schemas = [
        f'<h3 id="schema-{html.escape(name)}">{html.escape(name)}</h3>'
        f"<pre>{html.escape(json.dumps(schema, indent=2))}</pre>"
        for name, schema in sorted(document["components"]["schemas"].items())
    ]
    nav = "".join(f'<a href="#tag-{html.escape(t)}">{html.escape(t)}</a>' for t in sorted(by_tag))
    info = document["info"]
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{html.escape(info['title'])}</title><style>{_STYLE}</style></head><body><main>"
        f"<h1>{html.escape(info['title'])} {html.escape(info['version'])}</h1>"
        f"<p>{html.escape(info['description'])} Machine-readable: "
        '<a href="/openapi.json">/openapi.json</a>.</p>'
        f"<nav>{nav}</nav>{''.join(sections)}<h2>Schemas</h2>{''.join(schemas)}</main></body></html>"
    )
