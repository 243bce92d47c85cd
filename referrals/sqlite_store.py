"""SQLite implementation of the store: one file, WAL, synchronous=FULL, one transaction per write.

A referral and its notification row are written in the same transaction, so an email is
never sent for a referral that was lost, and a referral never waits on email. Deleted rows
are overwritten (secure_delete) so purged referrals do not linger in free pages.
What this store does just as PostgreSQL's does is in `store_common.py`.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from .sqlite_schema import ensure_schema
from .inbox_store import InboxBase
from .store import AlreadySent, DuplicateReference, Notification, SealedReferral, StoreBusy, StoreUnavailable
from .store_common import AdminBase, Dialect, WriterBase, flags

BUSY_TIMEOUT_MS = 5000


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


DIALECT = Dialect(placeholder="?", to_db=_iso, from_db=_parse)


def database_path(url_or_path: str) -> Path:
    """Accept a plain path or sqlite:///path (the form a PostgreSQL URL would take)."""
    if url_or_path.startswith("sqlite:///"):
        return Path(url_or_path[len("sqlite:///") :])  # sqlite:////abs/path keeps its leading slash
    return Path(url_or_path)


def _translate(exc: sqlite3.Error) -> Exception:
    """Turn SQLite errors into messages without paths to personal data (there are none)."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return StoreBusy("The referral database is busy (another program has it locked). Try again in a minute.")
    if "readonly" in text or "read-only" in text:
        return StoreUnavailable("The referral database is read-only")
    if "unable to open" in text:
        return StoreUnavailable("The referral database cannot be opened (is its folder missing?)")
    if "disk" in text or "full" in text or "i/o" in text:
        return StoreUnavailable("The referral database cannot be written (disk problem)")
    return StoreUnavailable(f"The referral database failed ({type(exc).__name__})")


def _switch_to_wal(conn: sqlite3.Connection, deadline: float) -> None:
    """Turn on WAL, waiting for a connection that opened the same new file at the same moment.

    SQLite answers "database is locked" at once, without waiting busy_timeout, when two
    connections switch a new file to WAL together, so this waits here instead.
    """
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


class _Connection:
    """One lazily opened connection, reopened after a failure, used by one thread at a time."""

    def __init__(self, path: Path, create: bool, busy_timeout_ms: int = BUSY_TIMEOUT_MS):
        self.path = path
        self.create = create
        self.busy_timeout_ms = busy_timeout_ms
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _open(self) -> sqlite3.Connection:
        if not self.create and not self.path.exists():
            raise StoreUnavailable(f"No referral database at {self.path}")
        if self.create and not self.path.exists() and self.path.parent.is_dir():
            try:  # owner-only from the first byte; SQLite gives -wal/-shm the same mode
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            except FileExistsError:
                pass
        conn = sqlite3.connect(
            f"file:{self.path}?mode={'rwc' if self.create else 'rw'}",
            uri=True,
            timeout=self.busy_timeout_ms / 1000,
            isolation_level=None,
            check_same_thread=False,
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            _switch_to_wal(conn, deadline=time.monotonic() + self.busy_timeout_ms / 1000)
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA secure_delete = ON")
            ensure_schema(conn, create=self.create)  # new tables, or an older database upgraded in place
        except BaseException:
            conn.close()
            raise
        return conn

    @contextmanager
    def transaction(self, read_only: bool = False) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE (the write lock at once), or a plain BEGIN for a read_only one."""
        with self._lock:
            try:
                if self._conn is None:
                    self._conn = self._open()
                conn = self._conn
                conn.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")
                try:
                    yield conn
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except sqlite3.IntegrityError as exc:
                if "UNIQUE constraint failed" in str(exc):
                    raise  # for the caller to tell (a reference already taken)
                raise StoreUnavailable("The referral database refused a row (IntegrityError)") from None
            except sqlite3.Error as exc:
                self._drop()
                raise _translate(exc) from None

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except sqlite3.Error:
                pass
            self._conn = None

    def close(self) -> None:
        with self._lock:
            self._drop()


class SQLiteWriter(WriterBase):
    """The web app's side: add referrals and run the email outbox; cannot read referrals."""

    _dialect = DIALECT

    def __init__(self, path: Path | str):
        self._db = _Connection(database_path(str(path)), create=True)

    def add(self, referral: SealedReferral, notify: bool) -> None:
        try:
            with self._db.transaction() as conn:
                self._insert(conn, referral, notify)
        except sqlite3.IntegrityError as exc:
            if "sent_forms.form_key" in str(exc):
                raise AlreadySent(self.sent_reference(referral.form_key) or "") from None
            if "referrals.reference" in str(exc):
                raise DuplicateReference(referral.reference) from None
            raise StoreUnavailable("The referral database refused a row (IntegrityError)") from None

    def claim_notifications(self, now: float, limit: int, lease_seconds: float) -> list[Notification]:
        with self._db.transaction() as conn:
            rows = conn.execute(
                "SELECT o.id, o.reference, o.attempts, r.flags, r.received_at FROM outbox o"
                " JOIN referrals r ON r.reference = o.reference"
                " WHERE o.sent_at IS NULL AND o.next_attempt_at <= ? ORDER BY o.id LIMIT ?",
                (now, limit),
            ).fetchall()
            conn.executemany(
                "UPDATE outbox SET next_attempt_at = ? WHERE id = ?", [(now + lease_seconds, r[0]) for r in rows]
            )
        return [Notification(r[0], r[1], r[2], flags(r[3]), _parse(r[4])) for r in rows]



class SQLiteAdmin(AdminBase):
    """The intake team's side, used by the CLI on a copy or on the live file."""

    _dialect = DIALECT

    def __init__(self, path: Path | str, busy_timeout_ms: int = 2000):
        self._db = _Connection(database_path(str(path)), create=False, busy_timeout_ms=busy_timeout_ms)



class SQLiteInbox(InboxBase):
    """The staff inbox's side: reads sealed rows, records staff actions (inbox_store.py)."""

    _dialect = DIALECT

    def __init__(self, path: Path | str, create: bool = True):
        self._db = _Connection(database_path(str(path)), create=create)
