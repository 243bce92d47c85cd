"""Tell the intake team a referral arrived, by email, away from the parent's request.

The web request only adds a row to the outbox (in the same transaction as the referral).
A background task sends due emails, and on failure tries again later with a growing wait.
The email says only that a referral arrived and its reference: no answer ever leaves the
sealed store this way.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import socket
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from . import clock
from .settings import Settings
from .store import Notification, ReferralWriter, StoreError

log = logging.getLogger("referrals.notify")

BATCH = 20
LEASE_SECONDS = 120.0


def build_message(settings: Settings, note: Notification) -> EmailMessage:
    """The whole email: reference, time and how to open it. Nothing the parent typed."""
    msg = EmailMessage()
    msg["Subject"] = f"New self-referral {note.reference}"
    msg["From"] = settings.smtp_from
    msg["To"] = ", ".join(settings.smtp_to)
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or None)
    received = clock.local(note.received_at, settings.zone)
    check = (
        "\nIt was marked for checking (it may be spam): " + ", ".join(note.flags) + ".\n" if note.flags else ""
    )
    msg.set_content(
        "A self-referral arrived on the website.\n\n"
        f"Reference: {note.reference}\n"
        f"Received: {received.day} {received:%B %Y, %H:%M %Z}\n"
        f"{check}\n"
        "To read it, export referrals with the intake private key:\n"
        "  python -m referrals export --key PATH/TO/private.key --format csv --out referrals.csv\n\n"
        "This email holds no personal details on purpose.\n"
    )
    return msg


def send_email(settings: Settings, msg: EmailMessage) -> None:
    """One blocking SMTP delivery; run in a worker thread."""
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password)
        smtp.send_message(msg)


def retry_delay(settings: Settings, attempts_before: int) -> float:
    return min(settings.notify_retry_seconds * (2**attempts_before), settings.notify_retry_max_seconds)


def error_kind(exc: BaseException) -> str:
    """A label for logs and the outbox row: the class of failure, never message text."""
    if isinstance(exc, (ConnectionError, socket.timeout, TimeoutError)):
        return "smtp-unreachable"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return "smtp-auth"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "smtp-recipient-refused"
    if isinstance(exc, smtplib.SMTPException):
        return "smtp-" + type(exc).__name__
    return type(exc).__name__


class Notifier:
    """The background sender. `wake()` is called after each new referral for a prompt email."""

    def __init__(self, settings: Settings, store: ReferralWriter):
        self.settings = settings
        self.store = store
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="referral-notifier")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    def wake(self) -> None:
        self._wake.set()

    async def _run(self) -> None:
        while True:
            try:
                await self.send_due()
            except StoreError as exc:
                log.warning("notifications paused: %s", exc)
            except Exception as exc:  # keep the loop alive whatever happens
                log.error("notification loop error: %s", type(exc).__name__)
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.settings.notify_poll_seconds)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()

    async def send_due(self) -> int:
        """Send every due email once; returns how many were sent."""
        notes = await asyncio.to_thread(self.store.claim_notifications, time.time(), BATCH, LEASE_SECONDS)
        sent = 0
        for note in notes:
            try:
                await asyncio.to_thread(send_email, self.settings, build_message(self.settings, note))
            except Exception as exc:
                kind = error_kind(exc)
                delay = retry_delay(self.settings, note.attempts)
                await asyncio.to_thread(self.store.notification_failed, note.id, time.time() + delay, kind)
                log.warning("email for referral %s failed (%s); retrying in %.0fs", note.reference, kind, delay)
                continue
            await asyncio.to_thread(self.store.notification_sent, note.id, clock.utc_now())
            log.info("email sent for referral %s", note.reference)
            sent += 1
        return sent
