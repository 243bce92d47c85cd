"""The inbox's own settings (REFERRALS_INBOX_* and REFERRALS_OVERDUE_*), beside the service's.

The inbox shares the database, keys, SMTP and time zone settings with the service
(referrals/settings.py) and adds where it lives, its time-outs and limits, and the daily
"still new" reminder. Bad values stop it at start-up with one line, as the service does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import date
from typing import Mapping
from urllib.parse import urlsplit

from ..settings import SettingsError

DEV_ORIGIN = "http://localhost:8001"


@dataclass(frozen=True)
class InboxSettings:
    origin: str = DEV_ORIGIN  # where staff open the inbox: https://intake.example.org, or http://localhost:PORT
    database: str = ""  # empty: the service's REFERRALS_DATABASE (on PostgreSQL, give the inbox role's URL)
    session_idle_minutes: int = 30
    session_hours: int = 10  # absolute: a session ends this long after sign-in, however busy
    key_idle_minutes: int = 15  # the browser forgets the private key after this long without use
    signup_hours: int = 72  # a sign-up link works this long
    signin_account_limit: int = 5  # failed sign-ins per account per window
    signin_address_limit: int = 20  # sign-in attempts per client address per window
    signin_window_minutes: int = 15
    overdue_working_days: int = 2  # "still new" after this many working days goes in the daily email
    overdue_hour: int = 8  # the daily email is sent at or after this hour (charity's zone), on working days
    holidays: tuple[date, ...] = ()  # days that are not working days (bank holidays)
    host: str = "127.0.0.1"
    port: int = 8082

    @property
    def rp_id(self) -> str:
        """The WebAuthn relying party id: the origin's host name (a domain, never an IP address)."""
        return urlsplit(self.origin).hostname or "localhost"

    @property
    def secure_cookies(self) -> bool:
        """True over HTTPS, and on http://localhost, which browsers treat as a secure context."""
        return self.origin.startswith("https://") or self.rp_id == "localhost"


def _int(name: str, value: str, low: int = 0) -> int:
    try:
        number = int(value)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {value!r}") from None
    if number < low:
        raise SettingsError(f"{name} must be at least {low}")
    return number


def check_origin(origin: str, public_origins: tuple[str, ...] = ()) -> str:
    """The inbox's origin, checked: HTTPS (or http://localhost), no path, not the public form's."""
    origin = origin.rstrip("/")
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query:
        raise SettingsError(f"REFERRALS_INBOX_ORIGIN: {origin!r} is not an origin; write it like https://intake.oxpip.org.uk")
    if parts.scheme == "http" and parts.hostname != "localhost":
        raise SettingsError(
            "REFERRALS_INBOX_ORIGIN must be https:// (or http://localhost for development): "
            "staff sign-in and the keys need a secure context"
        )
    if origin in public_origins:
        raise SettingsError(
            "REFERRALS_INBOX_ORIGIN must not be the public form's origin: give the inbox its own host name"
        )
    return origin


def from_env(env: Mapping[str, str] | None = None, public_origins: tuple[str, ...] = ()) -> InboxSettings:
    env = os.environ if env is None else env
    get = lambda name: env.get(f"REFERRALS_{name}", "").strip()  # noqa: E731
    values: dict = {}
    if get("INBOX_ORIGIN"):
        values["origin"] = check_origin(get("INBOX_ORIGIN"), public_origins)
    values["database"] = get("INBOX_DATABASE")
    for name, attr, low in (
        ("INBOX_SESSION_IDLE_MINUTES", "session_idle_minutes", 1),
        ("INBOX_SESSION_HOURS", "session_hours", 1),
        ("INBOX_KEY_IDLE_MINUTES", "key_idle_minutes", 1),
        ("INBOX_SIGNUP_HOURS", "signup_hours", 1),
        ("INBOX_SIGNIN_ACCOUNT_LIMIT", "signin_account_limit", 1),
        ("INBOX_SIGNIN_ADDRESS_LIMIT", "signin_address_limit", 1),
        ("OVERDUE_WORKING_DAYS", "overdue_working_days", 0),
        ("OVERDUE_HOUR", "overdue_hour", 0),
        ("INBOX_PORT", "port", 1),
    ):
        if get(name):
            values[attr] = _int(f"REFERRALS_{name}", get(name), low)
    if values.get("session_hours", 0) > 24 or values.get("session_idle_minutes", 0) > 24 * 60:
        raise SettingsError("REFERRALS_INBOX_SESSION_HOURS and _IDLE_MINUTES can be at most a day")
    if values.get("overdue_hour", 0) > 23:
        raise SettingsError("REFERRALS_OVERDUE_HOUR must be an hour from 0 to 23")
    if get("INBOX_HOST"):
        values["host"] = get("INBOX_HOST")
    if get("HOLIDAYS"):
        try:
            values["holidays"] = tuple(date.fromisoformat(d.strip()) for d in get("HOLIDAYS").split(",") if d.strip())
        except ValueError:
            raise SettingsError("REFERRALS_HOLIDAYS must be dates like 2026-12-25,2026-12-28") from None
    return replace(InboxSettings(), **values)
