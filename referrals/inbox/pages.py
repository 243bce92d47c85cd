"""The inbox's HTML: Jinja templates (referrals/inbox/templates), autoescaped, no inline script
or style, and the security headers every inbox response carries.

The headers: a strict Content-Security-Policy (scripts and styles only from the inbox's own
files; 'wasm-unsafe-eval' lets libsodium compile its WebAssembly, and nothing else),
`X-Robots-Tag: noindex` (with the robots meta tag and /robots.txt, never indexed),
`Cache-Control: no-store` on every page and API answer (static files: `no-cache`, so they
are checked each time but hold no data), and the usual nosniff, no-referrer, DENY framing,
same-origin opener and resource policies.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"

CSP = (
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

_env = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(template: str, status: int = 200, **context) -> HTMLResponse:
    context.setdefault("errors", {})
    context.setdefault("error", bool(context["errors"]))
    context.setdefault("csrf", "")
    context.setdefault("staff", None)
    return HTMLResponse(_env.get_template(template).render(**context), status_code=status)


def message(title: str, *paragraphs: str, status: int = 200, link: tuple[str, str] | None = None, **context) -> HTMLResponse:
    return render("message.html", status=status, title=title, paragraphs=paragraphs, link=link, **context)


def subresource_integrity(path: Path) -> str:
    """The `integrity` value (SHA-384) of a static file, so the browser refuses a changed copy."""
    return "sha384-" + base64.b64encode(hashlib.sha384(path.read_bytes()).digest()).decode("ascii")


class InboxHeaders:
    """Adds the inbox's security and caching headers to every response."""

    def __init__(self, app: ASGIApp, https: bool):
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in (b"server", b"cache-control")]
                headers += [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-robots-tag", b"noindex, nofollow, noarchive"),
                    (b"cache-control", b"no-cache" if static else b"no-store"),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                    (b"cross-origin-resource-policy", b"same-origin"),
                    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
                ]
                if self.https:
                    headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
