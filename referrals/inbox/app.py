"""The inbox's Starlette app: sign-in and sign-up pages, the inbox page, and its JSON (api.py).

Run with `python -m referrals inbox` (or `uvicorn referrals.inbox.app:create_app --factory`),
on its own origin (REFERRALS_INBOX_ORIGIN), never the public form's. Settings: the service's
REFERRALS_* (database, public keys, SMTP, time zone) and the inbox's own (inbox/settings.py).
Whatever goes wrong, staff see a page that says what to do, never a traceback; logs name
references, staff ids and kinds of error, nothing a parent wrote (the server never has it).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import sys
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

import segno
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from .. import catch_all, clock, crypto
from ..inbox_store import InboxBase, Session, StaffMember
from ..settings import Settings, SettingsError
from ..settings import from_env as service_settings_from_env
from ..spam import client_address
from ..store import StoreError
from ..stores import open_inbox
from . import api, overdue, pages, passkeys, sessions, signin
from .loopback import LoopbackToLocalhost
from .settings import InboxSettings
from .settings import from_env as inbox_settings_from_env
from .staff import token_hash

log = logging.getLogger("referrals.inbox")

MAX_BODY = 64 * 1024
NOTICES = {
    "signed-out": ("You have signed out. The key was forgotten when the page closed.", "info"),
    "expired-idle": ("You were signed out after a while without using the inbox. Sign in again to carry on.", "warning"),
    "expired-absolute": ("Your session reached its time limit, so you were signed out. Sign in again to carry on.", "warning"),
    "signed-up": ("Your sign-in is set up. Sign in now.", "success"),
}


@dataclass
class Inbox:
    """Everything a request needs, made once by create_app()."""

    settings: Settings
    inbox: InboxSettings
    store: InboxBase
    team_key: object
    recovery_key: object | None
    limits: signin.Limits
    sri: dict[str, str]
    now: Callable[[], datetime] = clock.utc_now  # the tests move it to end sessions
    tasks: list = field(default_factory=list)

    # -- helpers -------------------------------------------------------------------------
    def address(self, request: Request) -> str:
        peer = request.client.host if request.client else None
        return client_address(peer, request.headers.get("x-forwarded-for"), self.settings.trusted_proxies)

    async def session(self, request: Request) -> sessions.SessionState:
        return await run_in_threadpool(sessions.current, self.store, self.inbox, request, self.now())

    async def staff_session(self, request: Request) -> tuple[Session | None, StaffMember | None, str]:
        """(session, member, expired reason) for a signed-in request."""
        state = await self.session(request)
        if state.session is None or state.session.staff_id is None:
            return None, None, state.expired
        member = await run_in_threadpool(self.store.staff_member, state.session.staff_id)
        if member is None or not member.active:
            return None, None, ""
        return state.session, member, ""

    async def read_form(self, request: Request) -> dict[str, str] | None:
        body = await _read_body(request)
        if body is None:
            return None
        from urllib.parse import parse_qsl

        try:
            return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=20))
        except (UnicodeDecodeError, ValueError):
            return None

    def refused(self, status: int = 403) -> Response:
        return pages.message(
            "This was refused",
            "The page had run out or came from somewhere else, so nothing was changed.",
            "Go back, reload the page and try again.",
            status=status, link=("/", "Go to the inbox"),
        )

    # -- the inbox page ------------------------------------------------------------------
    async def home(self, request: Request) -> Response:
        session, member, expired = await self.staff_session(request)
        if member is None:
            return RedirectResponse(f"/sign-in?reason=expired-{expired}" if expired else "/sign-in", status_code=303)
        return pages.render(
            "inbox.html", title="Referrals", staff=member, csrf=session.csrf, sri=self.sri,
            key_idle_minutes=self.inbox.key_idle_minutes,
        )

    # -- sign in -------------------------------------------------------------------------
    async def sign_in_page(self, request: Request) -> Response:
        state = await self.session(request)
        if state.session and state.session.staff_id:
            return RedirectResponse("/", status_code=303)
        notice, kind = NOTICES.get(request.query_params.get("reason", ""), ("", "info"))
        return await self._sign_in_form(request, state.session, notice=notice, notice_kind=kind)

    async def _sign_in_form(self, request: Request, session: Session | None, status: int = 200, errors=None,
                            values=None, notice: str = "", notice_kind: str = "info") -> Response:
        token = None
        if session is None or session.staff_id is not None:
            session, token = await run_in_threadpool(sessions.start, self.store, None, self.now())
        response = pages.render(
            "sign_in.html", status=status, title="Sign in", errors=errors or {}, values=values or {"staff_id": ""},
            notice=notice, notice_kind=notice_kind, csrf=session.csrf,
        )
        if token:
            sessions.set_cookie(self.inbox, response, token)
        return response

    async def sign_in(self, request: Request) -> Response:
        state = await self.session(request)
        form = await self.read_form(request)
        if form is None or not sessions.same_origin(request, self.inbox) or not sessions.csrf_ok(state.session, form.get("csrf")):
            return self.refused()
        now = self.now()
        try:
            member, step = await run_in_threadpool(
                signin.verify, self.store, self.limits, form.get("staff_id", ""), form.get("password", ""),
                form.get("code", ""), self.address(request), now,
            )
        except signin.SignInRefused as refused:
            if refused.audit:
                await run_in_threadpool(
                    self.store.record, "sign-in-failed", refused.staff_id, now, None, f"password and code: {refused.audit}"
                )
            log.info("inbox sign-in refused (%s)", refused.audit or "incomplete form")
            values = {"staff_id": form.get("staff_id", "")[:64]}
            return await self._sign_in_form(request, state.session, 400, {refused.field: refused.message}, values)
        if not await run_in_threadpool(self.store.signed_in, member.id, now, "password and code", None, 0, step):
            await run_in_threadpool(self.store.record, "sign-in-failed", member.id, now, None, "password and code: code already used")
            return await self._sign_in_form(request, state.session, 400, {"code": signin.USED_CODE}, {"staff_id": member.id})
        return await self._signed_in(request, state.session, member)

    async def _signed_in(self, request: Request, pre: Session | None, member: StaffMember, response: Response | None = None) -> Response:
        if pre is not None:
            await run_in_threadpool(self.store.end_session, pre.id_hash)
        response = response or RedirectResponse("/", status_code=303)
        _, token = await run_in_threadpool(sessions.start, self.store, member.id, self.now())
        sessions.set_cookie(self.inbox, response, token)
        log.info("inbox: %s signed in", member.id)
        return response

    async def passkey_options(self, request: Request) -> Response:
        state = await self.session(request)
        if not self._json_post_ok(request, state.session):
            return JSONResponse({"message": "Reload the page and try again."}, status_code=403)
        options = passkeys.authentication_options(self.inbox)
        await run_in_threadpool(self.store.set_challenge, state.session.id_hash, options.challenge)
        return Response(options.json, media_type="application/json")

    async def passkey_sign_in(self, request: Request) -> Response:
        state = await self.session(request)
        body = await _read_body(request)
        if body is None or not self._json_post_ok(request, state.session):
            return JSONResponse({"message": "Reload the page and try again."}, status_code=403)
        now = self.now()
        challenge = await run_in_threadpool(self.store.take_challenge, state.session.id_hash)
        staff_id = None
        try:
            signin.check_address(self.limits, self.address(request))
            credential = body.decode("utf-8")
            passkey = await run_in_threadpool(self.store.passkey, passkeys.credential_id(credential))
            if passkey is None or not challenge:
                raise passkeys.PasskeyRefused("That passkey is not registered for the inbox. Use your password and code, or ask an administrator.")
            staff_id = passkey.staff_id
            member = await run_in_threadpool(self.store.staff_member, staff_id)
            await run_in_threadpool(signin.check_account, self.store, self.limits, member, now)
            count = passkeys.verify_authentication(self.inbox, passkey, challenge, credential)
        except (passkeys.PasskeyRefused, signin.SignInRefused, UnicodeDecodeError) as exc:
            text = getattr(exc, "message", None) or str(exc) or "That passkey did not sign you in."
            await run_in_threadpool(self.store.record, "sign-in-failed", staff_id, now, None, "passkey: refused")
            log.info("inbox passkey sign-in refused")
            return JSONResponse({"message": text}, status_code=400)
        await run_in_threadpool(self.store.signed_in, member.id, now, "passkey", passkey.credential_id, count)
        return await self._signed_in(request, state.session, member, JSONResponse({"next": "/"}))

    def _json_post_ok(self, request: Request, session: Session | None) -> bool:
        return (
            session is not None and sessions.same_origin(request, self.inbox)
            and sessions.csrf_ok(session, request.headers.get("x-csrf-token"))
        )

    async def sign_out(self, request: Request) -> Response:
        state = await self.session(request)
        form = await self.read_form(request)
        if form is None or not sessions.same_origin(request, self.inbox) or not sessions.csrf_ok(state.session, form.get("csrf")):
            return self.refused()
        response = RedirectResponse("/sign-in?reason=signed-out", status_code=303)
        if state.session.staff_id:
            await run_in_threadpool(self.store.record, "sign-out", state.session.staff_id, self.now())
        await run_in_threadpool(sessions.end, self.store, self.inbox, request, response)
        return response

    # -- sign up -------------------------------------------------------------------------
    async def _signup_member(self, request: Request) -> StaffMember | None:
        token = request.path_params["token"]
        return await run_in_threadpool(self.store.staff_by_signup, token_hash(token), self.now())

    def _link_dead(self) -> Response:
        return pages.message(
            "This sign-up link does not work",
            "It may have been used already, or it is too old. Each link works once, for a few days.",
            "Ask an administrator for a new link (they run: python -m referrals staff reset YOUR-ID).",
            status=404,
        )

    async def sign_up_page(self, request: Request, errors=None, status: int = 200) -> Response:
        member = await self._signup_member(request)
        if member is None:
            return self._link_dead()
        state = await self.session(request)
        session, pending, token = state.session, _pending(state.session), None
        if session is None or session.staff_id is not None or not pending.get("totp"):
            pending = {"totp": signin.new_totp_secret()}
            session, token = await run_in_threadpool(sessions.start, self.store, None, self.now(), json.dumps(pending))
        secret = pending["totp"]
        response = pages.render("sign_up.html", status=status, title="Set up your sign-in", member=member,
                                errors=errors or {}, base=f"/sign-up/{request.path_params['token']}", csrf=session.csrf,
                                qr=_qr_data_uri(signin.provisioning_uri(secret, member)),
                                secret_groups=" ".join(secret[i:i + 4] for i in range(0, len(secret), 4)))
        if token:
            sessions.set_cookie(self.inbox, response, token)
        return response

    async def sign_up_password(self, request: Request) -> Response:
        member = await self._signup_member(request)
        if member is None:
            return self._link_dead()
        state = await self.session(request)
        form = await self.read_form(request)
        if form is None or not sessions.same_origin(request, self.inbox) or not sessions.csrf_ok(state.session, form.get("csrf")):
            return self.refused()
        secret = _pending(state.session).get("totp")
        problem = signin.password_problem(form.get("password", ""), form.get("password_confirm", ""))
        if problem:
            return await self.sign_up_page(request, {"password": problem}, 400)
        code = signin.clean_code(form.get("code", ""))
        step = signin.totp_step(secret, code, self.now()) if secret and code.isdigit() and len(code) == 6 else None
        if step is None:
            return await self.sign_up_page(
                request, {"code": "Enter the 6-digit code your authenticator app shows now (it changes every 30 seconds)"}, 400
            )
        hashed = await run_in_threadpool(signin.HASHER.hash, form["password"])
        done = await run_in_threadpool(
            self.store.finish_signup_with_password, member.id, token_hash(request.path_params["token"]), hashed, secret, step, self.now()
        )
        if not done:
            return self._link_dead()
        await run_in_threadpool(self.store.end_session, state.session.id_hash)
        return RedirectResponse("/sign-in?reason=signed-up", status_code=303)

    async def sign_up_passkey_options(self, request: Request) -> Response:
        member = await self._signup_member(request)
        state = await self.session(request)
        if member is None or not self._json_post_ok(request, state.session):
            return JSONResponse({"message": "This sign-up link does not work any more. Ask an administrator for a new one."}, status_code=403)
        options = passkeys.registration_options(self.inbox, member)
        pending = {**_pending(state.session), "webauthn": options.challenge}
        await run_in_threadpool(self.store.set_challenge, state.session.id_hash, json.dumps(pending))
        return Response(options.json, media_type="application/json")

    async def sign_up_passkey(self, request: Request) -> Response:
        member = await self._signup_member(request)
        state = await self.session(request)
        body = await _read_body(request)
        if member is None or body is None or not self._json_post_ok(request, state.session):
            return JSONResponse({"message": "This sign-up link does not work any more. Ask an administrator for a new one."}, status_code=403)
        challenge = _pending(state.session).get("webauthn")
        try:
            if not challenge:
                raise passkeys.PasskeyRefused("Press “Make a passkey” again.")
            passkey = passkeys.verify_registration(self.inbox, member, challenge, body.decode("utf-8", "replace"))
        except passkeys.PasskeyRefused as exc:
            return JSONResponse({"message": str(exc)}, status_code=400)
        done = await run_in_threadpool(
            self.store.finish_signup_with_passkey, member.id, token_hash(request.path_params["token"]), passkey, self.now()
        )
        if not done:
            return JSONResponse({"message": "This sign-up link was used already."}, status_code=400)
        await run_in_threadpool(self.store.end_session, state.session.id_hash)
        return JSONResponse({"next": "/sign-in?reason=signed-up"})

    async def robots(self, request: Request) -> Response:
        return PlainTextResponse("User-agent: *\nDisallow: /\n")

    async def favicon(self, request: Request) -> Response:
        return Response(status_code=204)

    async def healthz(self, request: Request) -> Response:
        """For monitoring: 200 when the database answers, 503 when it does not."""
        try:
            await run_in_threadpool(self.store.staff)
        except StoreError:
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})


def _pending(session: Session | None) -> dict:
    """What a sign-in or sign-up session is waiting for: {"totp": secret, "webauthn": challenge}."""
    if not session or not session.challenge:
        return {}
    try:
        value = json.loads(session.challenge)
    except ValueError:
        return {"webauthn": session.challenge}
    return value if isinstance(value, dict) else {}


def _qr_data_uri(text: str) -> str:
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="svg", scale=5, border=2, xmldecl=False)
    import base64

    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


async def _read_body(request: Request) -> bytes | None:
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return None
    return bytes(body)


class Guard(catch_all.CatchAll):
    """An unexpected error becomes a plain page (or JSON for the page's requests), never a traceback."""

    def report(self, exc: Exception) -> None:
        if isinstance(exc, StoreError):
            log.error("inbox: database problem: %s", exc)
        else:
            log.error("inbox: unexpected error %s at %s", type(exc).__name__, catch_all.where(exc))

    def answer(self, scope: Scope) -> Response:
        if scope.get("path", "").startswith("/api/"):
            return JSONResponse(
                {"message": "The inbox could not do that just now. Nothing was lost: try again in a minute."}, status_code=503
            )
        return pages.message(
            "Sorry, the inbox has a problem",
            "Nothing was lost. Try again in a minute. If it keeps happening, tell whoever looks after the inbox.",
            status=503,
        )


class ConfigError(Exception):
    """The inbox cannot start; one line says why."""


def build_inbox(settings: Settings, inbox: InboxSettings) -> Inbox:
    try:
        team_key = crypto.load_public_key(settings.public_key)
        recovery_key = crypto.load_public_key(settings.recovery_public_key) if settings.recovery_public_key else None
    except crypto.KeyFileError as exc:
        raise ConfigError(f"{exc} (set REFERRALS_PUBLIC_KEY: the inbox seals notes to the team's public key)") from None
    vendor = pages.STATIC / "vendor"
    sri = {
        "sumo": pages.subresource_integrity(vendor / "libsodium-sumo.js"),
        "wrappers": pages.subresource_integrity(vendor / "libsodium-wrappers-sumo.js"),
    }
    store = open_inbox(inbox.database or settings.database)
    return Inbox(settings, inbox, store, team_key, recovery_key, signin.Limits.for_settings(inbox), sri)


def create_app(settings: Settings | None = None, inbox_settings: InboxSettings | None = None) -> Starlette:
    """The inbox's ASGI app. Without arguments, settings come from REFERRALS_* variables."""
    try:
        if settings is None:
            settings = service_settings_from_env()
        if inbox_settings is None:
            inbox_settings = inbox_settings_from_env(public_origins=settings.allowed_origins)
        inbox = build_inbox(settings, inbox_settings)
    except (SettingsError, ConfigError) as exc:
        if settings is not None and settings.development:
            raise
        print(f"referrals inbox: cannot start: {exc}", file=sys.stderr)
        raise SystemExit(2) from None

    @contextlib.asynccontextmanager
    async def lifespan(app):
        task = overdue.start(inbox.store, inbox.settings, inbox.inbox)
        if task:
            inbox.tasks.append(task)
        yield
        for task in inbox.tasks:
            task.cancel()
        inbox.store.close()

    async def not_found(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"message": "Not found"}, status_code=404)
        return pages.message("Page not found", "Check the address, or go to the inbox.", status=404, link=("/", "Go to the inbox"))

    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404:
            return await not_found(request, exc)
        return Response(exc.detail or "", status_code=exc.status_code, headers=exc.headers)

    token = "/sign-up/{token:str}"
    routes = [
        Route("/", inbox.home, methods=["GET"]),
        Route("/sign-in", inbox.sign_in_page, methods=["GET"]),
        Route("/sign-in", inbox.sign_in, methods=["POST"]),
        Route("/sign-in/passkey/options", inbox.passkey_options, methods=["POST"]),
        Route("/sign-in/passkey", inbox.passkey_sign_in, methods=["POST"]),
        Route("/sign-out", inbox.sign_out, methods=["POST"]),
        Route(token, inbox.sign_up_page, methods=["GET"]),
        Route(token + "/password", inbox.sign_up_password, methods=["POST"]),
        Route(token + "/passkey/options", inbox.sign_up_passkey_options, methods=["POST"]),
        Route(token + "/passkey", inbox.sign_up_passkey, methods=["POST"]),
        Route("/robots.txt", inbox.robots, methods=["GET"]),
        Route("/favicon.ico", inbox.favicon, methods=["GET"]),
        Route("/healthz", inbox.healthz, methods=["GET"]),
        *api.routes(inbox),
        Mount("/static", app=StaticFiles(directory=str(pages.STATIC))),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={404: not_found, HTTPException: http_error})
    app.state.inbox = inbox
    app.add_middleware(Guard)
    app.add_middleware(pages.InboxHeaders, https=inbox_settings.origin.startswith("https://"))
    app.add_middleware(LoopbackToLocalhost, origin=inbox_settings.origin)
    return app
