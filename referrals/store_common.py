"""What the SQLite and PostgreSQL stores do alike, written once.

Each store keeps what is its own in its own file: the schema, connections, error mapping,
the notification claim (PostgreSQL's uses FOR UPDATE SKIP LOCKED), and how `add` tells a
duplicate reference. The rows `add` writes, the health check that writes the same rows, the
outbox bookkeeping, the retention purge with its clock check, and the intake team's reads
and marks are here.

The SQL here is written with `?` for each parameter; a store's `Dialect` turns that into
its driver's style (psycopg takes `%s`) and says how it stores a timestamp. A store object
holds `_db`, whose `transaction(read_only=False)` gives a connection with `execute`.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, ClassVar, Iterator, Sequence

from . import clock
from .store import CLOSED_STATUSES, PurgeResult, ReferralSummary, SealedReferral

# Retention's clock check (retention.py explains the rules).
CLOCK_TOLERANCE = timedelta(minutes=10)  # a clock this far behind the newest stored time is fine
MAX_CLOCK_GAP = timedelta(days=7)  # more than this since the last check or stored time: a jump

# The health check writes a sealed row this big: at least the largest referral the form can
# produce (every answer at its longest, in 4-byte characters; a test checks the bound).
HEALTH_PROBE_BYTES = 32 * 1024
# How long a sent form is recognised if it is sent again (its key and reference, nothing else).
SENT_FORMS_KEPT_DAYS = 7


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


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat()


class RetentionBase:
    """`purge`: delete referrals closed longer ago than the retention period, if the clock is sane.

    Never deletes a referral that is still open (new or contacted), nor one closed before it
    was received (a clock was wrong then). Stops, deleting nothing, when `now` is behind the
    newest time stored in the database, or more than MAX_CLOCK_GAP past both the last check
    and the newest stored time; the stop is kept in `service_state` and every later run
    stops too, until a person confirms the clock (`clock_is_right=True`, the CLI's
    `purge --clock-is-right`).
    """

    _dialect: ClassVar[Dialect]
    _db: Any

    def purge(self, now: datetime, retention_days: int, clock_is_right: bool = False) -> PurgeResult:
        if retention_days < 1:
            raise ValueError("retention_days must be at least 1")
        sql, to_db = self._dialect.sql, self._dialect.to_db
        cutoff = now - timedelta(days=retention_days)
        with self._db.transaction() as conn:
            newest = self._newest_stored_time(conn)
            state = dict(conn.execute("SELECT name, value FROM service_state WHERE name LIKE 'retention_%'").fetchall())
            if clock_is_right:  # a person checked the clock: go by it, and lift any stop
                conn.execute("DELETE FROM service_state WHERE name = 'retention_stopped'")
                stop = None
            else:
                stop = self._clock_stop(now, newest, state)
            if stop:
                if "retention_stopped" not in state:
                    self._set_state(conn, "retention_stopped", json.dumps(stop))
                return PurgeResult(
                    stopped=stop["kind"],
                    stopped_since=datetime.fromisoformat(stop["now"]),
                    clock_reference=datetime.fromisoformat(stop["reference"]),
                    now=now,
                )
            closed = ", ".join(f"'{s}'" for s in CLOSED_STATUSES)
            deleted = conn.execute(
                sql(
                    f"DELETE FROM referrals WHERE status IN ({closed}) AND handled_at < ? AND handled_at >= received_at"
                    " RETURNING reference"
                ),
                (to_db(cutoff),),
            ).fetchall()
            kept_open = conn.execute(
                sql(f"SELECT reference FROM referrals WHERE status NOT IN ({closed}) AND received_at < ? ORDER BY received_at"),
                (to_db(cutoff),),
            ).fetchall()
            odd = conn.execute(
                sql(f"SELECT reference FROM referrals WHERE status IN ({closed}) AND handled_at < ? AND handled_at < received_at"),
                (to_db(cutoff),),
            ).fetchall()
            self._set_state(conn, "retention_checked_at", _iso(now))
        return PurgeResult(
            deleted=tuple(sorted(r[0] for r in deleted)),
            kept_open=tuple(r[0] for r in kept_open),
            kept_odd_times=tuple(sorted(r[0] for r in odd)),
            now=now,
        )

    @staticmethod
    def _clock_stop(now: datetime, newest: datetime | None, state: dict[str, str]) -> dict | None:
        """Why the purge must stop, as {"kind", "now", "reference"} (ISO times), or None if the clock looks sane."""
        if "retention_stopped" in state:
            return json.loads(state["retention_stopped"])  # held until a person confirms the clock
        if newest and now < newest - CLOCK_TOLERANCE:
            return {"kind": "behind", "now": _iso(now), "reference": _iso(newest)}
        checked = datetime.fromisoformat(state["retention_checked_at"]) if "retention_checked_at" in state else None
        last = max((t for t in (checked, newest) if t), default=None)
        if last and now - last > MAX_CLOCK_GAP:
            return {"kind": "ahead", "now": _iso(now), "reference": _iso(last)}
        return None

    def _newest_stored_time(self, conn: Any) -> datetime | None:
        row = conn.execute(
            "SELECT max(t) FROM ("
            " SELECT max(received_at) AS t FROM referrals UNION ALL SELECT max(handled_at) FROM referrals"
            " UNION ALL SELECT max(updated_at) FROM referrals UNION ALL SELECT max(sent_at) FROM outbox"
            " UNION ALL SELECT max(created_at) FROM notes UNION ALL SELECT max(at) FROM audit) AS times"
        ).fetchone()
        return self._dialect.from_db(row[0]) if row and row[0] is not None else None

    def _set_state(self, conn: Any, name: str, value: str) -> None:
        sql = self._dialect.sql
        if conn.execute(sql("UPDATE service_state SET value = ? WHERE name = ?"), (value, name)).rowcount == 0:
            conn.execute(sql("INSERT INTO service_state (name, value) VALUES (?, ?)"), (name, value))


class WriterBase(RetentionBase):
    """The web app's side (ReferralWriter), as far as both stores do it alike."""

    _dialect: ClassVar[Dialect]
    _db: Any

    def _insert(self, conn: Any, referral: SealedReferral, notify: bool) -> None:
        """The referral and, if notify, its outbox row, in the caller's transaction."""
        conn.execute(
            self._dialect.sql(
                "INSERT INTO referrals (reference, received_at, key_id, sealed, flags, recovery_key_id, recovery_sealed)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)"
            ),
            (
                referral.reference,
                self._dialect.to_db(referral.received_at),
                referral.key_id,
                referral.sealed,
                ",".join(referral.flags),
                referral.recovery_key_id,
                referral.recovery_sealed,
            ),
        )
        if notify:
            conn.execute(self._dialect.sql("INSERT INTO outbox (reference, next_attempt_at) VALUES (?, 0)"), (referral.reference,))
        if referral.form_key:
            kept_from = referral.received_at - timedelta(days=SENT_FORMS_KEPT_DAYS)
            conn.execute(self._dialect.sql("DELETE FROM sent_forms WHERE sent_at < ?"), (self._dialect.to_db(kept_from),))
            conn.execute(
                self._dialect.sql("INSERT INTO sent_forms (form_key, reference, sent_at) VALUES (?, ?, ?)"),
                (referral.form_key, referral.reference, self._dialect.to_db(referral.received_at)),
            )

    def sent_reference(self, form_key: str) -> str | None:
        kept_from = clock.utc_now() - timedelta(days=SENT_FORMS_KEPT_DAYS)
        with self._db.transaction(read_only=True) as conn:
            row = conn.execute(
                self._dialect.sql("SELECT reference FROM sent_forms WHERE form_key = ? AND sent_at >= ?"),
                (form_key, self._dialect.to_db(kept_from)),
            ).fetchone()
        return row[0] if row else None

    def check(self, notify: bool = True) -> None:
        """Prove a referral could be stored now, or raise StoreError (StoreUnavailable, StoreBusy).

        Writes what `add` writes (a sealed row as big as the largest referral, sealed to two
        keys as with a recovery key, its email row when `notify`, and its form key), deletes
        it in the same transaction and commits, so the bytes really go to disk (SQLite writes
        its WAL only at COMMIT) and nothing is left behind:
        no reader or email sender ever sees the row. Fails exactly when a parent's post would:
        full disk, file-size limit, read-only database, a refused permission, a broken table.
        """
        probe = SealedReferral(
            reference=f"HEALTH-{secrets.token_hex(4)}",  # never a real reference (XXXX-XXXX)
            received_at=clock.utc_now(),
            key_id="health-check",
            sealed=secrets.token_bytes(HEALTH_PROBE_BYTES),  # random: no store can shrink it
            flags=("health-check",),
            recovery_key_id="health-check",  # as if a recovery key were set: the most a referral writes
            recovery_sealed=secrets.token_bytes(HEALTH_PROBE_BYTES),
            form_key=f"health-check-{secrets.token_hex(8)}",
        )
        with self._db.transaction() as conn:
            self._insert(conn, probe, notify)
            conn.execute(self._dialect.sql("DELETE FROM referrals WHERE reference = ?"), (probe.reference,))

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


class AdminBase(RetentionBase):
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

    def sealed_copies(self, status: str | None = None) -> list[tuple[ReferralSummary, dict[str, bytes]]]:
        """(summary, {key id: ciphertext}) for each referral, oldest first: the team key's copy
        and, when a recovery key was set, the recovery key's copy."""
        query = (
            "SELECT reference, key_id, sealed, recovery_key_id, recovery_sealed FROM referrals"
            + (" WHERE status = ?" if status else "")
        )
        with self._db.transaction(read_only=True) as conn:
            copies = {
                r[0]: {r[1]: bytes(r[2]), **({r[3]: bytes(r[4])} if r[3] and r[4] is not None else {})}
                for r in conn.execute(self._dialect.sql(query), (status,) if status else ()).fetchall()
            }
        return [(summary, copies[summary.reference]) for summary in self.list(status) if summary.reference in copies]

    def mark_handled(self, references: Sequence[str], now: datetime, staff_id: str = "cli") -> list[str]:
        """Close referrals as handled, with an audit row each; returns the references not found."""
        missing = []
        sql, at = self._dialect.sql, self._dialect.to_db(now)
        with self._db.transaction() as conn:
            for ref in references:
                row = conn.execute(sql("SELECT status FROM referrals WHERE reference = ?"), (ref,)).fetchone()
                if row is None:
                    missing.append(ref)
                    continue
                conn.execute(
                    sql("UPDATE referrals SET status = 'handled', handled_at = ?, updated_at = ? WHERE reference = ?"),
                    (at, at, ref),
                )
                conn.execute(
                    sql("INSERT INTO audit (at, staff_id, action, reference, detail) VALUES (?, ?, 'status', ?, ?)"),
                    (at, staff_id, ref, f"{row[0]} -> handled"),
                )
        return missing

    def close(self) -> None:
        self._db.close()
