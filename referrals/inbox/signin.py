"""Signing in with a password and a one-time code: both, always (no second factor, no entry).

Passwords are hashed with Argon2id (argon2-cffi's defaults, RFC 9106). Codes are TOTP
(RFC 6238: 6 digits, 30 seconds, SHA-1, as every authenticator app makes them, via pyotp);
a code is accepted one step either side of now, and never twice (the last used step is
stored). Failures are counted per account (in the audit log, so every instance sees them)
and per client address (in memory); over either limit, sign-in waits out the window.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ..inbox_store import InboxBase, StaffMember
from ..spam import RateLimiter
from .settings import InboxSettings

HASHER = PasswordHasher()
_DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(16))  # checked for unknown accounts, so timing tells nothing
MIN_PASSWORD = 12
MAX_PASSWORD = 200
ISSUER = "OXPIP intake inbox"


class SignInRefused(Exception):
    """Sign-in refused; `message` is shown to the person, `field` is the input it belongs to."""

    def __init__(self, message: str, field: str = "password", audit: str = "", staff_id: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.audit = audit  # the reason for the audit row ("" when nothing was tried)
        self.staff_id = staff_id  # set only for a real account


@dataclass(frozen=True)
class Limits:
    addresses: RateLimiter
    settings: InboxSettings

    @classmethod
    def for_settings(cls, settings: InboxSettings) -> "Limits":
        return cls(RateLimiter(settings.signin_address_limit, settings.signin_window_minutes * 60), settings)


USED_CODE = "That code was used already. Wait for your app to show the next one (it changes every 30 seconds)"
TOO_MANY = "Too many sign-in attempts. Wait 15 minutes and try again, or ask an administrator to reset your sign-in."


def check_address(limits: Limits, address: str) -> None:
    if not limits.addresses.allow(address):
        raise SignInRefused(TOO_MANY, "staff_id", audit="too many attempts from this address")


def check_account(store: InboxBase, limits: Limits, member: StaffMember, now: datetime) -> None:
    since = now - timedelta(minutes=limits.settings.signin_window_minutes)
    if store.failures_since(since, member.id) >= limits.settings.signin_account_limit:
        raise SignInRefused(TOO_MANY, "staff_id", audit="too many failed attempts for this account", staff_id=member.id)


def totp_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step the code belongs to (now, or one step either side), or None if it is wrong."""
    totp = pyotp.TOTP(secret)
    for offset in (0, -1, 1):
        moment = now + timedelta(seconds=30 * offset)
        if secrets.compare_digest(totp.at(moment), code):
            return totp.timecode(moment)
    return None


def clean_code(code: str) -> str:
    return "".join(code.split()).replace("-", "")


def verify(store: InboxBase, limits: Limits, staff_id: str, password: str, code: str, address: str,
           now: datetime) -> tuple[StaffMember, int]:
    """The member and the code's step, or SignInRefused with what to show and what to audit."""
    check_address(limits, address)
    staff_id = staff_id.strip().lower()
    code = clean_code(code)
    if not staff_id:
        raise SignInRefused("Enter your staff id", "staff_id")
    if not password:
        raise SignInRefused("Enter your password", "password")
    if not code:
        raise SignInRefused("Enter the 6-digit code from your authenticator app", "code")
    if not (code.isdigit() and len(code) == 6):
        raise SignInRefused("The code must be the 6 numbers your authenticator app shows", "code")
    member = store.staff_member(staff_id)
    if member is None or not member.active or not member.password_hash:
        try:
            HASHER.verify(_DUMMY_HASH, password)
        except VerificationError:
            pass
        raise SignInRefused("The staff id, password or code is not right", "staff_id", audit="unknown account or no password set")
    check_account(store, limits, member, now)
    try:
        HASHER.verify(member.password_hash, password[:MAX_PASSWORD])
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        raise SignInRefused("The staff id, password or code is not right", "staff_id", audit="wrong password", staff_id=member.id) from None
    step = totp_step(member.totp_secret or "", code, now)
    if step is None:
        raise SignInRefused("The staff id, password or code is not right", "staff_id", audit="wrong code", staff_id=member.id)
    if step <= member.totp_last_step:
        raise SignInRefused(USED_CODE, "code", audit="code already used", staff_id=member.id)
    return member, step


def new_totp_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, member: StaffMember) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=member.id, issuer_name=ISSUER)


def password_problem(password: str, confirm: str) -> str:
    """What is wrong with a new password, or "" (NCSC: length over rules; no forced symbols)."""
    if len(password) < MIN_PASSWORD:
        return f"Your password must be at least {MIN_PASSWORD} characters. Three random words work well"
    if len(password) > MAX_PASSWORD:
        return f"Your password must be {MAX_PASSWORD} characters or fewer"
    if password != confirm:
        return "The two passwords are not the same"
    return ""
