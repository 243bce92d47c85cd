"""The staff inbox's store: sealed rows to read, and every staff action recorded.

`InboxBase` holds the SQL both stores share (written with `?`, turned into each driver's
style by its Dialect, as in store_common.py); `SQLiteInbox` and `PostgresInbox` only say
how to connect. The inbox can read sealed referrals and notes (they are ciphertext: the
browser opens them), change statuses and assignees, add sealed notes, sign staff in, and
append to the audit log. It cannot add or delete a referral.

Every change to a referral writes its audit row in the same transaction. Times are aware
UTC datetimes. Staff ids are short names an administrator chooses (`staff add sam`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from .store import CLOSED_STATUSES, STATUSES, StoreError
from .store_common import Dialect, flags


class NotFound(StoreError):
    """No referral, staff member or session with that id (the message names the id)."""


@dataclass(frozen=True)
class InboxReferral:
    reference: str
    received_at: datetime
    status: str
    flags: tuple[str, ...]  # spam signals, plain metadata
    assignee: str | None
    updated_at: datetime | None
    copies: dict[str, bytes]  # key id -> sealed document (team key, and recovery key if set)


@dataclass(frozen=True)
class SealedNote:
    id: int
    reference: str
    staff_id: str
    created_at: datetime
    copies: dict[str, bytes]


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    staff_id: str | None
    action: str
    reference: str | None
    detail: str


@dataclass(frozen=True)
class StaffMember:
    id: str
    name: str
    created_at: datetime
    removed_at: datetime | None
    password_hash: str | None
    totp_secret: str | None
    totp_last_step: int
    signup_expires_at: datetime | None
    last_sign_in_at: datetime | None
    passkeys: int

    @property
    def active(self) -> bool:
        return self.removed_at is None

    @property
    def signed_up(self) -> bool:
        return bool(self.password_hash or self.passkeys)


@dataclass(frozen=True)
class Passkey:
    credential_id: bytes
    staff_id: str
    public_key: bytes
    sign_count: int


@dataclass(frozen=True)
class Session:
    id_hash: str
    staff_id: str | None  # None: not signed in yet (holds the sign-in form's CSRF token and challenge)
    csrf: str
    challenge: str | None
    created_at: datetime
    seen_at: datetime


_STAFF_COLUMNS = (
    "s.id, s.name, s.created_at, s.removed_at, s.password_hash, s.totp_secret, s.totp_last_step,"
    " s.signup_expires_at, s.last_sign_in_at, (SELECT count(*) FROM passkeys p WHERE p.staff_id = s.id)"
)


class InboxBase:
    _dialect: ClassVar[Dialect]
    _db: Any

    # -- helpers -------------------------------------------------------------------------
    def _q(self, conn, query: str, args: tuple = ()):
        return conn.execute(self._dialect.sql(query), args)

    def _t(self, value) -> datetime | None:
        return None if value is None else self._dialect.from_db(value)

    def _audit(self, conn, now: datetime, staff_id: str | None, action: str, reference: str | None, detail: str) -> None:
        self._q(
            conn,
            "INSERT INTO audit (at, staff_id, action, reference, detail) VALUES (?, ?, ?, ?, ?)",
            (self._dialect.to_db(now), staff_id, action, reference, detail),
        )

    def _referral(self, row) -> InboxReferral:
        copies = {row[6]: bytes(row[7])}
        if row[8] and row[9] is not None:
            copies[row[8]] = bytes(row[9])
        return InboxReferral(row[0], self._t(row[1]), row[2], flags(row[3]), row[4], self._t(row[5]), copies)

    _REFERRAL_SELECT = (
        "SELECT reference, received_at, status, flags, assignee, updated_at, key_id, sealed,"
        " recovery_key_id, recovery_sealed FROM referrals"
    )

    # -- referrals -----------------------------------------------------------------------
    def referrals(self, status: str | None = None) -> list[InboxReferral]:
        """Every referral (or those with `status`), newest first, with its sealed copies."""
        query = self._REFERRAL_SELECT + (" WHERE status = ?" if status else "") + " ORDER BY received_at DESC, reference"
        with self._db.transaction(read_only=True) as conn:
            return [self._referral(r) for r in self._q(conn, query, (status,) if status else ()).fetchall()]

    def referral(self, reference: str) -> InboxReferral:
        with self._db.transaction(read_only=True) as conn:
            row = self._q(conn, self._REFERRAL_SELECT + " WHERE reference = ?", (reference,)).fetchone()
        if row is None:
            raise NotFound(f"No referral with reference {reference}")
        return self._referral(row)

    def notes(self, reference: str) -> list[SealedNote]:
        with self._db.transaction(read_only=True) as conn:
            rows = self._q(
                conn,
                "SELECT id, reference, staff_id, created_at, key_id, sealed, recovery_key_id, recovery_sealed"
                " FROM notes WHERE reference = ? ORDER BY id",
                (reference,),
            ).fetchall()
        return [
            SealedNote(r[0], r[1], r[2], self._t(r[3]), {r[4]: bytes(r[5]), **({r[6]: bytes(r[7])} if r[6] else {})})
            for r in rows
        ]

    def set_status(self, reference: str, status: str, staff_id: str, now: datetime) -> str:
        """Move a referral to `status`; closing stamps handled_at, reopening clears it. Returns the old status."""
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        at = self._dialect.to_db(now)
        with self._db.transaction() as conn:
            row = self._q(conn, "SELECT status FROM referrals WHERE reference = ?", (reference,)).fetchone()
            if row is None:
                raise NotFound(f"No referral with reference {reference}")
            old = row[0]
            if old != status:
                handled = at if status in CLOSED_STATUSES else None
                self._q(
                    conn,
                    "UPDATE referrals SET status = ?, handled_at = ?, updated_at = ? WHERE reference = ?",
                    (status, handled, at, reference),
                )
                self._audit(conn, now, staff_id, "status", reference, f"{old} -> {status}")
        return old

    def assign(self, reference: str, assignee: str | None, staff_id: str, now: datetime) -> None:
        """Give a referral to an active staff member (or to nobody, with None)."""
        at = self._dialect.to_db(now)
        with self._db.transaction() as conn:
            if assignee is not None:
                ok = self._q(conn, "SELECT 1 FROM staff WHERE id = ? AND removed_at IS NULL", (assignee,)).fetchone()
                if not ok:
                    raise NotFound(f"No staff member {assignee}")
            if self._q(conn, "SELECT 1 FROM referrals WHERE reference = ?", (reference,)).fetchone() is None:
                raise NotFound(f"No referral with reference {reference}")
            self._q(conn, "UPDATE referrals SET assignee = ?, updated_at = ? WHERE reference = ?", (assignee, at, reference))
            self._audit(conn, now, staff_id, "assigned", reference, f"to {assignee}" if assignee else "to nobody")

    def add_note(self, reference: str, copies: dict[str, bytes], staff_id: str, now: datetime) -> int:
        """Store a note sealed in the browser: {team key id: sealed, recovery key id: sealed}."""
        (key_id, sealed), *rest = copies.items()
        recovery_id, recovery = rest[0] if rest else (None, None)
        with self._db.transaction() as conn:
            if self._q(conn, "SELECT 1 FROM referrals WHERE reference = ?", (reference,)).fetchone() is None:
                raise NotFound(f"No referral with reference {reference}")
            row = self._q(
                conn,
                "INSERT INTO notes (reference, staff_id, created_at, key_id, sealed, recovery_key_id, recovery_sealed)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (reference, staff_id, self._dialect.to_db(now), key_id, sealed, recovery_id, recovery),
            ).fetchone()
            self._audit(conn, now, staff_id, "note", reference, "sealed note added")
        return row[0]

    # -- audit ---------------------------------------------------------------------------
    def record(self, action: str, staff_id: str | None, now: datetime, reference: str | None = None, detail: str = "") -> None:
        """Append an audit row on its own (sign-in, opened, export, staff changes)."""
        with self._db.transaction() as conn:
            self._audit(conn, now, staff_id, action, reference, detail)

    def audit_trail(self, reference: str | None = None, since: datetime | None = None) -> list[AuditEntry]:
        """Audit rows, oldest first: one referral's, or every row (since a time, if given)."""
        query, args = "SELECT id, at, staff_id, action, reference, detail FROM audit", []
        where = []
        if reference:
            where.append("reference = ?")
            args.append(reference)
        if since:
            where.append("at >= ?")
            args.append(self._dialect.to_db(since))
        if where:
            query += " WHERE " + " AND ".join(where)
        with self._db.transaction(read_only=True) as conn:
            rows = self._q(conn, query + " ORDER BY id", tuple(args)).fetchall()
        return [AuditEntry(r[0], self._t(r[1]), r[2], r[3], r[4], r[5]) for r in rows]

    def failures_since(self, since: datetime, staff_id: str) -> int:
        """Failed sign-ins for one account since a time (the per-account limit, shared by instances)."""
        with self._db.transaction(read_only=True) as conn:
            row = self._q(
                conn,
                "SELECT count(*) FROM audit WHERE action = 'sign-in-failed' AND staff_id = ? AND at >= ?",
                (staff_id, self._dialect.to_db(since)),
            ).fetchone()
        return int(row[0])

    # -- staff ---------------------------------------------------------------------------
    def staff_member(self, staff_id: str) -> StaffMember | None:
        with self._db.transaction(read_only=True) as conn:
            row = self._q(conn, f"SELECT {_STAFF_COLUMNS} FROM staff s WHERE s.id = ?", (staff_id,)).fetchone()
        return self._staff(row) if row else None

    def staff(self, include_removed: bool = False) -> list[StaffMember]:
        query = f"SELECT {_STAFF_COLUMNS} FROM staff s" + ("" if include_removed else " WHERE s.removed_at IS NULL")
        with self._db.transaction(read_only=True) as conn:
            return [self._staff(r) for r in self._q(conn, query + " ORDER BY s.id").fetchall()]

    def _staff(self, r) -> StaffMember:
        return StaffMember(
            r[0], r[1], self._t(r[2]), self._t(r[3]), r[4], r[5], int(r[6]), self._t(r[7]), self._t(r[8]), int(r[9])
        )

    def staff_by_signup(self, signup_hash: str, now: datetime) -> StaffMember | None:
        """The member a sign-up link belongs to, if the link is unused, unexpired and they are active."""
        with self._db.transaction(read_only=True) as conn:
            row = self._q(
                conn,
                f"SELECT {_STAFF_COLUMNS} FROM staff s WHERE s.signup_hash = ? AND s.removed_at IS NULL"
                " AND s.signup_expires_at > ?",
                (signup_hash, self._dialect.to_db(now)),
            ).fetchone()
        return self._staff(row) if row else None

    def add_staff(self, staff_id: str, name: str, signup_hash: str, expires: datetime, now: datetime, by: str) -> None:
        with self._db.transaction() as conn:
            if self._q(conn, "SELECT 1 FROM staff WHERE id = ?", (staff_id,)).fetchone():
                raise StoreError(f"Staff id {staff_id} is taken (ids are never reused, even after `staff remove`)")
            self._q(
                conn,
                "INSERT INTO staff (id, name, created_at, signup_hash, signup_expires_at) VALUES (?, ?, ?, ?, ?)",
                (staff_id, name, self._dialect.to_db(now), signup_hash, self._dialect.to_db(expires)),
            )
            self._audit(conn, now, by, "staff-added", None, f"{staff_id}")

    def reset_staff(self, staff_id: str, signup_hash: str, expires: datetime, now: datetime, by: str) -> None:
        """Forget a member's password, code and passkeys, sign them out, and issue a new sign-up link."""
        with self._db.transaction() as conn:
            self._require_active(conn, staff_id)
            self._forget_credentials(conn, staff_id)
            self._q(
                conn,
                "UPDATE staff SET signup_hash = ?, signup_expires_at = ? WHERE id = ?",
                (signup_hash, self._dialect.to_db(expires), staff_id),
            )
            self._audit(conn, now, by, "staff-reset", None, staff_id)

    def remove_staff(self, staff_id: str, now: datetime, by: str) -> None:
        """Remove a member: signed out, no way to sign in; the id stays in the audit log."""
        with self._db.transaction() as conn:
            self._require_active(conn, staff_id)
            self._forget_credentials(conn, staff_id)
            self._q(conn, "UPDATE staff SET removed_at = ?, signup_hash = NULL WHERE id = ?", (self._dialect.to_db(now), staff_id))
            self._audit(conn, now, by, "staff-removed", None, staff_id)

    def _require_active(self, conn, staff_id: str) -> None:
        if not self._q(conn, "SELECT 1 FROM staff WHERE id = ? AND removed_at IS NULL", (staff_id,)).fetchone():
            raise NotFound(f"No staff member {staff_id}")

    def _forget_credentials(self, conn, staff_id: str) -> None:
        self._q(conn, "DELETE FROM passkeys WHERE staff_id = ?", (staff_id,))
        self._q(conn, "DELETE FROM sessions WHERE staff_id = ?", (staff_id,))
        self._q(
            conn,
            "UPDATE staff SET password_hash = NULL, totp_secret = NULL, totp_last_step = 0 WHERE id = ?",
            (staff_id,),
        )

    def finish_signup_with_password(self, staff_id: str, signup_hash: str, password_hash: str, totp_secret: str,
                                    totp_step: int, now: datetime) -> bool:
        """Use the sign-up link once: store the password hash and the code's secret. False if already used."""
        with self._db.transaction() as conn:
            done = self._q(
                conn,
                "UPDATE staff SET password_hash = ?, totp_secret = ?, totp_last_step = ?, signup_hash = NULL,"
                " signup_expires_at = NULL WHERE id = ? AND signup_hash = ?",
                (password_hash, totp_secret, totp_step, staff_id, signup_hash),
            ).rowcount
            if done:
                self._audit(conn, now, staff_id, "signed-up", None, "password and code")
        return bool(done)

    def finish_signup_with_passkey(self, staff_id: str, signup_hash: str, passkey: Passkey, now: datetime) -> bool:
        with self._db.transaction() as conn:
            done = self._q(
                conn,
                "UPDATE staff SET signup_hash = NULL, signup_expires_at = NULL WHERE id = ? AND signup_hash = ?",
                (staff_id, signup_hash),
            ).rowcount
            if done:
                self._q(
                    conn,
                    "INSERT INTO passkeys (credential_id, staff_id, public_key, sign_count, created_at) VALUES (?, ?, ?, ?, ?)",
                    (passkey.credential_id, staff_id, passkey.public_key, passkey.sign_count, self._dialect.to_db(now)),
                )
                self._audit(conn, now, staff_id, "signed-up", None, "passkey")
        return bool(done)

    def passkey(self, credential_id: bytes) -> Passkey | None:
        with self._db.transaction(read_only=True) as conn:
            row = self._q(
                conn,
                "SELECT p.credential_id, p.staff_id, p.public_key, p.sign_count FROM passkeys p"
                " JOIN staff s ON s.id = p.staff_id WHERE p.credential_id = ? AND s.removed_at IS NULL",
                (credential_id,),
            ).fetchone()
        return Passkey(bytes(row[0]), row[1], bytes(row[2]), int(row[3])) if row else None

    def signed_in(self, staff_id: str, now: datetime, detail: str, passkey: bytes | None = None, sign_count: int = 0,
                  totp_step: int | None = None) -> bool:
        """Record a sign-in: the passkey's counter or the code's step (a used code is refused). False on a replay."""
        at = self._dialect.to_db(now)
        with self._db.transaction() as conn:
            if totp_step is not None:
                fresh = self._q(
                    conn, "UPDATE staff SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?",
                    (totp_step, staff_id, totp_step),
                ).rowcount
                if not fresh:
                    return False
            if passkey is not None:
                self._q(conn, "UPDATE passkeys SET sign_count = ? WHERE credential_id = ?", (sign_count, passkey))
            self._q(conn, "UPDATE staff SET last_sign_in_at = ? WHERE id = ?", (at, staff_id))
            self._audit(conn, now, staff_id, "sign-in", None, detail)
        return True

    # -- sessions ------------------------------------------------------------------------
    def new_session(self, id_hash: str, staff_id: str | None, csrf: str, now: datetime, challenge: str | None = None) -> None:
        at = self._dialect.to_db(now)
        with self._db.transaction() as conn:
            self._q(
                conn,
                "INSERT INTO sessions (id_hash, staff_id, csrf, challenge, created_at, seen_at) VALUES (?, ?, ?, ?, ?, ?)",
                (id_hash, staff_id, csrf, challenge, at, at),
            )

    def session(self, id_hash: str) -> Session | None:
        with self._db.transaction(read_only=True) as conn:
            row = self._q(
                conn, "SELECT id_hash, staff_id, csrf, challenge, created_at, seen_at FROM sessions WHERE id_hash = ?", (id_hash,)
            ).fetchone()
        return Session(row[0], row[1], row[2], row[3], self._t(row[4]), self._t(row[5])) if row else None

    def touch_session(self, id_hash: str, now: datetime) -> None:
        with self._db.transaction() as conn:
            self._q(conn, "UPDATE sessions SET seen_at = ? WHERE id_hash = ?", (self._dialect.to_db(now), id_hash))

    def set_challenge(self, id_hash: str, challenge: str | None) -> None:
        with self._db.transaction() as conn:
            self._q(conn, "UPDATE sessions SET challenge = ? WHERE id_hash = ?", (challenge, id_hash))

    def take_challenge(self, id_hash: str) -> str | None:
        """The session's WebAuthn challenge, removed as it is read: each challenge is used once."""
        with self._db.transaction() as conn:
            row = self._q(conn, "SELECT challenge FROM sessions WHERE id_hash = ?", (id_hash,)).fetchone()
            self._q(conn, "UPDATE sessions SET challenge = NULL WHERE id_hash = ?", (id_hash,))
        return row[0] if row else None

    def end_session(self, id_hash: str) -> None:
        with self._db.transaction() as conn:
            self._q(conn, "DELETE FROM sessions WHERE id_hash = ?", (id_hash,))

    def end_stale_sessions(self, seen_before: datetime, created_before: datetime) -> int:
        with self._db.transaction() as conn:
            return self._q(
                conn, "DELETE FROM sessions WHERE seen_at < ? OR created_at < ?",
                (self._dialect.to_db(seen_before), self._dialect.to_db(created_before)),
            ).rowcount

    # -- the service's own state ---------------------------------------------------------
    def claim_daily(self, job: str, day: str) -> bool:
        """True for the first caller on `day` (an ISO date in the charity's zone), across instances."""
        name = f"daily:{job}"
        with self._db.transaction() as conn:
            if self._q(conn, "INSERT INTO service_state (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", (name, day)).rowcount:
                return True
            return bool(self._q(conn, "UPDATE service_state SET value = ? WHERE name = ? AND value < ?", (day, name, day)).rowcount)

    def release_daily(self, job: str, day: str) -> None:
        """Undo today's claim after the work failed, so a later run tries again."""
        with self._db.transaction() as conn:
            self._q(conn, "UPDATE service_state SET value = '' WHERE name = ? AND value = ?", (f"daily:{job}", day))

    def close(self) -> None:
        self._db.close()
