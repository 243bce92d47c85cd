"""The storage interface: what the web app may do, and what the intake team's CLI may do.

Two small protocols keep the web app honest: it gets a `ReferralWriter`, which can add a
sealed referral and drive the notification outbox but has no way to read referrals back.
The CLI gets a `ReferralAdmin`, and the staff inbox an `InboxStore` (inbox_store.py), which
reads sealed rows and records what staff do, but cannot add or delete a referral.
SQLite implements all three (`sqlite_store.py`, the default) and so does PostgreSQL, for
several instances (`postgres_store.py`); `stores.py` picks one.

Statuses: new -> contacted -> handled, or signposted ("not for us, signposted"). Handled
and signposted are closed: retention counts from the moment a referral was closed, and
never deletes one that is still open (retention.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterator, Protocol, Sequence


class StoreError(Exception):
    """Base class: the message is safe to show staff and to log (it holds no personal data)."""


class StoreUnavailable(StoreError):
    """The database cannot be written: missing folder, read-only, full disk, and the like."""


class StoreBusy(StoreError):
    """Another program holds the database lock for longer than we wait."""


class DuplicateReference(StoreError):
    """The random reference is already taken; the caller draws a new one."""


class AlreadySent(StoreError):
    """This form was already sent (its form key is stored): `reference` is the referral it made."""

    def __init__(self, reference: str):
        super().__init__(f"this form was already sent as referral {reference}")
        self.reference = reference


STATUSES = ("new", "contacted", "handled", "signposted")
CLOSED_STATUSES = ("handled", "signposted")


@dataclass(frozen=True)
class SealedReferral:
    reference: str
    received_at: datetime  # UTC
    key_id: str
    sealed: bytes
    flags: tuple[str, ...] = ()  # spam signals, for example ("fast", "honeypot")
    recovery_key_id: str | None = None  # the same referral sealed to the recovery key, if one is set
    recovery_sealed: bytes | None = None
    form_key: str | None = None  # keyed hash of the form's id: recognises the same form sent again


@dataclass(frozen=True)
class ReferralSummary:
    reference: str
    received_at: datetime
    status: str  # one of STATUSES
    flags: tuple[str, ...]
    notified: bool


@dataclass(frozen=True)
class Notification:
    id: int
    reference: str
    attempts: int
    flags: tuple[str, ...]
    received_at: datetime


@dataclass(frozen=True)
class PurgeResult:
    """What one retention run did. `stopped` is the reason nothing was deleted, or ""."""

    deleted: tuple[str, ...] = ()  # references deleted (closed longer ago than the retention period)
    kept_open: tuple[str, ...] = ()  # received longer ago than that, but nobody has closed them
    kept_odd_times: tuple[str, ...] = ()  # closed before they were received: a clock was wrong
    stopped: str = ""  # "behind" or "ahead" when the clock check stopped the purge
    stopped_since: datetime | None = None  # when the stop was first seen (UTC); earlier than now if held
    clock_reference: datetime | None = None  # the stored time the clock was compared with (UTC)
    now: datetime | None = None  # the clock the run went by (UTC)


class ReferralWriter(Protocol):
    """What the web app needs. Deliberately nothing that returns a sealed referral."""

    def add(self, referral: SealedReferral, notify: bool) -> None:
        """Store the referral and, in the same transaction, queue the staff email and record
        its form key. Raises AlreadySent if that form key is already stored (a second post
        of the same form, even at the same moment on another instance)."""

    def sent_reference(self, form_key: str) -> str | None:
        """The reference a form (by its key) was already sent as, within SENT_FORMS_KEPT_DAYS.

        Reads nothing personal: form keys are keyed hashes of random form ids."""

    def claim_notifications(self, now: float, limit: int, lease_seconds: float) -> list[Notification]:
        """Due emails, each leased so that only one sender works on it."""

    def notification_sent(self, notification_id: int, now: datetime) -> None: ...

    def notification_failed(self, notification_id: int, retry_at: float, error_kind: str) -> None: ...

    def purge(self, now: datetime, retention_days: int, clock_is_right: bool = False) -> PurgeResult:
        """Delete referrals closed more than `retention_days` before `now` (retention.py)."""

    def check(self, notify: bool = True) -> None:
        """Raise StoreError unless a referral (and, if notify, its email row) could be stored
        now: a real write of the largest referral's size, deleted in the same transaction."""

    def close(self) -> None: ...


class ReferralAdmin(Protocol):
    """What the intake team's CLI needs."""

    def list(self, status: str | None = None) -> list[ReferralSummary]: ...

    def sealed(self, status: str | None = None) -> Iterator[tuple[ReferralSummary, str, bytes]]:
        """(summary, key id, ciphertext) for each referral, oldest first."""

    def mark_handled(self, references: Sequence[str], now: datetime) -> list[str]:
        """Mark referrals handled; returns the references that were not found."""

    def purge(self, now: datetime, retention_days: int, clock_is_right: bool = False) -> PurgeResult: ...

    def close(self) -> None: ...
