"""The PostgreSQL schema, the upgrade of a version 1 database in place, and the roles' grants.

Version 1 (the first release) had `referrals` (status new or handled) and `outbox`, and no
`service_state` table; version 2 adds the intake team's inbox (see sqlite_schema.py for
what each table holds); version 3 adds `sent_forms`. The version is in the comment on
`service_state` ("oxpip-referrals schema 3"): the catalogue is readable by every role, so a role with no rights on that table
(the feedback tests' service role, say) can still tell the schema is current.

The audit log is append-only in the database itself: a trigger refuses UPDATE, DELETE and
TRUNCATE for every role, and no role but the owner is granted those rights anyway.
"""

from __future__ import annotations

VERSION = 3

VERSION_1 = """
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

UPGRADE_TO_2 = """
ALTER TABLE referrals DROP CONSTRAINT IF EXISTS referrals_status_check;
ALTER TABLE referrals ADD CONSTRAINT referrals_status_check
    CHECK (status IN ('new', 'contacted', 'handled', 'signposted'));
ALTER TABLE referrals
    ADD COLUMN IF NOT EXISTS recovery_key_id text,
    ADD COLUMN IF NOT EXISTS recovery_sealed bytea,
    ADD COLUMN IF NOT EXISTS assignee text,
    ADD COLUMN IF NOT EXISTS updated_at timestamptz;
UPDATE referrals SET updated_at = handled_at WHERE updated_at IS NULL AND handled_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS notes (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reference       text NOT NULL REFERENCES referrals (reference) ON DELETE CASCADE,
    staff_id        text NOT NULL,
    created_at      timestamptz NOT NULL,
    key_id          text NOT NULL,
    sealed          bytea NOT NULL,
    recovery_key_id text,
    recovery_sealed bytea
);
CREATE INDEX IF NOT EXISTS notes_reference ON notes (reference);
CREATE TABLE IF NOT EXISTS audit (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        timestamptz NOT NULL,
    staff_id  text,
    action    text NOT NULL,
    reference text,
    detail    text NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS audit_reference ON audit (reference);
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit rows are append-only';
END
$$;
DROP TRIGGER IF EXISTS audit_no_change ON audit;
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
DROP TRIGGER IF EXISTS audit_no_truncate ON audit;
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TABLE IF NOT EXISTS staff (
    id                text PRIMARY KEY,
    name              text NOT NULL,
    created_at        timestamptz NOT NULL,
    removed_at        timestamptz,
    password_hash     text,
    totp_secret       text,
    totp_last_step    bigint NOT NULL DEFAULT 0,
    signup_hash       text UNIQUE,
    signup_expires_at timestamptz,
    last_sign_in_at   timestamptz
);
CREATE TABLE IF NOT EXISTS passkeys (
    credential_id bytea PRIMARY KEY,
    staff_id      text NOT NULL REFERENCES staff (id),
    public_key    bytea NOT NULL,
    sign_count    bigint NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    id_hash    text PRIMARY KEY,
    staff_id   text REFERENCES staff (id),
    csrf       text NOT NULL,
    challenge  text,
    created_at timestamptz NOT NULL,
    seen_at    timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS service_state (
    name  text PRIMARY KEY,
    value text NOT NULL
);
COMMENT ON TABLE service_state IS 'oxpip-referrals schema 2';
"""

# Version 3: a keyed hash of each sent form's random id with its reference, kept 7 days, so
# the same form sent twice (Back and Reload, a double click, two instances) is one referral.
UPGRADE_TO_3 = """
CREATE TABLE IF NOT EXISTS sent_forms (
    form_key  text PRIMARY KEY,
    reference text NOT NULL REFERENCES referrals (reference) ON DELETE CASCADE,
    sent_at   timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS sent_forms_sent ON sent_forms (sent_at);
CREATE INDEX IF NOT EXISTS sent_forms_reference ON sent_forms (reference);
COMMENT ON TABLE service_state IS 'oxpip-referrals schema 3';
"""

# The public web app's role: add referrals, run the outbox, and the retention purge (which
# reads statuses and times, never the sealed columns). Run as the tables' owner with
# {schema} and {role} filled in (docs/referrals.md; the tests run exactly these).
WRITER_GRANTS = """
GRANT USAGE ON SCHEMA {schema} TO {role};
GRANT INSERT, DELETE ON referrals TO {role};
GRANT SELECT (reference, received_at, flags, status, handled_at, updated_at) ON referrals TO {role};
GRANT SELECT, INSERT, UPDATE ON outbox TO {role};
GRANT SELECT (created_at) ON notes TO {role};
GRANT SELECT (at), INSERT ON audit TO {role};
GRANT SELECT, INSERT, UPDATE, DELETE ON service_state TO {role};
GRANT SELECT, INSERT, DELETE ON sent_forms TO {role};
"""

# The staff inbox's role: reads sealed rows, changes statuses, adds sealed notes and audit
# rows, signs staff in. It cannot add or delete referrals, nor change staff other than
# recording a sign-in.
INBOX_GRANTS = """
GRANT USAGE ON SCHEMA {schema} TO {role};
GRANT SELECT, UPDATE (status, handled_at, assignee, updated_at) ON referrals TO {role};
GRANT SELECT ON outbox TO {role};
GRANT SELECT, INSERT ON notes TO {role};
GRANT SELECT, INSERT ON audit TO {role};
GRANT SELECT, UPDATE (password_hash, totp_secret, totp_last_step, signup_hash, signup_expires_at, last_sign_in_at) ON staff TO {role};
GRANT SELECT, INSERT, UPDATE (sign_count) ON passkeys TO {role};
GRANT SELECT, INSERT, UPDATE, DELETE ON sessions TO {role};
GRANT SELECT, INSERT, UPDATE, DELETE ON service_state TO {role};
"""

# The intake team's CLI: list, export, mark-handled, purge, staff and the audit log.
INTAKE_GRANTS = """
GRANT USAGE ON SCHEMA {schema} TO {role};
GRANT SELECT, UPDATE, DELETE ON referrals TO {role};
GRANT SELECT ON outbox TO {role};
GRANT SELECT ON notes TO {role};
GRANT SELECT, INSERT ON audit TO {role};
GRANT SELECT, INSERT, UPDATE ON staff TO {role};
GRANT SELECT, DELETE ON passkeys TO {role};
GRANT SELECT, DELETE ON sessions TO {role};
GRANT SELECT, INSERT, UPDATE, DELETE ON service_state TO {role};
"""


def current_version(conn) -> int:
    """0 for an empty schema, 1 for a first-release database, else the version in the comment."""
    referrals, state = conn.execute("SELECT to_regclass('referrals'), to_regclass('service_state')").fetchone()
    if referrals is None:
        return 0
    if state is None:
        return 1
    comment = conn.execute("SELECT obj_description(to_regclass('service_state'), 'pg_class')").fetchone()[0] or ""
    digits = comment.rpartition(" ")[2]
    return int(digits) if digits.isdigit() else 1


def upgrade(conn) -> None:
    """Bring the schema to VERSION inside the caller's transaction (under its advisory lock)."""
    version = current_version(conn)
    if version == 0:
        conn.execute(VERSION_1)
        version = 1
    if version == 1:
        conn.execute(UPGRADE_TO_2)
        version = 2
    if version == 2:
        conn.execute(UPGRADE_TO_3)
