"""Where 'Was this page helpful?' answers are kept: one table, `feedback`, in the referral
database (SQLite or PostgreSQL, whichever REFERRALS_DATABASE names).

A row holds the page (a path of the built site), yes or no, the day (YYYY-MM-DD, in the
charity's time zone, no time of day) and, if a comment was written, the comment masked
and sealed to the intake team's key (`key_id`, `sealed`). No IP address, no cookie, no
time of day, nothing that links an answer to a visit or to a referral.

The service gets a `FeedbackWriter` (it can add rows, never read them); staff get a
`FeedbackAdmin` (counts per page, sealed comments, purge). The table is created by its own
CREATE TABLE statement the first time the service writes; an admin on a database with no
feedback yet sees none. Connections are the referral stores' own (`sqlite_store`,
`postgres_store`): the same locking, time-outs and error messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Iterator

from .store import StoreError
from .stores import is_postgres

SQLITE_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS feedback (
    id          INTEGER PRIMARY KEY,
    received_on TEXT NOT NULL,
    page        TEXT NOT NULL,
    helpful     TEXT NOT NULL CHECK (helpful IN ('yes', 'no')),
    key_id      TEXT,
    sealed      BLOB
)""",
    "CREATE INDEX IF NOT EXISTS feedback_page ON feedback (page, received_on)",
)

POSTGRES_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_on date NOT NULL,
    page        text NOT NULL,
    helpful     text NOT NULL CHECK (helpful IN ('yes', 'no')),
    key_id      text,
    sealed      bytea
);
CREATE INDEX IF NOT EXISTS feedback_page ON feedback (page, received_on);
"""

# PostgreSQL roles (docs/referrals.md): the service may only add rows; staff may read and
# delete them. Run as the table's owner with {schema} and {role} filled in.
FEEDBACK_WRITER_GRANTS = """
GRANT USAGE ON SCHEMA {schema} TO {role};
GRANT INSERT ON feedback TO {role};
"""
FEEDBACK_INTAKE_GRANTS = """
GRANT USAGE ON SCHEMA {schema} TO {role};
GRANT SELECT, DELETE ON feedback TO {role};
"""
SCHEMA_LOCK = 0x0A1F_FEED  # pg_advisory_xact_lock key: one creator of the feedback table at a time


@dataclass(frozen=True)
class Feedback:
    received_on: date  # the charity's day
    page: str
    helpful: str  # "yes" or "no"
    key_id: str | None = None
    sealed: bytes | None = None  # the masked comment, sealed; None if there was no comment


@dataclass(frozen=True)
class PageCount:
    page: str
    yes: int
    no: int
    comments: int


class _Base:
    """The SQL both databases share, written with ? for each parameter."""

    def __init__(self, db: Any, postgres: bool):
        self._db = db
        self._postgres = postgres

    def _sql(self, query: str) -> str:
        return query.replace("?", "%s") if self._postgres else query

    def _day_arg(self, day: date):
        return day if self._postgres else day.isoformat()

    def _table_exists(self, conn) -> bool:
        if self._postgres:
            return conn.execute("SELECT to_regclass('feedback') IS NOT NULL").fetchone()[0]
        return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'feedback'").fetchone() is not None

    def close(self) -> None:
        self._db.close()


class FeedbackWriter(_Base):
    """The service's side: add an answer. It cannot read any back."""

    def __init__(self, db: Any, postgres: bool):
        super().__init__(db, postgres)
        self._ready = False

    def _ensure_table(self, conn) -> None:
        if self._ready or self._table_exists(conn):
            self._ready = True
            return
        if self._postgres:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            conn.execute(POSTGRES_SCHEMA)
        else:
            for statement in SQLITE_SCHEMA:
                conn.execute(statement)
        self._ready = True

    def add(self, item: Feedback) -> None:
        """Store one answer in its own transaction; StoreError (a safe message) on failure."""
        with self._db.transaction() as conn:
            self._ensure_table(conn)
            conn.execute(
                self._sql("INSERT INTO feedback (received_on, page, helpful, key_id, sealed) VALUES (?, ?, ?, ?, ?)"),
                (self._day_arg(item.received_on), item.page, item.helpful, item.key_id, item.sealed),
            )


class FeedbackAdmin(_Base):
    """Staff's side (the CLI, and the inbox when it shows feedback)."""

    def counts(self, since: date | None = None, until: date | None = None) -> list[PageCount]:
        """Yes, no and comments per page between two days (inclusive), most answers first."""
        where, args = self._between(since, until)
        with self._db.transaction(read_only=True) as conn:
            if not self._table_exists(conn):
                return []
            rows = conn.execute(self._sql(
                "SELECT page, SUM(CASE WHEN helpful = 'yes' THEN 1 ELSE 0 END),"
                " SUM(CASE WHEN helpful = 'no' THEN 1 ELSE 0 END), COUNT(sealed)"
                f" FROM feedback{where} GROUP BY page ORDER BY COUNT(*) DESC, page"), args).fetchall()
        return [PageCount(r[0], int(r[1]), int(r[2]), int(r[3])) for r in rows]

    def sealed_comments(self, since: date | None = None, until: date | None = None,
                        page: str | None = None) -> Iterator[Feedback]:
        """Every answer with a comment, oldest first; the comment still sealed."""
        where, args = self._between(since, until, page)
        where += (" AND" if where else " WHERE") + " sealed IS NOT NULL"
        with self._db.transaction(read_only=True) as conn:
            if not self._table_exists(conn):
                return iter(())
            rows = conn.execute(self._sql(
                f"SELECT received_on, page, helpful, key_id, sealed FROM feedback{where} ORDER BY received_on, id"),
                args).fetchall()
        return iter([Feedback(_day(r[0]), r[1], r[2], r[3], bytes(r[4])) for r in rows])

    def purge(self, before: date) -> int:
        """Delete every answer from before this day; returns how many."""
        with self._db.transaction() as conn:
            if not self._table_exists(conn):
                return 0
            return conn.execute(self._sql("DELETE FROM feedback WHERE received_on < ?"),
                                (self._day_arg(before),)).rowcount

    def _between(self, since, until, page=None) -> tuple[str, tuple]:
        parts, args = [], []
        if since:
            parts.append("received_on >= ?")
            args.append(self._day_arg(since))
        if until:
            parts.append("received_on <= ?")
            args.append(self._day_arg(until))
        if page:
            parts.append("page = ?")
            args.append(page)
        return (" WHERE " + " AND ".join(parts) if parts else ""), tuple(args)


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def open_feedback_writer(database: str) -> FeedbackWriter:
    """The service's feedback store on the referral database (connects lazily)."""
    if is_postgres(database):
        from .postgres_store import _Pool

        return FeedbackWriter(_Pool(database, create=True, size=2, busy_timeout_ms=5000), postgres=True)
    from .sqlite_store import _Connection, database_path

    return FeedbackWriter(_Connection(database_path(database), create=True), postgres=False)


def open_feedback_admin(database: str) -> FeedbackAdmin:
    """Staff's feedback store (never creates a table or a file)."""
    if is_postgres(database):
        from .postgres_store import _Pool

        return FeedbackAdmin(_Pool(database, create=False, size=1, busy_timeout_ms=2000), postgres=True)
    from .sqlite_store import _Connection, database_path

    path = database_path(database)
    if not path.exists():
        raise StoreError(f"No referral database at {path} (use --database PATH or set REFERRALS_DATABASE)")
    return FeedbackAdmin(_Connection(path, create=False, busy_timeout_ms=2000), postgres=False)
