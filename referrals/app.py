"""The referral web app (Starlette): show the form, check it, seal and store it, confirm.

Run in production with `python -m referrals serve` or
`uvicorn referrals.app:create_app --factory`, configured by REFERRALS_* variables.
Whatever goes wrong, a parent gets a page in the site's look with their answers kept and
a phone number, never a stack trace; logs name references and error kinds, never answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import re
import secrets
import sys
import time
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import catch_all, clock, confirmation, crypto, dev_site, logs, rendering, retention, spam
from .feedback_app import FeedbackEndpoint
from .form_definition import FORM_VERSION, HONEYPOT_FIELD, PAGE_PATH, RECEIVED_PATH, TOKEN_FIELD
from .i18n import SOURCE_LANGUAGE, Words
from .notify import Notifier
from .pages import BuiltPages, PageError
from .settings import Settings, SettingsError, from_env
from .stores import open_writer
from .store import AlreadySent, DuplicateReference, ReferralWriter, StoreError
from .validation import collect_values, validate

log = logging.getLogger("referrals")

REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O or U to misread
REFERENCE_RE = re.compile(rf"^[{REFERENCE_ALPHABET}]{{4}}-[{REFERENCE_ALPHABET}]{{4}}$")
NOTES_COOKIE = "oxpip_referral_notes"
NOTES_MAX_AGE = 600
HEALTHY_FOR_SECONDS = 5.0  # a successful write (check or referral) vouches for the store this long

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def received_path(code: str) -> str:
    """/get-support/refer-yourself/received/, or /pl/get-support/refer-yourself/received/."""
    return RECEIVED_PATH if code == SOURCE_LANGUAGE else f"/{code}{RECEIVED_PATH}"


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


class ProxyNotice:
    """Lets the service notice proxy headers from a peer it was not told to trust (any path)."""

    def __init__(self, app: ASGIApp, service: "Service"):
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.service.notice_proxy(scope)
        await self.app(scope, receive, send)


def is_https(scope: Scope, trusted: tuple[str, ...]) -> bool:
    if scope.get("scheme") == "https":
        return True
    peer = (scope.get("client") or ("", 0))[0]
    if trusted and spam._is_trusted(peer, trusted):
        for key, value in scope.get("headers", []):
            if key == b"x-forwarded-proto":
                return value.decode("latin-1").split(",")[0].strip().lower() == "https"
    return False


class ServiceCatchAll(catch_all.CatchAll):
    """An unexpected error becomes the "problem with the service" page, in the language of
    the page asked for. The log line names the exception class and where it happened, never
    its message, because a message could quote what a parent typed."""

    def __init__(self, app: ASGIApp, service: "Service"):
        super().__init__(app)
        self.service = service

    def report(self, exc: Exception) -> None:
        log.error(f"unexpected error {type(exc).__name__} at {catch_all.where(exc)}")  # each kind counted apart (logs.py)

    def answer(self, scope: Scope) -> Response:
        words = self.service.words_for_path(scope.get("path", ""))
        return self.service.problem_response(
            500, rendering.service_unavailable(self.service.pages.contact_for(words.code), words), words=words)


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
    flood: spam.FloodGuard
    notes_signer: URLSafeTimedSerializer
    notifier: Notifier | None = None
    recovery_key: object | None = None  # the recovery key pair's public half (keygen --recovery)
    warnings: dict[str, str] = field(default_factory=dict)  # kind -> what a deployer must fix
    _healthy_until: float = 0.0  # time.monotonic(); see store_ok()
    _health_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def warn(self, kind: str, text: str) -> None:
        """A setting that is probably wrong: said loudly the first time, and shown by /healthz."""
        if kind in self.warnings:
            return
        self.warnings[kind] = text
        log.warning("SETTINGS PROBLEM: %s", text)

    def notice_proxy(self, scope: Scope) -> None:
        """Warn when proxy headers come from a peer that REFERRALS_TRUSTED_PROXIES does not list."""
        if "untrusted-proxy" in self.warnings:
            return
        peer = (scope.get("client") or ("", 0))[0]
        headers = {k.decode("latin-1").lower() for k, _ in scope.get("headers", [])}
        header = spam.forwarded_by_untrusted_peer(peer, headers, self.settings.trusted_proxies)
        if header:
            self.warn(
                "untrusted-proxy",
                f"requests from {peer} carry {header}, but REFERRALS_TRUSTED_PROXIES does not list {peer}: "
                "every parent then looks like one client, so the per-client limit marks their referrals "
                f"'rate-limit' (they are still kept). If a reverse proxy runs at {peer}, set "
                f"REFERRALS_TRUSTED_PROXIES={peer} and restart the service.",
            )

    # -- languages ---------------------------------------------------------------------
    def words_for(self, request: Request) -> Words | None:
        """The words of the form page asked for: English at /get-support/refer-yourself/,
        Polish at /pl/get-support/refer-yourself/; None for a language with no form page."""
        code = request.path_params.get("lang", SOURCE_LANGUAGE)
        if code not in self.pages.languages or ("lang" in request.path_params and code == SOURCE_LANGUAGE):
            return None
        return Words.for_language(code)

    def words_for_path(self, path: str) -> Words:
        """The language a request path is in (for an unexpected error), English if none."""
        code = path.strip("/").split("/", 1)[0]
        return Words.for_language(code) if code in self.pages.languages else Words.for_language(SOURCE_LANGUAGE)

    # -- pages -------------------------------------------------------------------------
    def form_response(self, status: int, form_html: str, error: bool, words: Words | None = None) -> HTMLResponse:
        return HTMLResponse(
            self.pages.form_page(form_html, error, words or Words.for_language(SOURCE_LANGUAGE)),
            status_code=status,
            headers={"Cache-Control": "no-store"},
        )

    def problem_response(self, status: int, problem, values=None, token: str | None = None,
                         words: Words | None = None) -> HTMLResponse:
        words = words or Words.for_language(SOURCE_LANGUAGE)
        html = rendering.render_form(values or {}, {}, token or self.trap.issue(), problem=problem, words=words)
        return self.form_response(status, html, error=True, words=words)

    # -- handlers ----------------------------------------------------------------------
    async def show_form(self, request: Request) -> Response:
        self.pages.refresh()
        words = self.words_for(request)
        if words is None:
            return self.not_found()
        return self.form_response(200, rendering.render_form({}, {}, self.trap.issue(), words=words), error=False, words=words)

    async def receive_form(self, request: Request) -> Response:
        """Check, seal, store, and only then 303 to the confirmation page (all in the
        language of the form page the answers were sent from)."""
        self.pages.refresh()
        words = self.words_for(request)
        if words is None:
            return self.not_found()
        contact = self.pages.contact_for(words.code)
        origin = spam.origin_verdict(
            request.headers.get("origin"),
            request.headers.get("sec-fetch-site"),
            self.settings.allowed_origins,
            host=request.headers.get("host"),
        )
        if origin == "unlisted":
            self.warn(
                "origin-unlisted",
                f"a form was posted from {request.headers.get('origin')}, the address it was sent to, which "
                "REFERRALS_ALLOWED_ORIGINS does not list (it was accepted). If that is the site's address, "
                "add it to REFERRALS_ALLOWED_ORIGINS.",
            )
        if origin == "foreign":
            log.info("form post refused: foreign origin")
            return self.problem_response(403, rendering.other_site(contact, words), words=words)
        if not _is_utf8_form(request.headers.get("content-type", "")):
            log.info("form post refused: unsupported content type")
            return self.problem_response(415, rendering.could_not_read(contact, words), words=words)
        try:
            form = await self._read_form(request)
        except _BodyTooLarge:
            log.info("form post refused: body too large")
            return self.problem_response(413, rendering.could_not_read(contact, words), words=words)
        except _BadBody:
            log.info("form post refused: body not readable as UTF-8 form data")
            return self.problem_response(400, rendering.could_not_read(contact, words), words=words)
        except ClientDisconnect:
            log.info("form post abandoned: the browser went away mid-request")
            return Response(status_code=400)
        try:
            return await self._answer_form(request, form, words, contact, origin)
        except Exception as exc:  # a fault of ours, not the parent's: the form again, her answers in it
            log.error(f"unexpected error {type(exc).__name__} at {catch_all.where(exc)}")  # never the message
            return self.problem_response(500, rendering.service_unavailable(contact, words), *self._kept(form), words)

    def _kept(self, form: dict[str, str]) -> tuple[dict[str, str], str | None]:
        """What an unexpected error leaves of a post: the answers as typed, and a token that
        keeps the form's id (so sending it again is still recognised as the same form)."""
        try:
            values = collect_values(form)
        except Exception:  # noqa: BLE001 - the fault may be in there too; the page must still be shown
            values = {}
        try:
            token = self.trap.for_retry(self.trap.check(form.get(TOKEN_FIELD, "")))
        except Exception:  # noqa: BLE001
            token = None
        return values, token

    async def _answer_form(self, request: Request, form: dict[str, str], words: Words, contact, origin: str) -> Response:
        """The answer to a form post that was read: already sent, the form again with its
        errors, held back, or stored and on to the confirmation page."""
        token_check = self.trap.check(form.get(TOKEN_FIELD, ""))
        form_key = self._form_key(token_check.form_id)
        sent_as = await self._sent_reference(form_key)
        if sent_as:  # the same form again (Back, Reload, a second click): never a second referral
            log.info("form sent again: told it was already sent")
            return self._to_confirmation(request, sent_as, ["already_sent"], words)
        retry_token = self.trap.for_retry(token_check)
        client = spam.client_address(
            request.client.host if request.client else None,
            request.headers.get("x-forwarded-for"),
            self.settings.trusted_proxies,
        )
        busy_client = not self.limiter.allow(client)

        result = validate(form, today=clock.today(self.settings.zone), words=words)
        if not result.ok:
            log.info("form shown again; errors in: %s", ", ".join(result.errors))
            return self.form_response(
                400, rendering.render_form(result.values, result.errors, retry_token, words=words), error=True, words=words)

        flags = [f for f in (token_check.flag,) if f]
        if form.get(HONEYPOT_FIELD, "").strip():
            flags.append("honeypot")
        if origin == "missing":
            flags.append("no-origin")
        if busy_client:
            flags.append("rate-limit")  # kept: the address may be a family hub, or a proxy not trusted
        if not self.flood.allow(marked=bool(flags)):
            log.warning(
                "form post held back: more than %d %s referrals in %.0f s (REFERRALS_FLOOD_LIMIT)",
                self.flood.count, "marked" if flags else "clean", self.flood.window,
            )
            self.warn(
                "flood-limit",
                f"REFERRALS_FLOOD_LIMIT ({self.flood.count} per {self.flood.window:.0f} s) held back a parent's "
                "referral (answers kept, phone number shown). In a flood that is its job; if not, raise it.",
            )
            return self.problem_response(429, rendering.too_many_attempts(contact, words), result.values, retry_token, words)
        try:
            reference = await run_in_threadpool(self._store, result.answers, result.notes, tuple(flags), form_key,
                                                words.code)
        except AlreadySent as exc:  # sent twice at the same moment: the other post stored it
            log.info("form sent again: told it was already sent")
            return self._to_confirmation(request, exc.reference, ["already_sent"], words)
        except StoreError as exc:
            self._healthy_until = 0.0
            log.error("referral NOT stored: %s", exc)
            return self.problem_response(503, rendering.service_unavailable(contact, words), result.values, retry_token,
                                         words)
        self._healthy_until = time.monotonic() + HEALTHY_FOR_SECONDS
        marked = f" (marked: {', '.join(flags)})" if flags else ""
        log.info("referral %s stored%s", reference, marked, extra={"each": True})  # bounded by the flood bound
        if self.notifier:
            self.notifier.wake()
        return self._to_confirmation(request, reference, confirmation.choices(result.answers, result.notes), words)

    def _form_key(self, form_id: str | None) -> str | None:
        """A keyed hash of the form's random id: what the store keeps to recognise it again."""
        if not form_id:
            return None
        secret = self.settings.token_secret.encode()
        return hmac.new(secret, f"sent-form:{form_id}".encode(), hashlib.sha256).hexdigest()[:32]

    async def _sent_reference(self, form_key: str | None) -> str | None:
        if not form_key:
            return None
        try:
            return await run_in_threadpool(self.store.sent_reference, form_key)
        except StoreError:
            return None  # the store is failing: storing will say so (503, answers kept)

    def _to_confirmation(self, request: Request, reference: str, kept: list[str], words: Words) -> Response:
        """303 with only the reference in the URL; the parent's choices (confirmation.py) ride
        in a short-lived signed cookie, deleted once the page has been shown. The
        confirmation page is in the language of the form (/pl/get-support/refer-yourself/received/)."""
        received = received_path(words.code)
        response = RedirectResponse(f"{received}?ref={reference}", status_code=303)
        response.headers["Cache-Control"] = "no-store"
        if kept:
            response.set_cookie(
                NOTES_COOKIE,
                self.notes_signer.dumps(kept),
                max_age=NOTES_MAX_AGE,
                path=received,
                httponly=True,
                samesite="lax",
                secure=is_https(request.scope, self.settings.trusted_proxies),
            )
        return response

    async def _read_form(self, request: Request) -> dict[str, str]:
        return await read_form(request, self.settings.max_body_bytes)

    def _store(self, answers: dict, notes: dict, flags: tuple[str, ...], form_key: str | None = None,
               language: str = SOURCE_LANGUAGE) -> str:
        """Seal and store; runs in a worker thread. Returns the reference only after COMMIT.
        The sealed document records the language the form was filled in (``language``, a
        BCP 47 code such as "pl"), so the intake team sees it at once."""
        received = clock.utc_now()
        for _ in range(5):
            reference = new_reference()
            document = {
                "reference": reference,
                "received_at": received.isoformat(timespec="seconds"),
                "form_version": FORM_VERSION,
                "language": language,
                "answers": answers,
                "notes": notes,
                "flags": list(flags),
            }
            try:
                self.store.add(
                    replace(
                        crypto.seal_referral(document, reference, received, flags, self.public_key, self.recovery_key),
                        form_key=form_key,
                    ),
                    notify=self.settings.notifications_enabled,
                )
                return reference
            except DuplicateReference:
                continue
        raise StoreError("could not find a free reference")

    async def show_received(self, request: Request) -> Response:
        self.pages.refresh()
        words = self.words_for(request)
        if words is None:
            return self.not_found()
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
            self.pages.received_page(reference, notes, words), headers={"Cache-Control": "no-store"}
        )
        if cookie:  # shown once: nothing about the referral stays on the device
            response.delete_cookie(NOTES_COOKIE, path=received_path(words.code), httponly=True, samesite="lax",
                                   secure=is_https(request.scope, self.settings.trusted_proxies))
        return response

    async def store_ok(self) -> bool:
        """Could a referral be stored right now? (`ReferralWriter.check`: a real write.)

        A success vouches for HEALTHY_FOR_SECONDS, so a stream of health checks writes at most
        once in that time; a failure is never remembered, and a failed post forgets the last
        success, so a problem shows at once and its end as soon as it is over.
        """
        if time.monotonic() < self._healthy_until:
            return True
        async with self._health_lock:
            if time.monotonic() < self._healthy_until:
                return True
            try:
                await run_in_threadpool(self.store.check, self.settings.notifications_enabled)
            except StoreError as exc:
                log.error("referral database cannot take a referral now: %s", exc)
                return False
            self._healthy_until = time.monotonic() + HEALTHY_FOR_SECONDS
            return True

    async def healthz(self, request: Request) -> Response:
        """200 {"status": "ok"} when a referral could be stored now, else 503 "unavailable";
        plus "warnings": [...] naming any setting that is probably wrong."""
        body: dict = {"status": "ok" if await self.store_ok() else "unavailable"}
        if self.warnings:
            body["warnings"] = list(self.warnings.values())
        status = 200 if body["status"] == "ok" else 503
        return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})

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
    log.info(
        "sealing referrals for key id %s; trusting X-Forwarded-For from: %s",
        crypto.key_id(public_key), ", ".join(settings.trusted_proxies) or "no one (no reverse proxy)",
    )
    return Service(
        settings=settings,
        store=store,
        public_key=public_key,
        key_id=crypto.key_id(public_key),
        recovery_key=recovery_key,
        pages=pages,
        trap=spam.TimeTrap(settings.token_secret, settings.token_min_seconds, settings.token_max_age_seconds),
        limiter=spam.RateLimiter(settings.rate_limit_count, settings.rate_limit_window_seconds),
        flood=spam.FloodGuard(settings.flood_limit_count, settings.flood_limit_window_seconds),
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
        asyncio.get_running_loop().set_exception_handler(logs.loop_exception_handler)
        tasks = []
        if service.settings.notifications_enabled:
            service.notifier = Notifier(service.settings, service.store)
            service.notifier.start()
        if service.settings.retention_days:
            tasks.append(asyncio.create_task(retention.run_daily(service.store, service.settings)))
        await service.store_ok()  # says at start-up if referrals cannot be stored
        yield
        for task in tasks:
            task.cancel()
        if service.notifier:
            await service.notifier.stop()
        service.store.close()
        feedback.close()
        logs.flush()

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
        # The same form in each language with a translated form page (/pl/get-support/...);
        # a language without one answers 404 (Service.words_for).
        Route("/{lang}" + page, service.show_form, methods=["GET"]),
        Route("/{lang}" + page, service.receive_form, methods=["POST"]),
        Route("/{lang}" + RECEIVED_PATH, service.show_received, methods=["GET"]),
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
    app.add_middleware(ServiceCatchAll, service=service)
    app.add_middleware(ProxyNotice, service=service)
    app.add_middleware(SecurityHeaders, trusted_proxies=service.settings.trusted_proxies)
    return app
