"""The referral web app (Starlette): show the form, check it, seal and store it, confirm.

Run in production with `python -m referrals serve` or
`uvicorn referrals.app:create_app --factory`, configured by REFERRALS_* variables.
Whatever goes wrong, a parent gets a page in the site's look with their answers kept and
a phone number, never a stack trace; logs name references and error kinds, never answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qsl

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import confirmation, crypto, dev_site, rendering, retention, spam
from .feedback_app import FeedbackEndpoint
from .form_definition import FORM_VERSION, HONEYPOT_FIELD, PAGE_PATH, RECEIVED_PATH, TOKEN_FIELD
from .notify import Notifier
from .pages import BuiltPages, PageError
from .settings import Settings, SettingsError, from_env
from .stores import open_writer
from .store import DuplicateReference, ReferralWriter, StoreError
from .validation import collect_values, validate

log = logging.getLogger("referrals")

REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O or U to misread
REFERENCE_RE = re.compile(rf"^[{REFERENCE_ALPHABET}]{{4}}-[{REFERENCE_ALPHABET}]{{4}}$")
NOTES_COOKIE = "oxpip_referral_notes"
NOTES_MAX_AGE = 600

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def new_reference() -> str:
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


class SecurityHeaders:
    """Adds the security headers to every response, static files included."""

    def __init__(self, app: ASGIApp, trusted_proxies: tuple[str, ...]):
        self.app = app
        self.trusted = trusted_proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = is_https(scope, self.trusted)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"server"]
                if any(k.lower() == dev_site.HOST_HEADERS_MARK for k, _ in headers):
                    # A file of the built site, sent with the live host's own headers (dev_site.py).
                    headers = [(k, v) for k, v in headers if k.lower() != dev_site.HOST_HEADERS_MARK]
                    await send({**message, "headers": headers})
                    return
                headers += [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
                ]
                if https:
                    headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def is_https(scope: Scope, trusted: tuple[str, ...]) -> bool:
    if scope.get("scheme") == "https":
        return True
    peer = (scope.get("client") or ("", 0))[0]
    if trusted and spam._is_trusted(peer, trusted):
        for key, value in scope.get("headers", []):
            if key == b"x-forwarded-proto":
                return value.decode("latin-1").split(",")[0].strip().lower() == "https"
    return False


class CatchAll:
    """Last line of defence: an unexpected error becomes the "problem with the service" page.

    The log line names the exception class and where it happened, never its message,
    because a message could quote what a parent typed. Nothing is re-raised, so the
    server prints no traceback either.
    """

    def __init__(self, app: ASGIApp, service: "Service"):
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def track(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, track)
        except Exception as exc:
            tb = exc.__traceback__
            while tb and tb.tb_next:
                tb = tb.tb_next
            where = f"{Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno}" if tb else "?"
            log.error("unexpected error %s at %s", type(exc).__name__, where)
            if started:
                return
            response = self.service.problem_response(500, rendering.service_unavailable(self.service.pages.contact))
            await response(scope, receive, send)


def _is_utf8_form(content_type: str) -> bool:
    """Only what a browser sends for our form: urlencoded, and UTF-8 if a charset is named."""
    media, _, params = content_type.partition(";")
    charset = "utf-8"
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.lower() == "charset":
            charset = value.strip('"').lower()
    return media.strip().lower() == "application/x-www-form-urlencoded" and charset in ("utf-8", "utf8")


class _BodyTooLarge(Exception):
    pass


class _BadBody(Exception):
    pass


async def read_form(request: Request, limit: int) -> dict[str, str]:
    """A urlencoded UTF-8 body of at most `limit` bytes, as {name: first value}.

    Raises _BodyTooLarge, _BadBody (not UTF-8 form data, or over 200 fields) or
    ClientDisconnect; reads no more than `limit` bytes either way."""
    length = request.headers.get("content-length")
    if length is not None:
        if not length.isdigit():
            raise _BadBody()
        if int(length) > limit:
            raise _BodyTooLarge()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _BodyTooLarge()
    try:
        pairs = parse_qsl(
            bytes(body).decode("ascii"),
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=200,
        )
    except (UnicodeDecodeError, ValueError):
        raise _BadBody() from None
    form: dict[str, str] = {}
    for key, value in pairs:
        form.setdefault(key, value)  # the first of any repeated name wins
    return form


@dataclass
class Service:
    """Everything a request needs, built once by create_app()."""

    settings: Settings
    store: ReferralWriter
    public_key: object
    key_id: str
    pages: BuiltPages
    trap: spam.TimeTrap
    limiter: spam.RateLimiter
    notes_signer: URLSafeTimedSerializer
    notifier: Notifier | None = None
    recovery_key: object | None = None  # the recovery key pair's public half (keygen --recovery)

    # -- pages -------------------------------------------------------------------------
    def form_response(self, status: int, form_html: str, error: bool) -> HTMLResponse:
        return HTMLResponse(
            self.pages.form_page(form_html, error),
            status_code=status,
            headers={"Cache-Control": "no-store"},
        )

    def problem_response(self, status: int, problem, values=None, token: str | None = None) -> HTMLResponse:
        html = rendering.render_form(values or {}, {}, token or self.trap.issue(), problem=problem)
        return self.form_response(status, html, error=True)

    # -- handlers ----------------------------------------------------------------------
    async def show_form(self, request: Request) -> Response:
        self.pages.refresh()
        return self.form_response(200, rendering.render_form({}, {}, self.trap.issue()), error=False)

    async def receive_form(self, request: Request) -> Response:
        """Check, seal, store, and only then 303 to the confirmation page."""
        self.pages.refresh()
        contact = self.pages.contact
        origin = spam.origin_verdict(
            request.headers.get("origin"), request.headers.get("sec-fetch-site"), self.settings.allowed_origins
        )
        if origin == "foreign":
            log.info("form post refused: foreign origin")
            return self.problem_response(403, rendering.other_site(contact))
        if not _is_utf8_form(request.headers.get("content-type", "")):
            log.info("form post refused: unsupported content type")
            return self.problem_response(415, rendering.could_not_read(contact))
        try:
            form = await self._read_form(request)
        except _BodyTooLarge:
            log.info("form post refused: body too large")
            return self.problem_response(413, rendering.could_not_read(contact))
        except _BadBody:
            log.info("form post refused: body not readable as UTF-8 form data")
            return self.problem_response(400, rendering.could_not_read(contact))
        except ClientDisconnect:
            log.info("form post abandoned: the browser went away mid-request")
            return Response(status_code=400)

        token_check = self.trap.check(form.get(TOKEN_FIELD, ""))
        retry_token = self.trap.for_retry(token_check)
        client = spam.client_address(
            request.client.host if request.client else None,
            request.headers.get("x-forwarded-for"),
            self.settings.trusted_proxies,
        )
        if not self.limiter.allow(client):
            log.info("form post held back: rate limit")
            return self.problem_response(429, rendering.too_many_attempts(contact), collect_values(form), retry_token)

        result = validate(form)
        if not result.ok:
            log.info("form shown again; errors in: %s", ", ".join(result.errors))
            return self.form_response(400, rendering.render_form(result.values, result.errors, retry_token), error=True)

        flags = [f for f in (token_check.flag,) if f]
        if form.get(HONEYPOT_FIELD, "").strip():
            flags.append("honeypot")
        if origin == "missing":
            flags.append("no-origin")
        try:
            reference = await run_in_threadpool(self._store, result.answers, result.notes, tuple(flags))
        except StoreError as exc:
            log.error("referral NOT stored: %s", exc)
            return self.problem_response(503, rendering.service_unavailable(contact), result.values, retry_token)
        log.info("referral %s stored%s", reference, f" (marked: {', '.join(flags)})" if flags else "")
        if self.notifier:
            self.notifier.wake()
        return self._to_confirmation(request, reference, confirmation.choices(result.answers, result.notes))

    def _to_confirmation(self, request: Request, reference: str, kept: list[str]) -> Response:
        """303 with only the reference in the URL; the parent's choices (confirmation.py) ride
        in a short-lived signed cookie, deleted once the page has been shown."""
        response = RedirectResponse(f"{RECEIVED_PATH}?ref={reference}", status_code=303)
        response.headers["Cache-Control"] = "no-store"
        if kept:
            response.set_cookie(
                NOTES_COOKIE,
                self.notes_signer.dumps(kept),
                max_age=NOTES_MAX_AGE,
                path=RECEIVED_PATH,
                httponly=True,
                samesite="lax",
                secure=is_https(request.scope, self.settings.trusted_proxies),
            )
        return response

    async def _read_form(self, request: Request) -> dict[str, str]:
        return await read_form(request, self.settings.max_body_bytes)

    def _store(self, answers: dict, notes: dict, flags: tuple[str, ...]) -> str:
        """Seal and store; runs in a worker thread. Returns the reference only after COMMIT."""
        received = datetime.now(timezone.utc)
        for _ in range(5):
            reference = new_reference()
            document = {
                "reference": reference,
                "received_at": received.isoformat(timespec="seconds"),
                "form_version": FORM_VERSION,
                "answers": answers,
                "notes": notes,
                "flags": list(flags),
            }
            try:
                self.store.add(
                    crypto.seal_referral(document, reference, received, flags, self.public_key, self.recovery_key),
                    notify=self.settings.notifications_enabled,
                )
                return reference
            except DuplicateReference:
                continue
        raise StoreError("could not find a free reference")

    async def show_received(self, request: Request) -> Response:
        self.pages.refresh()
        reference = request.query_params.get("ref", "")
        if not REFERENCE_RE.match(reference) or len(request.query_params.multi_items()) != 1:
            return self.not_found()
        notes: tuple[str, ...] = ()
        cookie = request.cookies.get(NOTES_COOKIE)
        if cookie:
            try:
                notes = confirmation.known(self.notes_signer.loads(cookie, max_age=NOTES_MAX_AGE))
            except (BadSignature, TypeError, ValueError):
                notes = ()
        response = HTMLResponse(
            self.pages.received_page(reference, notes), headers={"Cache-Control": "no-store"}
        )
        if cookie:  # shown once: nothing about the referral stays on the device
            response.delete_cookie(NOTES_COOKIE, path=RECEIVED_PATH, httponly=True, samesite="lax",
                                   secure=is_https(request.scope, self.settings.trusted_proxies))
        return response

    async def healthz(self, request: Request) -> Response:
        try:
            await run_in_threadpool(self.store.check)
        except StoreError:
            return JSONResponse({"status": "unavailable"}, status_code=503, headers={"Cache-Control": "no-store"})
        return JSONResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})

    def not_found(self) -> HTMLResponse:
        return HTMLResponse(self.pages.not_found, status_code=404)

class ConfigError(Exception):
    """The service cannot start; one line says why."""


def build_service(settings: Settings) -> Service:
    try:
        public_key = crypto.load_public_key(settings.public_key)
        recovery_key = crypto.load_public_key(settings.recovery_public_key) if settings.recovery_public_key else None
    except crypto.KeyFileError as exc:
        raise ConfigError(f"{exc} (set REFERRALS_PUBLIC_KEY; make one with `python -m referrals keygen`)") from None
    try:
        pages = BuiltPages(settings.site_dir, reload=settings.reload_pages, help_phone=settings.help_phone)
    except PageError as exc:
        raise ConfigError(str(exc)) from None
    if not settings.allowed_origins:
        raise ConfigError("REFERRALS_ALLOWED_ORIGINS is empty: set it to the site's origin, like https://www.oxpip.org.uk")
    if not settings.token_secret:
        log.warning("REFERRALS_TOKEN_SECRET is not set: using a random one, so form tokens last one run only")
    settings = settings.with_defaults()
    store = open_writer(settings.database)  # SQLite path/URL, or postgresql://
    return Service(
        settings=settings,
        store=store,
        public_key=public_key,
        key_id=crypto.key_id(public_key),
        recovery_key=recovery_key,
        pages=pages,
        trap=spam.TimeTrap(settings.token_secret, settings.token_min_seconds, settings.token_max_age_seconds),
        limiter=spam.RateLimiter(settings.rate_limit_count, settings.rate_limit_window_seconds),
        notes_signer=URLSafeTimedSerializer(settings.token_secret, salt="oxpip-referral-notes"),
    )


def create_app(settings: Settings | None = None, serve_site: bool = False) -> Starlette:
    """The ASGI app. `serve_site` also serves the built site (for `make serve`)."""
    try:
        if settings is None:
            settings = from_env()
        service = build_service(settings)
        feedback = FeedbackEndpoint.create(service.settings, service.public_key, service.key_id)
    except (SettingsError, ConfigError, PageError) as exc:
        if settings is None or not getattr(settings, "development", False):
            print(f"referrals: cannot start: {exc}", file=sys.stderr)
            raise SystemExit(2) from None
        raise

    @contextlib.asynccontextmanager
    async def lifespan(app):
        tasks = []
        if service.settings.notifications_enabled:
            service.notifier = Notifier(service.settings, service.store)
            service.notifier.start()
        if service.settings.retention_days:
            tasks.append(asyncio.create_task(retention.run_daily(service.store, service.settings)))
        try:
            await run_in_threadpool(service.store.check)
        except StoreError as exc:
            log.error("referral database not writable at start-up: %s", exc)
        yield
        for task in tasks:
            task.cancel()
        if service.notifier:
            await service.notifier.stop()
        service.store.close()
        feedback.close()

    async def not_found(request: Request, exc: Exception) -> Response:
        return service.not_found()

    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404:
            return service.not_found()
        return Response(exc.detail or "", status_code=exc.status_code, headers=exc.headers)

    page = PAGE_PATH
    routes = [
        Route(page, service.show_form, methods=["GET"]),
        Route(page, service.receive_form, methods=["POST"]),
        Route(RECEIVED_PATH, service.show_received, methods=["GET"]),
        Route("/healthz", service.healthz, methods=["GET"]),
        *feedback.routes(),  # "Was this page helpful?" (feedback_app.py)
    ]
    if serve_site:
        routes.append(Mount("/", app=dev_site.site_app(settings.site_dir)))
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={404: not_found, HTTPException: http_error},
    )
    app.state.service = service
    app.state.feedback = feedback
    app.add_middleware(CatchAll, service=service)
    app.add_middleware(SecurityHeaders, trusted_proxies=service.settings.trusted_proxies)
    return app
