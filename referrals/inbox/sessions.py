"""Server-side sessions for the inbox, their cookie, time-outs, and CSRF tokens.

The cookie holds only a random token; the database keeps its SHA-256, so a copy of the
database cannot be used to ride a session. The cookie is HttpOnly, SameSite=Strict and
Secure (over HTTPS, and on http://localhost, which browsers treat as secure), named with
the `__Host-` prefix where it is Secure (no Domain, Path=/: the browser then never shares
it with another host).

A session that has not signed in yet (staff_id None) carries the sign-in or sign-up form's
CSRF token and its WebAuthn challenge. Signing in always starts a new session, so a token
planted before sign-in is useless afterwards (session fixation). A signed-in session ends
after REFERRALS_INBOX_SESSION_IDLE_MINUTES without a request, or REFERRALS_INBOX_SESSION_HOURS
after sign-in, whichever comes first.

Every request that changes something must carry the session's CSRF token (a form field
or the X-CSRF-Token header) and come from the inbox's own origin (Origin, or the browser's
Sec-Fetch-Site).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from starlette.requests import Request
from starlette.responses import Response

from ..inbox_store import InboxBase, Session
from .settings import InboxSettings

PRE_SESSION_MINUTES = 30  # a sign-in or sign-up page's session lasts this long


@dataclass(frozen=True)
class SessionState:
    session: Session | None
    expired: str = ""  # "idle" or "absolute" when a signed-in session just ran out


def cookie_name(settings: InboxSettings) -> str:
    return "__Host-oxpip-inbox" if settings.secure_cookies else "oxpip-inbox"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def start(store: InboxBase, staff_id: str | None, now: datetime, challenge: str | None = None) -> tuple[Session, str]:
    """A new session (signed in when staff_id is given) and the token its cookie carries."""
    token = secrets.token_urlsafe(32)
    if staff_id is None:  # now and then, clear out sessions nobody will use again
        store.end_stale_sessions(now - timedelta(days=1), now - timedelta(days=1))  # past every time-out (settings.py)
    store.new_session(_hash(token), staff_id, secrets.token_urlsafe(32), now, challenge)
    return store.session(_hash(token)), token


def set_cookie(settings: InboxSettings, response: Response, token: str) -> None:
    response.set_cookie(
        cookie_name(settings), token, httponly=True, samesite="strict", secure=settings.secure_cookies, path="/",
    )


def end(store: InboxBase, settings: InboxSettings, request: Request, response: Response) -> None:
    token = request.cookies.get(cookie_name(settings))
    if token:
        store.end_session(_hash(token))
    response.delete_cookie(cookie_name(settings), path="/", secure=settings.secure_cookies, httponly=True, samesite="strict")


def current(store: InboxBase, settings: InboxSettings, request: Request, now: datetime) -> SessionState:
    """The request's session, or None; an expired one is deleted and said to be expired."""
    token = request.cookies.get(cookie_name(settings))
    if not token:
        return SessionState(None)
    session = store.session(_hash(token))
    if session is None:
        return SessionState(None)
    if session.staff_id is None:
        if now - session.created_at > timedelta(minutes=PRE_SESSION_MINUTES):
            store.end_session(session.id_hash)
            return SessionState(None)
        return SessionState(session)
    if now - session.created_at > timedelta(hours=settings.session_hours):
        store.end_session(session.id_hash)
        return SessionState(None, "absolute")
    if now - session.seen_at > timedelta(minutes=settings.session_idle_minutes):
        store.end_session(session.id_hash)
        return SessionState(None, "idle")
    store.touch_session(session.id_hash, now)
    return SessionState(session)


def same_origin(request: Request, settings: InboxSettings) -> bool:
    """The request came from a page of the inbox itself (not another site posting into it)."""
    origin = request.headers.get("origin")
    if origin and origin != "null":
        return origin == settings.origin
    return request.headers.get("sec-fetch-site", "").lower() in ("same-origin", "")


def csrf_ok(session: Session | None, given: str | None) -> bool:
    return bool(session and given and hmac.compare_digest(session.csrf.encode(), given.encode()))
