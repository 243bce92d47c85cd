"""Run a real process at a chosen moment, on a machine whose own time zone is UTC.

libfaketime (Debian package `faketime`) is preloaded into the child process; it answers
every clock call (time.time, datetime.now, and the monotonic clock asyncio uses) from a
moment written in a file, so a test can move a running server's clock forwards by
rewriting the file. The process keeps running from the moment written: "@2026-07-15
23:30:00" means "it is now 23:30:00 UTC, and time goes on". Moments are written in UTC
and the process gets TZ=UTC, so only the charity's time zone setting can make it see
British time.
"""

from __future__ import annotations

import glob
from datetime import datetime, timezone
from pathlib import Path

INSTALL_HINT = "libfaketime not found: run `apt-get install -y faketime` (Debian's package)"


def library() -> str:
    found = sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1") + glob.glob("/usr/lib/faketime/libfaketime.so.1"))
    if not found:
        raise AssertionError(INSTALL_HINT)
    return found[0]


class FakeClock:
    """A moment file for libfaketime; `env` goes into the child's environment."""

    def __init__(self, folder: Path, moment: datetime):
        self.path = Path(folder) / "faketime-moment"
        self.set(moment)

    def set(self, moment: datetime) -> None:
        """Move the clock of every process using this file to `moment` (aware, any zone)."""
        utc = moment.astimezone(timezone.utc)
        self.path.write_text(utc.strftime("@%Y-%m-%d %H:%M:%S") + "\n", encoding="ascii")

    @property
    def env(self) -> dict[str, str]:
        return {
            "LD_PRELOAD": library(),
            "FAKETIME_TIMESTAMP_FILE": str(self.path),
            "FAKETIME_NO_CACHE": "1",  # read the file at every clock call, so set() takes effect at once
            "TZ": "UTC",  # the machine's own zone: the service must not use it
        }


def utc(text: str) -> datetime:
    """"2026-07-15 23:30" as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)
