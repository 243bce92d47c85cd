"""The daily reminder: references still "new" after REFERRALS_OVERDUE_WORKING_DAYS working days.

Once a day, on a working day (Monday to Friday, not in REFERRALS_HOLIDAYS), at or after
REFERRALS_OVERDUE_HOUR in the charity's zone, the inbox emails the team the references that
nobody has moved on from "new", oldest first, with when each arrived and how many working
days it has waited. Nothing else: no names, no answers (the server has none to give).
Sent through the same SMTP settings as the "a referral arrived" email. Several instances
send it once between them (the day is claimed in the database first); a failed send
releases the claim, so the next check tries again.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from .. import clock
from ..notify import error_kind, send_email
from ..settings import Settings
from ..store import StoreError
from .settings import InboxSettings
from .times import when

log = logging.getLogger("referrals.overdue")

CHECK_SECONDS = 15 * 60


@dataclass(frozen=True)
class Waiting:
    reference: str
    received_at: datetime
    working_days: int


def is_working_day(day: date, holidays: tuple[date, ...]) -> bool:
    return day.weekday() < 5 and day not in holidays


def working_days_since(received: date, today: date, holidays: tuple[date, ...] = ()) -> int:
    """Working days after the day it arrived, up to and including today (0 on the day itself)."""
    count, day = 0, received
    while day < today:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            count += 1
    return count


def waiting(store, settings: Settings, inbox: InboxSettings, now: datetime) -> list[Waiting]:
    """References still new after the configured number of working days, oldest first."""
    zone, today = settings.zone, clock.today(settings.zone, now)
    found = []
    for r in store.referrals("new"):
        days = working_days_since(clock.local(r.received_at, zone).date(), today, inbox.holidays)
        if days >= inbox.overdue_working_days:
            found.append(Waiting(r.reference, r.received_at, days))
    return sorted(found, key=lambda w: (w.received_at, w.reference))


def build_message(settings: Settings, inbox: InboxSettings, items: list[Waiting], now: datetime) -> EmailMessage:
    zone = settings.zone
    msg = EmailMessage()
    count = len(items)
    msg["Subject"] = (
        f"{count} referral{'s' if count != 1 else ''} still new after {inbox.overdue_working_days} working days"
    )
    msg["From"] = settings.smtp_from
    msg["To"] = ", ".join(settings.smtp_to)
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or None)
    lines = "\n".join(
        f"  {w.reference}  received {when(w.received_at, zone)}, waiting {w.working_days} working day{'s' if w.working_days != 1 else ''}"
        for w in items
    )
    msg.set_content(
        f"These referrals have been \"new\" for {inbox.overdue_working_days} working days or more"
        f" (checked {when(now, zone)}, {zone.key} time):\n\n{lines}\n\n"
        f"Open the inbox to read them and move them on: {inbox.origin}/\n\n"
        "This email holds no personal details on purpose.\n"
    )
    return msg


def send_if_due(store, settings: Settings, inbox: InboxSettings, now: datetime) -> int:
    """Today's reminder, if it is time and not yet sent; returns how many references it named. Blocking."""
    local = clock.local(now, settings.zone)
    if not is_working_day(local.date(), inbox.holidays) or local.hour < inbox.overdue_hour:
        return 0
    day = local.date().isoformat()
    if not store.claim_daily("overdue", day):
        return 0
    try:
        items = waiting(store, settings, inbox, now)
        if items:
            send_email(settings, build_message(settings, inbox, items, now))
            log.info("overdue reminder sent: %d referrals still new: %s", len(items), ", ".join(w.reference for w in items))
        return len(items)
    except Exception as exc:
        store.release_daily("overdue", day)
        kind = exc.__class__.__name__ if isinstance(exc, StoreError) else error_kind(exc)
        log.warning("overdue reminder not sent (%s); trying again later", kind)
        return 0


async def run(store, settings: Settings, inbox: InboxSettings) -> None:
    while True:
        try:
            await asyncio.to_thread(send_if_due, store, settings, inbox, clock.utc_now())
        except Exception as exc:  # keep the loop alive whatever happens
            log.warning("overdue check failed (%s)", type(exc).__name__)
        await asyncio.sleep(CHECK_SECONDS)


def start(store, settings: Settings, inbox: InboxSettings) -> asyncio.Task | None:
    """The background task, when email is set up and reminders are on (REFERRALS_OVERDUE_WORKING_DAYS > 0)."""
    if not settings.notifications_enabled or inbox.overdue_working_days < 1:
        return None
    return asyncio.create_task(run(store, settings, inbox), name="overdue-reminder")
