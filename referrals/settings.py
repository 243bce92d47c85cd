"""Settings for the referral service, read from environment variables (twelve-factor style).

Every variable starts REFERRALS_. Bad values stop the service at start-up with one clear
line, rather than failing later in front of a parent.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

from .clock import DEFAULT_TIMEZONE, TimezoneError, zone
from .form_definition import MAX_HONEST_BODY_BYTES


class SettingsError(Exception):
    """A setting is missing or wrong; the message says which and how to fix it."""


@dataclass(frozen=True)
class Settings:
    database: str = "var/referrals.sqlite3"  # path, or sqlite:///path
    public_key: Path = Path("var/referrals-public.key")
    recovery_public_key: Path | None = None  # each referral is also sealed to this key, if set
    site_dir: Path = Path("output")  # the built site: the form and confirmation pages are read from it
    allowed_origins: tuple[str, ...] = ()
    token_secret: str = ""
    token_min_seconds: float = 3.0  # faster than this is a machine, not a parent
    token_max_age_seconds: float = 7 * 24 * 3600  # older than this is stale (still kept, marked)
    rate_limit_count: int = 20  # posts per client per window; 0 turns the limit off
    rate_limit_window_seconds: float = 600.0
    feedback_rate_limit_count: int = 10  # "Was this page helpful?" answers per client per window
    feedback_rate_limit_window_seconds: float = 600.0
    flood_limit_count: int = 500  # referrals kept per window over all clients (clean and marked apart); 0: off
    flood_limit_window_seconds: float = 3600.0
    max_body_bytes: int = 64 * 1024
    max_connections: int = 200  # open at once (fewer if `ulimit -n` cannot hold them): referrals/server.py
    request_timeout_seconds: float = 30.0  # headers and body must arrive within this; then the connection closes
    trusted_proxies: tuple[str, ...] = ()  # peers whose X-Forwarded-For/-Proto we believe
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = ""
    smtp_to: tuple[str, ...] = ()
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_timeout_seconds: float = 10.0
    notify_retry_seconds: float = 30.0  # first retry; doubles up to notify_retry_max_seconds
    notify_retry_max_seconds: float = 3600.0
    notify_poll_seconds: float = 5.0
    retention_days: int = 0  # 0: the service never purges by itself (use the CLI)
    timezone: str = DEFAULT_TIMEZONE  # IANA name: every date checked or shown is in this zone
    help_phone: str = ""  # shown when something goes wrong; read from the built page if empty
    reload_pages: bool = False  # development: re-read built pages when Pelican rebuilds them
    development: bool = False

    @property
    def zone(self):
        """The charity's time zone as a ZoneInfo (see referrals/clock.py)."""
        return zone(self.timezone)

    @property
    def notifications_enabled(self) -> bool:
        return bool(self.smtp_host and self.smtp_to)

    def with_defaults(self) -> "Settings":
        """Fill the token secret with a random one if none was given (tokens then last one run)."""
        if self.token_secret:
            return self
        return replace(self, token_secret=secrets.token_urlsafe(32))


def _list(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


def _bool(name: str, value: str) -> bool:
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off", ""):
        return False
    raise SettingsError(f"{name} must be true or false, not {value!r}")


def _number(name: str, value: str, kind=int):
    try:
        number = kind(value)
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {value!r}") from None
    if number < 0:
        raise SettingsError(f"{name} must not be negative")
    return number


def _rate(value: str, name: str = "REFERRALS_RATE_LIMIT", window: str = "600") -> tuple[int, float]:
    """"20/600" means 20 posts per 600 seconds; "0" turns the limit off."""
    if value.strip() == "0":
        return 0, 1.0
    count, _, given = value.partition("/")
    seconds = _number(name, given or window, float)
    if not seconds:
        raise SettingsError(f"{name} needs a window of at least 1 second, like 20/600")
    return _number(name, count), seconds


def _network(value: str) -> str:
    """An IP address or network (10.0.0.5, ::1, 10.0.0.0/24): a name would never match a peer."""
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise SettingsError(
            f"REFERRALS_TRUSTED_PROXIES: {value!r} is not an IP address or network; "
            "write the proxy's address as the service sees it, like 127.0.0.1 or 10.0.0.0/24"
        ) from None
    return value


def _origin(value: str) -> str:
    value = value.rstrip("/")
    if not value.startswith(("http://", "https://")) or value.count("/") != 2:
        raise SettingsError(
            f"REFERRALS_ALLOWED_ORIGINS: {value!r} is not an origin; write it like https://www.oxpip.org.uk"
        )
    return value


def timezone_from_env(env: Mapping[str, str] | None = None):
    """The charity's zone (ZoneInfo) from REFERRALS_TIMEZONE, default Europe/London; SettingsError if unknown.

    Alone, so the staff commands and the log can use it without the service's other settings."""
    env = os.environ if env is None else env
    try:
        return zone(env.get("REFERRALS_TIMEZONE", "").strip() or DEFAULT_TIMEZONE)
    except TimezoneError as exc:
        raise SettingsError(f"REFERRALS_TIMEZONE: {exc}") from None


def from_env(env: Mapping[str, str] | None = None) -> Settings:
    """Build settings from REFERRALS_* variables; unknown variables are ignored."""
    env = os.environ if env is None else env
    get = lambda name, default="": env.get(f"REFERRALS_{name}", default).strip()  # noqa: E731
    base = Settings()
    values: dict = {}
    if get("DATABASE"):
        values["database"] = get("DATABASE")
    if get("PUBLIC_KEY"):
        values["public_key"] = Path(get("PUBLIC_KEY"))
    if get("RECOVERY_PUBLIC_KEY"):
        values["recovery_public_key"] = Path(get("RECOVERY_PUBLIC_KEY"))
    if get("SITE_DIR"):
        values["site_dir"] = Path(get("SITE_DIR"))
    values["allowed_origins"] = tuple(_origin(o) for o in _list(get("ALLOWED_ORIGINS")))
    values["token_secret"] = get("TOKEN_SECRET")
    if get("TOKEN_SECRET_FILE"):
        try:
            values["token_secret"] = Path(get("TOKEN_SECRET_FILE")).read_text(encoding="utf-8").strip()
        except OSError:
            raise SettingsError("REFERRALS_TOKEN_SECRET_FILE cannot be read") from None
    if get("RATE_LIMIT"):
        values["rate_limit_count"], values["rate_limit_window_seconds"] = _rate(get("RATE_LIMIT"))
    if get("FEEDBACK_RATE_LIMIT"):
        values["feedback_rate_limit_count"], values["feedback_rate_limit_window_seconds"] = _rate(
            get("FEEDBACK_RATE_LIMIT"), "REFERRALS_FEEDBACK_RATE_LIMIT")
    if get("FLOOD_LIMIT"):
        values["flood_limit_count"], values["flood_limit_window_seconds"] = _rate(
            get("FLOOD_LIMIT"), "REFERRALS_FLOOD_LIMIT", "3600"
        )
    for name, attr, kind in (
        ("MAX_BODY_BYTES", "max_body_bytes", int),
        ("MAX_CONNECTIONS", "max_connections", int),
        ("REQUEST_TIMEOUT_SECONDS", "request_timeout_seconds", float),
        ("SMTP_PORT", "smtp_port", int),
        ("SMTP_TIMEOUT_SECONDS", "smtp_timeout_seconds", float),
        ("NOTIFY_RETRY_SECONDS", "notify_retry_seconds", float),
        ("NOTIFY_RETRY_MAX_SECONDS", "notify_retry_max_seconds", float),
        ("NOTIFY_POLL_SECONDS", "notify_poll_seconds", float),
        ("RETENTION_DAYS", "retention_days", int),
        ("TOKEN_MIN_SECONDS", "token_min_seconds", float),
        ("TOKEN_MAX_AGE_SECONDS", "token_max_age_seconds", float),
    ):
        if get(name):
            values[attr] = _number(f"REFERRALS_{name}", get(name), kind)
    values["trusted_proxies"] = tuple(_network(p) for p in _list(get("TRUSTED_PROXIES")))
    values["smtp_host"] = get("SMTP_HOST")
    values["smtp_from"] = get("SMTP_FROM")
    values["smtp_to"] = _list(get("SMTP_TO"))
    values["smtp_starttls"] = _bool("REFERRALS_SMTP_STARTTLS", get("SMTP_STARTTLS"))
    values["smtp_username"] = get("SMTP_USERNAME")
    values["smtp_password"] = env.get("REFERRALS_SMTP_PASSWORD", "")
    values["help_phone"] = get("HELP_PHONE")
    values["timezone"] = timezone_from_env(env).key
    settings = replace(base, **values)
    if settings.smtp_host and not (settings.smtp_to and settings.smtp_from):
        raise SettingsError("REFERRALS_SMTP_HOST is set, so REFERRALS_SMTP_FROM and REFERRALS_SMTP_TO are needed too")
    if settings.max_connections < 10:
        raise SettingsError("REFERRALS_MAX_CONNECTIONS must be at least 10 (parents' browsers open several); 200 is a good value")
    if settings.request_timeout_seconds < 5:
        raise SettingsError(
            "REFERRALS_REQUEST_TIMEOUT_SECONDS must be at least 5 (a phone on a poor connection needs time); 30 is a good value"
        )
    if settings.max_body_bytes < MAX_HONEST_BODY_BYTES:
        raise SettingsError(
            f"REFERRALS_MAX_BODY_BYTES must be at least {MAX_HONEST_BODY_BYTES} (the largest honest form); 65536 is a good value"
        )
    return settings
