"""The service's side of "Was this page helpful?": POST /feedback/ and its own page.

- POST /feedback/ (from the form at the foot of every page): check the Origin (as for
  referrals: a post from another site is refused), the content type and size, a per-client
  rate limit (in memory, keyed by a hash of the address, never the address), then store
  the answer (feedback_store.py) and answer 303 to the static thank-you page. With
  JavaScript, site.js posts it with ``Accept: application/json`` and gets ``{"ok": true}``
  instead, and thanks the reader in place.
- A problem (no answer chosen, a comment that is too long, too many posts, the database
  down, another site) shows the built feedback page (output/feedback/index.html) with the
  form again between its markers: an error summary, and the comment kept.
- GET /feedback/ serves that page as it was built.

No cookie is set, no address or time of day is stored, and the log names the page and
the answer only. Comments are masked (feedback.mask_personal) and sealed to the intake
team's key before they are stored.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from . import crypto, feedback, rendering, spam
from .clock import today
from .feedback_store import Feedback, FeedbackWriter, open_feedback_writer
from .pages import PageError, _split
from .settings import Settings
from .store import StoreError

log = logging.getLogger("referrals.feedback")

FORM_START, FORM_END = "<!-- feedback-form:start -->", "<!-- feedback-form:end -->"
PAGE_FILE = "feedback/index.html"


class FeedbackPage:
    """The built feedback page, held in memory; re-read in development when it changes."""

    def __init__(self, site_dir: Path, reload: bool = False):
        self.path = Path(site_dir) / PAGE_FILE
        self.reload = reload
        self._mtime = 0.0
        self._load()

    def _load(self) -> None:
        try:
            html = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise PageError(f"Built page not found: {self.path} (run `make html` first)") from None
        self.html = html
        self.parts = _split(html, FORM_START, FORM_END, self.path)
        self._mtime = self.path.stat().st_mtime

    def refresh(self) -> None:
        if self.reload and self.path.exists() and self.path.stat().st_mtime != self._mtime:
            try:
                self._load()
            except (PageError, OSError):
                pass

    def with_form(self, form_html: str) -> str:
        """The page with this form instead of the built one, titled "Error: ..."."""
        before = re.sub(r"<title>\s*", "<title>Error: ", self.parts.before, count=1)
        return before + "\n" + form_html + "\n" + self.parts.after


@dataclass
class FeedbackEndpoint:
    settings: Settings
    store: FeedbackWriter
    public_key: object
    key_id: str
    page: FeedbackPage
    limiter: spam.RateLimiter
    client_key: feedback.ClientKey

    @classmethod
    def create(cls, settings: Settings, public_key, key_id: str) -> "FeedbackEndpoint":
        """PageError if the site has no feedback page; the store connects lazily."""
        return cls(
            settings=settings,
            store=open_feedback_writer(settings.database),
            public_key=public_key,
            key_id=key_id,
            page=FeedbackPage(settings.site_dir, reload=settings.reload_pages),
            limiter=spam.RateLimiter(settings.feedback_rate_limit_count, settings.feedback_rate_limit_window_seconds),
            client_key=feedback.ClientKey(),
        )

    def routes(self) -> list[Route]:
        return [
            Route(feedback.PATH, self.show, methods=["GET"]),
            Route(feedback.PATH, self.receive, methods=["POST"]),
        ]

    def close(self) -> None:
        self.store.close()

    # -- handlers ----------------------------------------------------------------------
    async def show(self, request: Request) -> Response:
        self.page.refresh()
        return HTMLResponse(self.page.html)

    async def receive(self, request: Request) -> Response:
        from .app import _BadBody, _BodyTooLarge, _is_utf8_form, read_form  # app.py imports this module

        self.page.refresh()
        wants_json = "application/json" in request.headers.get("accept", "")
        origin = spam.origin_verdict(
            request.headers.get("origin"), request.headers.get("sec-fetch-site"), self.settings.allowed_origins
        )
        if origin == "foreign":
            log.info("feedback refused: foreign origin")
            return self._problem(403, "other_site", wants_json)
        if not _is_utf8_form(request.headers.get("content-type", "")):
            return self._problem(415, "could_not_read", wants_json)
        try:
            form = await read_form(request, feedback.MAX_BODY_BYTES)
        except _BodyTooLarge:
            return self._problem(413, "could_not_read", wants_json)
        except _BadBody:
            return self._problem(400, "could_not_read", wants_json)
        except ClientDisconnect:
            return Response(status_code=400)
        post = feedback.read_post(form, self.settings.site_dir)
        client = spam.client_address(
            request.client.host if request.client else None,
            request.headers.get("x-forwarded-for"),
            self.settings.trusted_proxies,
        )
        if not self.limiter.allow(self.client_key(client)):
            log.info("feedback held back: rate limit")
            return self._problem(429, "too_many", wants_json, post)
        if not post.ok:
            return self._problem(400, None, wants_json, post)
        try:
            await run_in_threadpool(self._store, post)
        except StoreError as exc:
            log.error("feedback NOT stored: %s", exc)
            return self._problem(503, "unavailable", wants_json, post)
        log.info("feedback stored: %s %s%s", post.page, post.helpful, " with a comment" if post.comment else "")
        if wants_json:
            return JSONResponse({"ok": True}, headers={"Cache-Control": "no-store"})
        return RedirectResponse(feedback.THANKS_PATH, status_code=303, headers={"Cache-Control": "no-store"})

    def _store(self, post: feedback.FeedbackPost) -> None:
        key_id = sealed = None
        if post.comment:
            masked = feedback.mask_personal(post.comment)
            sealed = crypto.seal(self.public_key, {
                "page": post.page, "helpful": post.helpful, "comment": masked.text, "removed": masked.removed,
            })
            key_id = self.key_id
        self.store.add(Feedback(today(self.settings.zone), post.page, post.helpful, key_id, sealed))

    def _problem(self, status: int, problem: str | None, wants_json: bool,
                 post: feedback.FeedbackPost | None = None) -> Response:
        """The feedback page with the form again (comment kept), or a short JSON answer."""
        if wants_json:
            return JSONResponse({"ok": False}, status_code=status, headers={"Cache-Control": "no-store"})
        page = post.page if post else feedback.GENERAL_PAGE
        form_html = rendering.render_feedback_form(
            action="./",
            page=page,
            help_href="../get-support/",
            comment=post.comment if post else "",
            errors=post.errors if post and problem is None else {},
            problem=problem,
            back_href=".." + page if page != feedback.GENERAL_PAGE else None,  # relative to /feedback/
        )
        return HTMLResponse(self.page.with_form(form_html), status_code=status, headers={"Cache-Control": "no-store"})
