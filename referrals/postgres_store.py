"""PostgreSQL implementation of the store, for running several instances on one database.

The same contract as `sqlite_store.py`: a referral and its notification row are written in
one transaction, and the service answers 303 only after COMMIT returned (with
`synchronous_commit` on, so the commit is on disk). A duplicate reference raises
`DuplicateReference`; everything else becomes `StoreUnavailable` or `StoreBusy` with a
fixed message that holds no personal data and no connection details. What both stores
do alike is in `store_common.py`.

Several instances can share the database:
- Notification claims use `SELECT ... FOR UPDATE SKIP LOCKED` and a lease (the row's
  `next_attempt_at` moves past the lease), so two senders never take the same email, and an
  instance that dies holding a lease only delays that email until the lease runs out.
- The first writer to start creates the tables, or upgrades a database made by an earlier
  version in place (postgres_schema.py), under an advisory lock so two instances starting
  together do not race; a writer that finds them current changes nothing (it then needs no
  CREATE privilege: see WRITER_GRANTS).

Connections come from a small pool of our own (one thread uses one connection at a time).
A pooled connection found dead when a transaction starts (the server restarted) is replaced
once, silently: nothing had been sent on it, so nothing can be doubled.

The database is named by a URL: `postgresql://user@host:5432/dbname`, with any libpq
parameter in the query string (`?sslmode=verify-full`, `?options=-csearch_path%3Doxpip`).
Keep passwords out of the URL where you can: libpq reads ~/.pgpass or PGPASSFILE.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Iterator

import psycopg
from psycopg import errors as pg_errors
from psycopg.conninfo import conninfo_to_dict

from . import postgres_schema
from .inbox_store import InboxBase
from .postgres_schema import INBOX_GRANTS, INTAKE_GRANTS, WRITER_GRANTS  # noqa: F401 (documented here)
from .store import AlreadySent, DuplicateReference, Notification, SealedReferral, StoreBusy, StoreUnavailable
from .store_common import AdminBase, Dialect, WriterBase, flags

SCHEMA_LOCK = 0x0A1F_5EED  # pg_advisory_xact_lock key: one schema creator at a time
BUSY_TIMEOUT_MS = 5000  # lock_timeout, and how long to wait for a free pooled connection
STATEMENT_TIMEOUT_MS = 30_000
CONNECT_TIMEOUT_SECONDS = 5
POOL_SIZE = 10

_BUSY = "The referral database is busy (another program holds a lock). Try again in a minute."
_UNREACHABLE = "The referral database cannot be reached (is PostgreSQL running, and the address right?)"


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc)


DIALECT = Dialect(placeholder="%s", to_db=_utc, from_db=_utc)


def is_postgres_url(database: str) -> bool:
    return database.startswith(("postgresql://", "postgres://"))


def safe_url(url: str) -> str:
    """The URL with any password replaced, for messages and logs."""
    scheme, sep, rest = url.partition("://")
    userinfo, at, host = rest.rpartition("@")
    if at and ":" in userinfo:
        userinfo = userinfo.split(":", 1)[0] + ":***"
    return f"{scheme}{sep}{userinfo}{at}{host}"


def _translate(exc: psycopg.Error) -> Exception:
    """A fixed message per kind of failure: never the server's text, which could quote data."""
    state = getattr(exc, "sqlstate", None) or ""
    if state in ("55P03", "40P01", "40001", "57014"):  # lock timeout, deadlock, serialization, statement timeout
        return StoreBusy(_BUSY)
    if state == "25006":
        return StoreUnavailable("The referral database is read-only")
    if state == "53300":
        return StoreBusy("The referral database has too many connections. Try again in a minute.")
    if state.startswith("53"):  # disk full, out of memory
        return StoreUnavailable("The referral database cannot be written (disk or memory problem)")
    if state == "42501":
        return StoreUnavailable("The referral database refused a permission this program needs")
    if state == "42703":
        return StoreUnavailable(
            "The referral database has an older layout: start the service once, or run the upgrade as its owner (docs/referrals.md)"
        )
    if state in ("42P01", "3F000"):
        return StoreUnavailable("The referral database has no referral tables (has the service ever started on it?)")
    if state.startswith(("08", "57P")) or (not state and isinstance(exc, psycopg.OperationalError)):
        text = str(exc).lower()
        if "authentication" in text or "password" in text or 'role "' in text or "pg_hba.conf" in text:
            return StoreUnavailable("The referral database refused the login (check the user and password)")
        if 'database "' in text and "does not exist" in text:
            return StoreUnavailable("The referral database does not exist on that server")
        return StoreUnavailable(_UNREACHABLE)
    return StoreUnavailable(f"The referral database failed ({type(exc).__name__})")


class _Pool:
    """A few autocommit connections, each used by one thread at a time; transactions by hand."""

    def __init__(self, url: str, create: bool, size: int, busy_timeout_ms: int):
        if not is_postgres_url(url):
            raise ValueError("not a postgresql:// URL")
        params = conninfo_to_dict(url)
        params.setdefault("connect_timeout", str(CONNECT_TIMEOUT_SECONDS))
        params.setdefault("application_name", "oxpip-referrals")
        self._params = params
        self.create = create
        self.size = max(1, size)
        self.busy_timeout_ms = busy_timeout_ms
        self._idle: list[psycopg.Connection] = []
        self._open = 0
        self._closed = False
        self._schema_ready = False
        self._cond = threading.Condition()

    # -- connections -------------------------------------------------------------------
    def _connect(self) -> psycopg.Connection:
        try:
            conn = psycopg.connect(**self._params, autocommit=True)
        except psycopg.Error as exc:
            raise _translate(exc) from None
        try:
            conn.execute("SET TIME ZONE 'UTC'")
            conn.execute(f"SET lock_timeout = {int(self.busy_timeout_ms)}")
            conn.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")
            conn.execute("SET idle_in_transaction_session_timeout = 60000")
            if conn.execute("SHOW synchronous_commit").fetchone()[0] == "off":
                conn.execute("SET synchronous_commit = on")  # a 303 promises the row is on disk
            if not self._schema_ready:
                self._ensure_schema(conn)
        except psycopg.Error as exc:
            conn.close()
            raise _translate(exc) from None
        return conn

    def _ensure_schema(self, conn: psycopg.Connection) -> None:
        """Make the tables (a writer only), or upgrade older ones in place (postgres_schema.py)."""
        version = postgres_schema.current_version(conn)
        if (version > 0 or self.create) and version < postgres_schema.VERSION:
            conn.execute("BEGIN")
            try:
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
                postgres_schema.upgrade(conn)
                conn.execute("COMMIT")
            except BaseException:
                if not conn.closed:
                    conn.execute("ROLLBACK")
                raise
        self._schema_ready = True

    def _acquire(self) -> tuple[psycopg.Connection, bool]:
        deadline = time.monotonic() + self.busy_timeout_ms / 1000
        with self._cond:
            while True:
                if self._closed:
                    raise StoreUnavailable("The referral store is closed")
                if self._idle:
                    return self._idle.pop(), True
                if self._open < self.size:
                    self._open += 1
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise StoreBusy("Every connection to the referral database is in use. Try again in a minute.")
                self._cond.wait(remaining)
        try:
            return self._connect(), False
        except BaseException:
            with self._cond:
                self._open -= 1
                self._cond.notify()
            raise

    def _release(self, conn: psycopg.Connection) -> None:
        with self._cond:
            if self._closed or conn.closed or conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                self._open -= 1
                conn.close()
            else:
                self._idle.append(conn)
            self._cond.notify()

    def _discard(self, conn: psycopg.Connection) -> None:
        try:
            conn.close()
        finally:
            with self._cond:
                self._open -= 1
                self._cond.notify()

    # -- transactions ------------------------------------------------------------------
    @contextmanager
    def transaction(self, read_only: bool = False) -> Iterator[psycopg.Connection]:
        """BEGIN ... COMMIT on one pooled connection; a failure rolls back and is translated.

        UniqueViolation is re-raised as it is, for `add` to turn into DuplicateReference.
        """
        for attempt in (1, 2):
            conn, reused = self._acquire()
            try:
                conn.execute("BEGIN READ ONLY" if read_only else "BEGIN")
                break
            except psycopg.OperationalError as exc:
                self._discard(conn)
                if reused and attempt == 1:
                    self._drop_idle()  # the server went away: its other idle connections are dead too
                    continue  # nothing was sent on it; a fresh connection next
                raise _translate(exc) from None
            except BaseException:
                self._discard(conn)
                raise
        try:
            yield conn
            conn.execute("COMMIT")
        except pg_errors.UniqueViolation:
            self._rollback(conn)
            raise
        except psycopg.Error as exc:
            self._rollback(conn)
            raise _translate(exc) from None
        except BaseException:
            self._rollback(conn)
            raise
        else:
            self._release(conn)

    def _rollback(self, conn: psycopg.Connection) -> None:
        try:
            if not conn.closed and conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                conn.execute("ROLLBACK")
        except psycopg.Error:
            self._discard(conn)
            return
        self._release(conn)

    def _drop_idle(self, close: bool = False) -> None:
        """Close the idle connections; with close=True, under the same lock, close the pool too."""
        with self._cond:
            if close:
                self._closed = True
            idle, self._idle = self._idle, []
            self._open -= len(idle)
            self._cond.notify_all()
        for conn in idle:
            try:
                conn.close()
            except psycopg.Error:
                pass

    def close(self) -> None:
        self._drop_idle(close=True)


class PostgresWriter(WriterBase):
    """The web app's side: add referrals and run the email outbox; cannot read referrals."""

    _dialect = DIALECT

    def __init__(self, url: str, pool_size: int = POOL_SIZE, busy_timeout_ms: int = BUSY_TIMEOUT_MS):
        self._db = _Pool(url, create=True, size=pool_size, busy_timeout_ms=busy_timeout_ms)

    def add(self, referral: SealedReferral, notify: bool) -> None:
        try:
            with self._db.transaction() as conn:
                self._insert(conn, referral, notify)
        except pg_errors.UniqueViolation as exc:
            if exc.diag.constraint_name == "sent_forms_pkey":
                raise AlreadySent(self.sent_reference(referral.form_key) or "") from None
            if exc.diag.constraint_name == "referrals_pkey":
                raise DuplicateReference(referral.reference) from None
            raise StoreUnavailable("The referral database refused a row (UniqueViolation)") from None

    def claim_notifications(self, now: float, limit: int, lease_seconds: float) -> list[Notification]:
        with self._db.transaction() as conn:
            rows = conn.execute(
                "WITH due AS ("
                "  SELECT id FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= %s"
                "  ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)"
                " UPDATE outbox o SET next_attempt_at = %s FROM due, referrals r"
                " WHERE o.id = due.id AND r.reference = o.reference"
                " RETURNING o.id, o.reference, o.attempts, r.flags, r.received_at",
                (now, limit, now + lease_seconds),
            ).fetchall()
        rows.sort(key=lambda r: r[0])
        return [Notification(r[0], r[1], r[2], flags(r[3]), _utc(r[4])) for r in rows]



class PostgresAdmin(AdminBase):
    """The intake team's side, used by the CLI; never creates tables."""

    _dialect = DIALECT

    def __init__(self, url: str, busy_timeout_ms: int = 2000):
        self._db = _Pool(url, create=False, size=1, busy_timeout_ms=busy_timeout_ms)



class PostgresInbox(InboxBase):
    """The staff inbox's side (inbox_store.py); never creates tables."""

    _dialect = DIALECT

    def __init__(self, url: str, pool_size: int = 5, busy_timeout_ms: int = BUSY_TIMEOUT_MS):
        self._db = _Pool(url, create=False, size=pool_size, busy_timeout_ms=busy_timeout_ms)
