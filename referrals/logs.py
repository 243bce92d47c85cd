"""The service's log: one line per event, stamped in the charity's time.

Every line starts with the moment in the charity's time zone with its UTC offset
(`2026-07-16T00:30:00.123+01:00`), whatever the machine's own zone is, so a line can be
matched with what a parent or a member of staff saw on their clock.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from zoneinfo import ZoneInfo

from . import clock

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class CharityTimeFormatter(logging.Formatter):
    """Stamps each record in one IANA time zone, as ISO 8601 with the offset."""

    def __init__(self, tz: ZoneInfo, fmt: str = FORMAT):
        super().__init__(fmt)
        self.tz = tz

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 (logging's name)
        return datetime.fromtimestamp(record.created, self.tz).isoformat(timespec="milliseconds")


def zone_from_env() -> ZoneInfo:
    """REFERRALS_TIMEZONE, or the default zone if it is unset or wrong (settings report a wrong one)."""
    try:
        return clock.zone(os.environ.get("REFERRALS_TIMEZONE", "").strip() or clock.DEFAULT_TIMEZONE)
    except clock.TimezoneError:
        return clock.zone(clock.DEFAULT_TIMEZONE)


def configure(level: int = logging.INFO) -> logging.Handler:
    """Log to stderr through one handler on the root logger (uvicorn's loggers propagate to it)."""
    handler = logging.StreamHandler()
    handler.setFormatter(CharityTimeFormatter(zone_from_env()))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    return handler
