"""What the SQLite and PostgreSQL stores do alike, written once.

Each store keeps what is its own in its own file: the schema, connections, error mapping,
the notification claim (PostgreSQL's uses FOR UPDATE SKIP LOCKED), `purge`, `check`, and
how `add` tells a duplicate reference. The rows `add` writes, the outbox bookkeeping and
the intake team's reads and marks are here.

The SQL here is written with `?` for each parameter; a store's `Dialect` turns that into
its driver's style (psycopg takes `%s`) and says how it stores a timestamp. A store object
holds `_db`, whose `transaction(read_only=False)` gives a connection with `execute`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, ClassVar, Iterator, Sequence

from .store import ReferralSummary, SealedReferral


@dataclass(frozen=True)
class Dialect:
    placeholder: str  # one parameter in the driver's style: "?" (sqlite3) or "%s" (psycopg)
    to_db: Callable[[datetime], Any]  # a datetime as the database stores it
    from_db: Callable[[Any], datetime]  # a stored timestamp as an aware UTC datetime

    def sql(self, query: str) -> str:
        """`query`, written with ? for each parameter (and no other ? or %), in the driver's style."""
        return query.replace("?", self.placeholder)


def flags(text: str) -> tuple[str, ...]:
    """The flags column ("fast,honeypot") as a tuple."""
    return tuple(f for f in text.split(",") if f)


class WriterBase:
    """The web app's side (ReferralWriter), as far as both stores do it alike."""

    _dialect: ClassVar[Dialect]
    _db: Any

    def _insert(self, conn: Any, referral: SealedReferral, notify: bool) -> None:
        """The referral and, if notify, its outbox row, in the caller's transaction."""
        conn.execute(
            self._dialect.sql("INSERT INTO referrals (reference, received_at, key_id, sealed, flags) VALUES (?, ?, ?, ?, ?)"),
            (
                referral.reference,
                self._dialect.to_db(referral.received_at),
                referral.key_id,
                referral.sealed,
                ",".join(referral.flags),
            ),
        )
        if notify:
            conn.execute(self._dialect.sql("INSERT INTO outbox (reference, next_attempt_at) VALUES (?, 0)"), (referral.reference,))

    def notification_sent(self, notification_id: int, now: datetime) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                self._dialect.sql("UPDATE outbox SET sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?"),
                (self._dialect.to_db(now), notification_id),
            )

    def notification_failed(self, notification_id: int, retry_at: float, error_kind: str) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                self._dialect.sql("UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?"),
                (retry_at, error_kind[:100], notification_id),
            )

    def close(self) -> None:
        self._db.close()


class AdminBase:
    """The intake team's side (ReferralAdmin), as far as both stores do it alike."""

    _dialect: ClassVar[Dialect]
    _db: Any

    def list(self, status: str | None = None) -> list[ReferralSummary]:
        return [summary for summary, _, _ in self._rows(status, with_sealed=False)]

    def sealed(self, status: str | None = None) -> Iterator[tuple[ReferralSummary, str, bytes]]:
        return iter(self._rows(status, with_sealed=True))

    def _rows(self, status: str | None, with_sealed: bool) -> list[tuple[ReferralSummary, str, bytes]]:
        query = (
            "SELECT r.reference, r.received_at, r.status, r.flags, r.key_id,"
            f" {'r.sealed' if with_sealed else 'NULL'},"
            " EXISTS (SELECT 1 FROM outbox o WHERE o.reference = r.reference AND o.sent_at IS NOT NULL)"
            " FROM referrals r"
        )
        args: tuple = ()
        if status:
            query += " WHERE r.status = ?"
            args = (status,)
        with self._db.transaction(read_only=True) as conn:
            rows = conn.execute(self._dialect.sql(query + " ORDER BY r.received_at, r.reference"), args).fetchall()
        return [
            (
                ReferralSummary(r[0], self._dialect.from_db(r[1]), r[2], flags(r[3]), bool(r[6])),
                r[4],
                bytes(r[5]) if r[5] is not None else None,
            )
            for r in rows
        ]

    def mark_handled(self, references: Sequence[str], now: datetime) -> list[str]:
        missing = []
        with self._db.transaction() as conn:
            for ref in references:
                cur = conn.execute(
                    self._dialect.sql("UPDATE referrals SET status = 'handled', handled_at = ? WHERE reference = ?"),
                    (self._dialect.to_db(now), ref),
                )
                if cur.rowcount == 0:
                    missing.append(ref)
        return missing

    def close(self) -> None:
        self._db.close()
