"""The storage interface: what the web app may do, and what the intake team's CLI may do.

Two small protocols keep the web app honest: it gets a `ReferralWriter`, which can add a
sealed referral and drive the notification outbox but has no way to read referrals back.
The CLI gets a `ReferralAdmin`. SQLite implements both (`sqlite_store.py`, the default) and
so does PostgreSQL, for several instances (`postgres_store.py`); `stores.py` picks one.
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


@dataclass(frozen=True)
class SealedReferral:
    reference: str
    received_at: datetime  # UTC
    key_id: str
    sealed: bytes
    flags: tuple[str, ...] = ()  # spam signals, for example ("fast", "honeypot")


@dataclass(frozen=True)
class ReferralSummary:
    reference: str
    received_at: datetime
    status: str  # "new" or "handled"
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
    deleted: int
    unhandled: int


class ReferralWriter(Protocol):
    """What the web app needs. Deliberately nothing that returns a sealed referral."""

    def add(self, referral: SealedReferral, notify: bool) -> None:
        """Store the referral and, in the same transaction, queue the staff email."""

    def claim_notifications(self, now: float, limit: int, lease_seconds: float) -> list[Notification]:
        """Due emails, each leased so that only one sender works on it."""

    def notification_sent(self, notification_id: int, now: datetime) -> None: ...

    def notification_failed(self, notification_id: int, retry_at: float, error_kind: str) -> None: ...

    def purge(self, older_than: datetime) -> PurgeResult: ...

    def check(self) -> None:
        """Raise StoreUnavailable unless a write would work (used by /healthz)."""

    def close(self) -> None: ...


class ReferralAdmin(Protocol):
    """What the intake team's CLI needs."""

    def list(self, status: str | None = None) -> list[ReferralSummary]: ...

    def sealed(self, status: str | None = None) -> Iterator[tuple[ReferralSummary, str, bytes]]:
        """(summary, key id, ciphertext) for each referral, oldest first."""

    def mark_handled(self, references: Sequence[str], now: datetime) -> list[str]:
        """Mark referrals handled; returns the references that were not found."""

    def purge(self, older_than: datetime) -> PurgeResult: ...

    def close(self) -> None: ...
