"""Pure helpers: the charity's "today" for a build, and how old a data file's figures are.

A data file that says when its figures were last checked (a top-level ``checked:`` date,
as ``content/data/times.yml`` does for reply and waiting times) must not go stale: a
parent told "about 6 weeks" when the wait is now three months loses trust in everything
else we say. ``check_checked`` judges that date against today:

- more than ``warn_days`` old (``DATA_CHECKED_WARN_DAYS``, default 31): a notice, so every
  build warns but publishing goes on;
- more than ``stop_days`` old (``DATA_CHECKED_STOP_DAYS``, default 90), in the future, or
  not a date: a problem, so ``make publish`` stops.

"Today" is the charity's (the build's ``TIMEZONE``, default Europe/London), never the
machine's; ``CONTENT_CHECK_NOW`` ("2026-11-30") fixes it, for tests.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from referrals.clock import DEFAULT_TIMEZONE, TimezoneError, local, utc_now, zone

DEFAULT_WARN_DAYS = 31
DEFAULT_STOP_DAYS = 90
_CHECKED_LINE = re.compile(r"^checked\s*:\s*(?P<value>.*?)\s*(#.*)?$")


def site_now(settings: dict) -> dt.datetime:
    """Wall-clock time now in the charity's zone, naive (as Pelican's dates are).

    ``CONTENT_CHECK_NOW`` ("2026-11-30" or "2026-11-30 09:00") fixes it; ValueError if it is
    not such a date."""
    fixed = settings.get("CONTENT_CHECK_NOW")
    if fixed:
        return dt.datetime.fromisoformat(str(fixed).strip())
    try:
        tz = zone(settings.get("TIMEZONE") or DEFAULT_TIMEZONE)
    except TimezoneError:  # Pelican reports an unknown TIMEZONE itself
        tz = zone(DEFAULT_TIMEZONE)
    return local(utc_now(), tz).replace(tzinfo=None)


def site_today(settings: dict) -> dt.date:
    """The charity's calendar date today (see ``site_now``)."""
    return site_now(settings).date()


@dataclass(frozen=True)
class Finding:
    """One thing wrong with a ``checked:`` date. ``stops``: a problem (True) or a notice."""

    path: str
    line: int
    message: str
    fix: str
    stops: bool


def checked_line(path: Path) -> int:
    """The line of the top-level ``checked:`` key in a YAML file, or 1."""
    try:
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if _CHECKED_LINE.match(text):
                return number
    except OSError:
        pass
    return 1


def missing_checked(path: Path, today: dt.date) -> Finding:
    """A data file that must say when its figures were checked has no ``checked:`` line."""
    return Finding(str(path), 1, "this field is missing",
                   "Add the line checked: with the day these figures were last checked, for example "
                   f"checked: {today.isoformat()}", True)


def check_checked(path: Path, value, today: dt.date, warn_days: int = DEFAULT_WARN_DAYS,
                  stop_days: int = DEFAULT_STOP_DAYS) -> Finding | None:
    """Judge a data file's ``checked`` value (a date, or whatever YAML made of it).

    Returns None when the figures are fresh enough, else one Finding."""
    line = checked_line(path)
    fix_today = f"set checked: to the day you checked them, for example today: checked: {today.isoformat()}"
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        what = "this field is empty" if value in (None, "") else f'"{value}" is not a date in the form YYYY-MM-DD'
        return Finding(str(path), line, what, "Write the day you last checked these figures as "
                       f"year-month-day, for example checked: {today.isoformat()}", True)
    age = (today - value).days
    if age < 0:
        return Finding(str(path), line, f"{value.isoformat()} is in the future",
                       f"Write the day you last checked these figures, no later than today ({today.isoformat()})",
                       True)
    if age > stop_days:
        return Finding(str(path), line,
                       f"these figures were last checked on {value.isoformat()}, {age} days ago; "
                       f"after {stop_days} days the site is not published, so that no parent is told "
                       "an old time",
                       f"Ask the intake team for the current figures, update them, and {fix_today}", True)
    if age > warn_days:
        return Finding(str(path), line,
                       f"these figures were last checked on {value.isoformat()}, {age} days ago "
                       f"(more than {warn_days}); publishing stops after {stop_days} days",
                       f"Ask the intake team for the current figures, update them if they have "
                       f"changed, and {fix_today}", False)
    return None
