"""The charity's clock: every "now", "today" and time shown to a person, in one time zone.

The machine's own time zone never matters. Moments are stored and compared as aware UTC
datetimes; a person sees them, and a date rule ("today or in the past") is judged, in the
charity's zone (an IANA name, default Europe/London, set by REFERRALS_TIMEZONE for the
service and TIMEZONE in pelicanconf.py for the build). Standard: IANA tz database through
`zoneinfo` (the `tzdata` package supplies it where the system has none).
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "Europe/London"


class TimezoneError(ValueError):
    """The name is not a time zone in the IANA database; the message says how to write one."""


def zone(name: str = DEFAULT_TIMEZONE) -> ZoneInfo:
    """The ZoneInfo for an IANA name such as "Europe/London"; TimezoneError if unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise TimezoneError(f"{name!r} is not a time zone name; write one like Europe/London") from None


def utc_now() -> datetime:
    """This moment as an aware UTC datetime (what is stored)."""
    return datetime.now(timezone.utc)


def local(moment: datetime, tz: ZoneInfo) -> datetime:
    """An aware moment as wall-clock time in `tz`. A naive moment is taken to be UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(tz)


def today(tz: ZoneInfo, now: datetime | None = None) -> date:
    """The calendar date in `tz` at `now` (default: this moment)."""
    return local(now or utc_now(), tz).date()
