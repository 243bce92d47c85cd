"""The schemas of the first release (commit 4414bf7), copied verbatim: a real charity's
database looks like this today, and the upgrade tests start from it."""

SQLITE_VERSION_1 = """
CREATE TABLE IF NOT EXISTS referrals (
    reference   TEXT PRIMARY KEY,
    received_at TEXT NOT NULL,
    key_id      TEXT NOT NULL,
    sealed      BLOB NOT NULL,
    flags       TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'handled')),
    handled_at  TEXT
);
CREATE INDEX IF NOT EXISTS referrals_received ON referrals (received_at);
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

POSTGRES_VERSION_1 = """
CREATE TABLE IF NOT EXISTS referrals (
    reference   text PRIMARY KEY,
    received_at timestamptz NOT NULL,
    key_id      text NOT NULL,
    sealed      bytea NOT NULL,
    flags       text NOT NULL DEFAULT '',
    status      text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'handled')),
    handled_at  timestamptz
);
CREATE INDEX IF NOT EXISTS referrals_received ON referrals (received_at);
CREATE TABLE IF NOT EXISTS outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reference       text NOT NULL REFERENCES referrals (reference) ON DELETE CASCADE,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at double precision NOT NULL,
    sent_at         timestamptz,
    last_error      text
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (next_attempt_at, id) WHERE sent_at IS NULL;
CREATE INDEX IF NOT EXISTS outbox_reference ON outbox (reference);
"""
