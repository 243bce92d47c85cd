"""The service's log: stamped in the charity's time, and never flooded.

- Every line starts with the moment in the charity's time zone with its UTC offset
  (`2026-07-16T00:30:00.123+01:00`), whatever the machine's own zone is, so a line can be
  matched with what a parent or a member of staff saw on their clock.
- One line per kind of event per interval (EVERY_SECONDS): the first is written at once;
  more of the same kind in that interval are counted, and when it ends one line says how
  many (`... (and 4,211 more like this in the last 60 s)`). A kind is the logger, the
  level and the message before its values are filled in. A flood of failures therefore
  writes two lines a minute, not one per failure. Records logged with
  `extra={"each": True}` (a referral stored: bounded by REFERRALS_FLOOD_LIMIT) and the
  development server's access log are always written.
- The event loop's own errors (for example "socket.accept() out of system resource" when
  file descriptors run out) are one line each, without a traceback, and go through the same
  counting.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import OrderedDict
from datetime import datetime
from zoneinfo import ZoneInfo

from . import clock
from .settings import SettingsError, timezone_from_env

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
EVERY_SECONDS = 60.0
MAX_KINDS = 1000  # kinds remembered at once (oldest forgotten first)


class CharityTimeFormatter(logging.Formatter):
    """Stamps each record in one IANA time zone, as ISO 8601 with the offset."""

    def __init__(self, tz: ZoneInfo, fmt: str = FORMAT):
        super().__init__(fmt)
        self.tz = tz

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 (logging's name)
        return datetime.fromtimestamp(record.created, self.tz).isoformat(timespec="milliseconds")


class OncePerInterval(logging.Filter):
    """Lets through one record per kind per `interval` seconds and reports how many it held back.

    Thread-safe (records come from worker threads too). `flush()` writes the count for kinds
    whose interval is over; `configure()` runs it every few seconds in a daemon thread.
    """

    def __init__(self, interval: float = EVERY_SECONDS, clock_fn=time.monotonic):
        super().__init__()
        self.interval = interval
        self.now = clock_fn
        self._kinds: OrderedDict[tuple, list] = OrderedDict()  # kind -> [last written at, held back, last record]
        self._lock = threading.Lock()
        self.handler: logging.Handler | None = None

    @staticmethod
    def kind(record: logging.LogRecord) -> tuple:
        return (record.name, record.levelno, str(record.msg))

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "each", False) or getattr(record, "held_back_count", None) is not None:
            return True
        if record.name == "uvicorn.access":
            return True  # one line per request is what an access log is (on only in `dev`)
        now = self.now()
        key = self.kind(record)
        with self._lock:
            state = self._kinds.get(key)
            if state is not None and now - state[0] < self.interval:
                state[1] += 1
                state[2] = record
                return False
            held = state[1] if state else 0
            self._kinds[key] = [now, 0, None]
            self._kinds.move_to_end(key)
            while len(self._kinds) > MAX_KINDS:
                self._kinds.popitem(last=False)
        if held:
            _add_count(record, held, now - state[0])
        return True

    def flush(self, force: bool = False) -> None:
        """Write one line for each kind whose interval is over (any, if `force`) with records held back."""
        now = self.now()
        due = []
        with self._lock:
            for key, state in self._kinds.items():
                if state[1] and (force or now - state[0] >= self.interval):
                    due.append((state[2], state[1], now - state[0]))
                    state[0], state[1], state[2] = now, 0, None
        for record, held, seconds in due:
            summary = logging.makeLogRecord(record.__dict__)
            summary.msg, summary.args = record.getMessage(), None
            summary.exc_info = summary.exc_text = None
            _add_count(summary, held, seconds)
            summary.held_back_count = held
            summary.created = time.time()
            if self.handler is not None:
                self.handler.handle(summary)


def _add_count(record: logging.LogRecord, held: int, seconds: float) -> None:
    record.msg = f"{record.getMessage()} (and {held:,} more like this in the last {seconds:.0f} s)"
    record.args = None


def loop_exception_handler(loop: asyncio.AbstractEventLoop, context: dict) -> None:
    """asyncio's errors as one line without a traceback (it would quote nothing useful here)."""
    exc = context.get("exception")
    what = f"{type(exc).__name__}" + (f" {exc.errno}" if getattr(exc, "errno", None) else "") if exc else ""
    logging.getLogger("asyncio").error("%s%s", context.get("message", "event loop error"), f" ({what})" if what else "")


def flush() -> None:
    """Write the counts held back so far (at shutdown: nothing counted is lost)."""
    for handler in logging.getLogger().handlers:
        for limiter in handler.filters:
            if isinstance(limiter, OncePerInterval):
                limiter.flush(force=True)


def zone_from_env() -> ZoneInfo:
    """REFERRALS_TIMEZONE, or the default zone if it is wrong (the settings stop the service then)."""
    try:
        return timezone_from_env()
    except SettingsError:
        return clock.zone(clock.DEFAULT_TIMEZONE)


def configure(level: int = logging.INFO, interval: float = EVERY_SECONDS) -> OncePerInterval:
    """Log to stderr through one handler on the root logger (uvicorn's loggers propagate to it),
    stamped in the charity's time and held to one line per kind per `interval` seconds."""
    handler = logging.StreamHandler()
    handler.setFormatter(CharityTimeFormatter(zone_from_env()))
    limiter = OncePerInterval(interval)
    limiter.handler = handler
    handler.addFilter(limiter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)

    def flush_forever() -> None:
        while True:
            time.sleep(min(5.0, interval / 4))
            limiter.flush()

    threading.Thread(target=flush_forever, name="log-counts", daemon=True).start()
    return limiter
