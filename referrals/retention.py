"""Retention: delete referrals some days after they were closed, and say loudly what happened.

The rules (the store carries them out in one transaction, store_common.RetentionBase):
- Only closed referrals (handled, or "not for us, signposted") are ever deleted, and only
  when they were closed more than `REFERRALS_RETENTION_DAYS` days ago. A referral nobody has
  closed is never deleted, however old: it is listed as kept, every run, instead.
- The clock is checked against the database first. A clock behind the newest stored time
  (it jumped backwards), or more than 7 days past both the last check and the newest stored
  time (it jumped forwards, or nothing ran for a week), stops the purge: nothing is deleted,
  and every later run stops too until a person looks at the clock and runs
  `python -m referrals purge --clock-is-right`.
- Each run logs the references it deleted and those it kept, with counts; a run that
  deleted, kept or stopped anything emails the team the same (references only: no
  personal data). Times are shown in the charity's zone.

`report(result, settings)` turns a PurgeResult into log lines and an email; `run_daily`
is the service's background task.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from . import clock
from .notify import error_kind, send_email
from .settings import Settings
from .store import PurgeResult, StoreError

log = logging.getLogger("referrals.retention")

DAY_SECONDS = 24 * 3600
CONFIRM_COMMAND = "python -m referrals purge --clock-is-right"


@dataclass(frozen=True)
class Report:
    lines: tuple[tuple[int, str], ...]  # (logging level, message)
    subject: str = ""  # empty: nothing worth an email

    def log(self) -> None:
        for level, message in self.lines:
            log.log(level, message)


def _when(moment: datetime | None, settings: Settings) -> str:
    if moment is None:
        return "an unknown time"
    local = clock.local(moment, settings.zone)
    return f"{local.day} {local:%B %Y %H:%M %Z}"


def _refs(references: tuple[str, ...]) -> str:
    return ", ".join(references)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def report(result: PurgeResult, settings: Settings) -> Report:
    """What to log and email about one purge run (references and counts only)."""
    days = settings.retention_days
    lines: list[tuple[int, str]] = []
    if result.stopped:
        direction = (
            "is behind the newest time stored in the database" if result.stopped == "behind"
            else "is more than 7 days past the last retention check and the newest stored time"
        )
        held = (
            f" (stopped since {_when(result.stopped_since, settings)})"
            if result.stopped_since and result.now and result.stopped_since != result.now else ""
        )
        lines.append((
            logging.WARNING,
            f"retention STOPPED, nothing deleted{held}: the clock ({_when(result.stopped_since, settings)}) {direction}"
            f" ({_when(result.clock_reference, settings)}). The clock jumped, or nothing ran for a long time."
            f" Check the server's clock; once it is right, run `{CONFIRM_COMMAND}`.",
        ))
        return Report(tuple(lines), "Referral retention STOPPED: check the server's clock")
    if result.deleted:
        lines.append((
            logging.WARNING,
            f"retention: deleted {_plural(len(result.deleted), 'referral')} closed more than {days} days ago:"
            f" {_refs(result.deleted)}",
        ))
    if result.kept_open:
        lines.append((
            logging.WARNING,
            f"retention: kept {_plural(len(result.kept_open), 'referral')} received more than {days} days ago"
            f" that nobody has closed (never deleted until handled or signposted): {_refs(result.kept_open)}",
        ))
    if result.kept_odd_times:
        lines.append((
            logging.WARNING,
            f"retention: kept {_plural(len(result.kept_odd_times), 'referral')} closed before they were received"
            f" (a clock was wrong then; delete them by hand if they should go): {_refs(result.kept_odd_times)}",
        ))
    if not lines:
        lines.append((logging.INFO, f"retention: nothing to delete (referrals are kept {days} days after they are closed)"))
        return Report(tuple(lines))
    counts = [f"deleted {len(result.deleted)}"]
    if result.kept_open or result.kept_odd_times:
        counts.append(f"kept {len(result.kept_open) + len(result.kept_odd_times)} that are not due")
    return Report(tuple(lines), "Referral retention: " + ", ".join(counts))


def build_email(rep: Report, settings: Settings, now: datetime) -> EmailMessage:
    """The team's email for one run: the same lines as the log, no personal data."""
    msg = EmailMessage()
    msg["Subject"] = rep.subject
    msg["From"] = settings.smtp_from
    msg["To"] = ", ".join(settings.smtp_to)
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or None)
    body = "\n\n".join(text.removeprefix("retention: ") for _, text in rep.lines)
    msg.set_content(
        f"The daily retention check ran at {_when(now, settings)}.\n\n{body}\n\n"
        f"Referrals are deleted {settings.retention_days} days after they are handled or signposted."
        " Referrals that nobody has closed are never deleted.\n\n"
        "This email holds no personal details on purpose.\n"
    )
    return msg


def purge_and_report(store, settings: Settings, now: datetime | None = None, clock_is_right: bool = False) -> tuple[PurgeResult, Report]:
    """One purge run: delete what is due, log it; the caller decides about the email. Blocking."""
    now = now or clock.utc_now()
    result = store.purge(now, settings.retention_days, clock_is_right=clock_is_right)
    rep = report(result, settings)
    rep.log()
    return result, rep


def email_report(rep: Report, settings: Settings, now: datetime) -> None:
    """Send the run's email if it has one and email is set up; a failure is logged, not raised."""
    if not (rep.subject and settings.notifications_enabled):
        return
    try:
        send_email(settings, build_email(rep, settings, now))
    except Exception as exc:  # the purge itself is done; the log says what happened
        log.warning("retention email not sent (%s)", error_kind(exc))


async def run_daily(store, settings: Settings) -> None:
    """The service's background task: a purge at start-up and then every 24 hours."""
    while True:
        try:
            now = clock.utc_now()
            _, rep = await asyncio.to_thread(purge_and_report, store, settings, now)
            await asyncio.to_thread(email_report, rep, settings, now)
        except StoreError as exc:
            log.warning("retention purge failed: %s", exc)
        await asyncio.sleep(DAY_SECONDS)
