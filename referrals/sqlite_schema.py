"""The SQLite schema, and the upgrade of a database made by an earlier version, in place.

`PRAGMA user_version` holds the schema version. Version 1 (the first release) had
`referrals` (status new or handled) and `outbox`; a database made by it has user_version 0.
Version 2 adds the intake team's inbox: the workflow (contacted, signposted, assignee),
a second sealed copy for the recovery key, sealed notes, the append-only audit log, staff,
passkeys, server-side sessions and a small key/value table for the service's own state
(retention's clock check, daily emails). Version 3 adds `sent_forms`: a keyed hash of each
sent form's random id with its reference, kept 7 days, so the same form sent twice is one
referral.

`ensure_schema(conn)` makes a new database or upgrades an old one, in one transaction,
without losing a row: SQLite cannot change a CHECK constraint, so `referrals` is rebuilt
the way the SQLite documentation says ("Making Other Kinds Of Table Schema Changes":
foreign keys off, create the new table, copy, drop, rename, check, commit).
"""

from __future__ import annotations

import sqlite3

VERSION = 3

REFERRALS_TABLE = """
CREATE TABLE {name} (
    reference       TEXT PRIMARY KEY,
    received_at     TEXT NOT NULL,
    key_id          TEXT NOT NULL,
    sealed          BLOB NOT NULL,
    flags           TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT 'new'
                    CHECK (status IN ('new', 'contacted', 'handled', 'signposted')),
    handled_at      TEXT,  -- when it became handled or signposted: retention counts from here
    recovery_key_id TEXT,
    recovery_sealed BLOB,
    assignee        TEXT,  -- a staff id
    updated_at      TEXT   -- the last change of status or assignee
);
"""

OUTBOX_TABLE = """
CREATE TABLE IF NOT EXISTS outbox (
    id              INTEGER PRIMARY KEY,
    reference       TEXT NOT NULL REFERENCES referrals (reference) ON DELETE CASCADE,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    sent_at         TEXT,
    last_error      TEXT
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (sent_at, next_attempt_at);
"""

INBOX_TABLES = """
CREATE INDEX IF NOT EXISTS referrals_received ON referrals (received_at);
CREATE TABLE IF NOT EXISTS notes (
    id              INTEGER PRIMARY KEY,
    reference       TEXT NOT NULL REFERENCES referrals (reference) ON DELETE CASCADE,
    staff_id        TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    key_id          TEXT NOT NULL,
    sealed          BLOB NOT NULL,
    recovery_key_id TEXT,
    recovery_sealed BLOB
);
CREATE INDEX IF NOT EXISTS notes_reference ON notes (reference);
CREATE TABLE IF NOT EXISTS audit (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    staff_id  TEXT,
    action    TEXT NOT NULL,
    reference TEXT,
    detail    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS audit_reference ON audit (reference);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
CREATE TABLE IF NOT EXISTS staff (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    removed_at        TEXT,
    password_hash     TEXT,
    totp_secret       TEXT,
    totp_last_step    INTEGER NOT NULL DEFAULT 0,
    signup_hash       TEXT UNIQUE,
    signup_expires_at TEXT,
    last_sign_in_at   TEXT
);
CREATE TABLE IF NOT EXISTS passkeys (
    credential_id BLOB PRIMARY KEY,
    staff_id      TEXT NOT NULL REFERENCES staff (id),
    public_key    BLOB NOT NULL,
    sign_count    INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    id_hash    TEXT PRIMARY KEY,
    staff_id   TEXT REFERENCES staff (id),
    csrf       TEXT NOT NULL,
    challenge  TEXT,
    created_at TEXT NOT NULL,
    seen_at    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS service_state (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

SENT_FORMS_TABLE = """
CREATE TABLE IF NOT EXISTS sent_forms (
    form_key  TEXT PRIMARY KEY,
    reference TEXT NOT NULL REFERENCES referrals (reference) ON DELETE CASCADE,
    sent_at   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sent_forms_sent ON sent_forms (sent_at);
CREATE INDEX IF NOT EXISTS sent_forms_reference ON sent_forms (reference);
"""


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def ensure_schema(conn: sqlite3.Connection, create: bool) -> None:
    """Make the tables (when `create`), or upgrade a version 1 database; no-op when current.

    `conn` is in autocommit mode with no transaction open. Raises sqlite3.Error as SQLite does.
    """
    if conn.execute("PRAGMA user_version").fetchone()[0] >= VERSION:
        return
    if "referrals" not in _tables(conn) and not create:
        return  # the intake side never makes a database; it says so on first use
    conn.execute("PRAGMA foreign_keys = OFF")  # ignored inside a transaction: set before BEGIN
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version < VERSION:  # another process may have just done it
                if "referrals" not in _tables(conn):
                    conn.execute(REFERRALS_TABLE.format(name="referrals"))
                elif version < 2:  # a first-release database has user_version 0
                    _upgrade_from_version_1(conn)
                for statement in _statements(OUTBOX_TABLE + INBOX_TABLES + SENT_FORMS_TABLE):
                    conn.execute(statement)
                if conn.execute("PRAGMA foreign_key_check").fetchall():
                    raise sqlite3.IntegrityError("foreign key check failed during the schema upgrade")
                conn.execute(f"PRAGMA user_version = {VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    finally:
        conn.execute("PRAGMA foreign_keys = ON")


def _upgrade_from_version_1(conn: sqlite3.Connection) -> None:
    """Rebuild `referrals` with the new columns and statuses, keeping every row as it was."""
    conn.execute(REFERRALS_TABLE.format(name="referrals_v2"))
    conn.execute(
        "INSERT INTO referrals_v2 (reference, received_at, key_id, sealed, flags, status, handled_at, updated_at)"
        " SELECT reference, received_at, key_id, sealed, flags, status, handled_at, handled_at FROM referrals"
    )
    conn.execute("DROP TABLE referrals")
    conn.execute("ALTER TABLE referrals_v2 RENAME TO referrals")


def _statements(script: str) -> list[str]:
    """Split a script into statements; a trigger's body (BEGIN ... END;) stays whole."""
    statements, current = [], []
    for line in script.strip().splitlines():
        current.append(line)
        text = "\n".join(current).strip()
        if text.endswith(";") and sqlite3.complete_statement(text):
            statements.append(text)
            current = []
    return statements
