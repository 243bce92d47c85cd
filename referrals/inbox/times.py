"""Times as staff read them: in the charity's zone, GOV.UK style ("2 March 2026 at 9:15am")."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from .. import clock


def when(moment: datetime | None, zone: ZoneInfo) -> str:
    """A moment (aware, UTC) as "2 March 2026 at 9:15am" in `zone`; "" for None."""
    if moment is None:
        return ""
    local = clock.local(moment, zone)
    hour = local.hour % 12 or 12
    minutes = f":{local.minute:02d}" if local.minute else ""
    if local.hour == 12 and not local.minute:
        return f"{local.day} {local:%B %Y} at midday"
    return f"{local.day} {local:%B %Y} at {hour}{minutes}{'am' if local.hour < 12 else 'pm'}"


def day(moment: datetime, zone: ZoneInfo) -> str:
    """A moment's date alone, "2 March 2026", in `zone`."""
    local = clock.local(moment, zone)
    return f"{local.day} {local:%B %Y}"
