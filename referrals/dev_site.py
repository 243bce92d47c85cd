"""The built site as ``make serve`` serves it beside the referral form (development only).

``python -m referrals dev`` mounts ``site_app(site_dir)`` under the referral service:

- Every file of the built site is sent with exactly the headers the static host sends in
  production: those the build wrote for its path in ``<site>/_headers`` (read again
  whenever a rebuild rewrites it). So the preview has the same Content Security Policy as
  the live site, per path: the web editor's own policy on /admin/, WebAssembly for site
  search on /search/ and /pagefind/, the strict policy everywhere else. (The referral
  service's own pages keep the service's headers, as they do in production.) A site built
  without ``_headers`` gets no host headers; the service then adds its own.
- ``POST /admin/api/v1`` is passed on to the web editor's local backend (Decap's
  decap-server, which ``make serve`` starts) at ``OXPIP_EDITOR_BACKEND`` (for example
  ``http://127.0.0.1:8081/api/v1``), so the editor talks only to its own origin, as the
  policy on /admin/ requires. Only same-origin requests are passed on: another website
  open in the same browser cannot write into content/.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .host_headers import Rule, headers_for, parse_headers_file

HEADERS_FILE = "_headers"
# Set on a response that carries the host's headers, so the service's own security headers
# (referrals/app.py) leave it as it is; removed again before the response is sent.
HOST_HEADERS_MARK = b"x-oxpip-host-headers"
EDITOR_API = "/admin/api/v1"
EDITOR_BACKEND_ENV = "OXPIP_EDITOR_BACKEND"
EDITOR_BODY_LIMIT = 32 * 1024 * 1024  # a picture of up to 5 MB, base64-encoded, with room to spare


class HostRules:
    """The rules of ``<site>/_headers``, read again when the file changes (a rebuild)."""

    def __init__(self, site_dir: Path):
        self.path = Path(site_dir) / HEADERS_FILE
        self._stamp: tuple[int, int] | None = None
        self._rules: list[Rule] = []

    def rules(self) -> list[Rule]:
        try:
            stat = self.path.stat()
        except OSError:
            self._stamp, self._rules = None, []
            return []
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            try:
                self._rules = parse_headers_file(self.path.read_text(encoding="utf-8"))
                self._stamp = stamp
            except (OSError, UnicodeDecodeError):
                pass  # mid-rewrite: keep the last good rules
        return self._rules


class WithHostHeaders:
    """Sends each response of ``app`` with the headers ``_headers`` gives its path, in place
    of any the app set under the same names."""

    def __init__(self, app: ASGIApp, rules: HostRules):
        self.app, self.host = app, rules

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = headers_for(self.host.rules(), scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start" and extra:
                names = {name.lower().encode("latin-1") for name in extra}
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in extra.items()]
                message = {**message, "headers": headers + [(HOST_HEADERS_MARK, b"1")]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _same_origin(scope: Scope) -> bool:
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = headers.get("origin")
    return origin is None or origin.split("://", 1)[-1] == headers.get("host")


def _forward(url: str, body: bytes, content_type: str) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:
            return answer.status, answer.headers.get("Content-Type", "application/json"), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", "application/json"), error.read()
    except OSError:
        message = ("The web editor's local backend is not running. Run `npm ci`, then `make serve`: "
                   "it starts the backend with the site.")
        return 502, "application/json", json.dumps({"error": message}).encode()


class EditorBackend:
    """``POST /admin/api/v1`` passed on to Decap's local backend at ``url``."""

    def __init__(self, url: str | None):
        self.url = url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _same_origin(scope):
            response = Response("Only the web editor on this site may use its backend.", status_code=403)
        elif not self.url:
            response = Response(json.dumps({"error": "No web editor backend: run the site with `make serve`."}),
                                status_code=404, media_type="application/json")
        else:
            body, more = b"", True
            while more:
                message = await receive()
                body += message.get("body", b"")
                more = message.get("more_body", False)
                if len(body) > EDITOR_BODY_LIMIT:
                    await Response("Too large.", status_code=413)(scope, receive, send)
                    return
            content_type = dict(scope.get("headers", [])).get(b"content-type", b"application/json").decode("latin-1")
            status, kind, data = await run_in_threadpool(_forward, self.url, body, content_type)
            response = Response(data, status_code=status, media_type=kind)
        response.headers["Cache-Control"] = "no-store"
        await response(scope, receive, send)


def site_app(site_dir: Path, editor_backend: str | None = None) -> ASGIApp:
    """The built site in ``site_dir`` with its host headers, plus the editor's backend.

    ``editor_backend``: the local backend's API address; by default ``$OXPIP_EDITOR_BACKEND``
    (set by scripts/serve.py), or none."""
    rules = HostRules(site_dir)
    static = StaticFiles(directory=str(site_dir), html=True)
    editor = EditorBackend(editor_backend or os.environ.get(EDITOR_BACKEND_ENV) or None)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == EDITOR_API and scope["method"] == "POST":
            await editor(scope, receive, send)
        else:
            await static(scope, receive, send)

    return WithHostHeaders(app, rules)
