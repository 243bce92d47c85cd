"""Send a browser that opened the development inbox at http://127.0.0.1:PORT to
http://localhost:PORT, the address passkeys and the session cookie are made for.

WebAuthn needs a domain as the relying party id (W3C Web Authentication, section 5.1.4:
an IP address is not a valid domain), and a Secure cookie is kept on http:// only for
``localhost``. So when the inbox's origin is ``http://localhost:PORT`` (what `make serve`
and `python -m referrals dev` use), a GET or HEAD whose Host is a loopback address
(127.0.0.1, [::1]) from a browser opening a page (it accepts text/html; a health check or
a script does not, and gets its answer as before) is answered 308 to the same path and
query on the origin. Any other
origin (a real domain behind a proxy) is left alone, so a proxy that sends its own Host
can never cause a redirect loop.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

LOOPBACK = {"127.0.0.1", "::1"}


class LoopbackToLocalhost:
    """ASGI middleware. ``origin``: the inbox's origin, e.g. ``http://localhost:8001``."""

    def __init__(self, app: ASGIApp, origin: str):
        self.app = app
        parts = urlsplit(origin)
        self.origin = origin.rstrip("/") if parts.scheme == "http" and parts.hostname == "localhost" else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.origin and scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            headers = Headers(scope=scope)
            host = urlsplit("//" + headers.get("host", "")).hostname
            if host in LOOPBACK and "text/html" in headers.get("accept", ""):
                query = scope.get("query_string", b"").decode("latin-1")
                target = self.origin + scope.get("path", "/") + (f"?{query}" if query else "")
                await RedirectResponse(target, status_code=308)(scope, receive, send)
                return
        await self.app(scope, receive, send)
