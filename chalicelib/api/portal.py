"""The dispatcher's portal: one HTML page, its script and its style, served by the app itself (no
CDN). Everything it shows comes from the public API, called from the browser with the key the
user signed in with (kept in sessionStorage, never in a URL)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from chalice.app import Blueprint, Response

bp = Blueprint(__name__)
STATIC_DIR = Path(__file__).resolve().parent.parent / "portal"
ASSETS = {
    "index.html": "text/html; charset=utf-8",
    "portal.js": "text/javascript; charset=utf-8",
    "portal.css": "text/css; charset=utf-8",
}
# The page runs only its own script and style, talks only to this origin, and is never framed.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


@cache
def asset(name: str) -> str:
    """A static file's text, read once per process."""
    return (STATIC_DIR / name).read_text(encoding="utf-8")


def _answer(name: str) -> Response:
    return Response(
        body=asset(name),
        status_code=200,
        headers={
            "Content-Type": ASSETS[name],
            "Cache-Control": "no-cache",
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


@bp.route("/portal", methods=["GET"])
def portal_page() -> Response:
    return _answer("index.html")


@bp.route("/portal/{name}", methods=["GET"])
def portal_asset(name: str) -> Response:
    if name not in ASSETS or name == "index.html":
        return Response(body="Not found", status_code=404, headers={"Content-Type": "text/plain"})
    return _answer(name)
