"""Retention with a fixed clock, and the upgrade of a first-release database, on both stores.

The rules (referrals/retention.py): only closed referrals go, counted from when they were
closed; open ones are never deleted; a clock behind the newest stored time, or more than 7
days past the last check, stops the purge until a person confirms the clock; every run
says what it deleted and kept, in the log and by email, with references and nothing else.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from referrals import postgres_schema, retention, sqlite_schema
from referrals.settings import Settings
from referrals.store import PurgeResult
from schema_v1 import POSTGRES_VERSION_1, SQLITE_VERSION_1
from test_referral_faults_and_email import smtp_server, wait_for
from test_referral_store_contract import PostgresBackend, SQLiteBackend, backend, referral  # noqa: F401 (fixture)
from referral_helpers import free_port

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # a fixed "now" for the whole file
DAY = timedelta(days=1)


def test_open_referrals_are_never_deleted_however_old(backend):
    writer = backend.writer()
    writer.add(referral("OPEN-0001", when=T0 - 400 * DAY), notify=False)
    writer.add(referral("OPEN-0002", when=T0 - 200 * DAY), notify=False)
    writer.add(referral("OPEN-0003", when=T0 - DAY), notify=False)
    result = writer.purge(T0, retention_days=90)
    assert result.deleted == () and result.stopped == ""
    assert result.kept_open == ("OPEN-0001", "OPEN-0002")
    assert len(backend.admin().list()) == 3


def test_retention_counts_from_when_a_referral_was_closed(backend):
    writer = backend.writer()
    writer.add(referral("CLSD-0001", when=T0 - 300 * DAY), notify=True)
    writer.add(referral("CLSD-0002", when=T0 - 300 * DAY), notify=True)
    writer.add(referral("CLSD-0003", when=T0 - 10 * DAY), notify=False)
    admin = backend.admin()
    admin.mark_handled(["CLSD-0001"], T0 - 91 * DAY)  # closed 91 days ago: due
    admin.mark_handled(["CLSD-0002"], T0 - 89 * DAY)  # received long ago, closed 89 days ago: not yet
    admin.mark_handled(["CLSD-0003"], T0 - 5 * DAY)
    result = writer.purge(T0, retention_days=90)
    assert result.deleted == ("CLSD-0001",)
    assert result.kept_open == ()
    assert sorted(r.reference for r in admin.list()) == ["CLSD-0002", "CLSD-0003"]
    assert writer.purge(T0 + 2 * DAY, retention_days=90).deleted == ("CLSD-0002",)


def test_a_referral_closed_before_it_was_received_is_kept_and_named(backend):
    writer = backend.writer()
    writer.add(referral("ODDT-0001", when=T0 - 50 * DAY), notify=False)
    writer.add(referral("ODDT-0002", when=T0 - DAY), notify=False)
    backend.admin().mark_handled(["ODDT-0001"], T0 - 150 * DAY)  # the clock was 100 days behind then
    result = writer.purge(T0, retention_days=90)
    assert (result.deleted, result.kept_odd_times) == ((), ("ODDT-0001",))


def test_a_clock_behind_the_newest_stored_time_stops_the_purge_until_confirmed(backend):
    writer = backend.writer()
    writer.add(referral("BACK-0001", when=T0 - 200 * DAY), notify=False)
    writer.add(referral("BACK-0002", when=T0), notify=False)
    backend.admin().mark_handled(["BACK-0001"], T0 - 199 * DAY)
    behind = T0 - 100 * DAY
    result = writer.purge(behind, retention_days=90)
    assert (result.stopped, result.deleted, result.clock_reference) == ("behind", (), T0)
    # Back to the right time: still stopped (the stop is kept), until a person confirms.
    held = writer.purge(T0 + DAY, retention_days=90)
    assert (held.stopped, held.stopped_since, held.deleted) == ("behind", behind, ())
    assert len(backend.admin().list()) == 2
    confirmed = backend.admin().purge(T0 + DAY, retention_days=90, clock_is_right=True)
    assert (confirmed.stopped, confirmed.deleted) == ("", ("BACK-0001",))
    assert writer.purge(T0 + 2 * DAY, retention_days=90).stopped == "", "the stop was lifted"


def test_a_quiet_database_first_purged_long_after_its_newest_row_stops_and_asks(backend):
    writer = backend.writer()
    writer.add(referral("QUIE-0001", when=T0 - 30 * DAY), notify=False)
    backend.admin().mark_handled(["QUIE-0001"], T0 - 29 * DAY)
    result = writer.purge(T0 + 70 * DAY, retention_days=30)
    assert (result.stopped, result.clock_reference) == ("ahead", T0 - 29 * DAY), "nothing for 99 days: ask a person"


def test_a_clock_jumping_forwards_stops_the_purge(backend):
    writer = backend.writer()
    writer.add(referral("FWRD-0001", when=T0 - 10 * DAY), notify=False)
    backend.admin().mark_handled(["FWRD-0001"], T0 - 2 * DAY)
    assert writer.purge(T0, retention_days=90).stopped == "", "a daily run records its check"
    assert writer.purge(T0 + 6 * DAY, retention_days=90).stopped == ""
    jumped = writer.purge(T0 + 6 * DAY + 91 * DAY, retention_days=90)
    assert (jumped.stopped, jumped.clock_reference, jumped.deleted) == ("ahead", T0 + 6 * DAY, ())
    assert [r.reference for r in backend.admin().list()] == ["FWRD-0001"]


def test_the_report_names_references_and_counts_and_is_loud(caplog):
    settings = Settings(retention_days=90)
    result = PurgeResult(deleted=("AAAA-0001", "AAAA-0002"), kept_open=("BBBB-0001",), now=T0)
    rep = retention.report(result, settings)
    with caplog.at_level(logging.INFO, logger="referrals.retention"):
        rep.log()
    text = caplog.text
    assert "deleted 2 referrals closed more than 90 days ago: AAAA-0001, AAAA-0002" in text
    assert "kept 1 referral received more than 90 days ago that nobody has closed" in text and "BBBB-0001" in text
    assert {r.levelname for r in caplog.records} == {"WARNING"}
    assert rep.subject == "Referral retention: deleted 2, kept 1 that are not due"
    stopped = retention.report(
        PurgeResult(stopped="ahead", stopped_since=T0 + 91 * DAY, clock_reference=T0, now=T0 + 91 * DAY), settings
    )
    assert stopped.subject == "Referral retention STOPPED: check the server's clock"
    (level, line), = stopped.lines
    assert level == logging.WARNING and "1 June 2026 10:00 BST" in line and "2 March 2026 09:00 GMT" in line


def test_the_retention_email_is_sent_with_references_only(backend):
    writer = backend.writer()
    writer.add(referral("MAIL-0001", when=T0 - 200 * DAY), notify=False)
    writer.add(referral("MAIL-0002", when=T0 - 200 * DAY), notify=False)
    writer.add(referral("MAIL-0003", when=T0 - DAY), notify=False)
    backend.admin().mark_handled(["MAIL-0001"], T0 - 100 * DAY)
    port = free_port()
    settings = Settings(
        retention_days=90, smtp_host="127.0.0.1", smtp_port=port, smtp_from="website@oxpip.example",
        smtp_to=("intake@oxpip.example",), smtp_timeout_seconds=5,
    )
    with smtp_server(port) as smtp:
        result, rep = retention.purge_and_report(writer, settings, now=T0)
        retention.email_report(rep, settings, T0)
        assert wait_for(lambda: len(smtp.messages) == 1)
    body = smtp.messages[0].content.decode()
    assert "Subject: Referral retention: deleted 1, kept 1 that are not due" in body
    assert "MAIL-0001" in body and "MAIL-0002" in body and "2 March 2026 09:00 GMT" in body


# -- upgrading a database made by the first release ---------------------------------------
V1_ROWS = [
    ("VONE-0001", "2025-01-05T10:00:00.000000Z", "k1", b"\x00sealed-one", "", "new", None),
    ("VONE-0002", "2025-02-05T11:30:00.000000Z", "k1", b"sealed-two\xff", "fast,honeypot", "handled", "2025-02-06T09:00:00.000000Z"),
    ("VONE-0003", "2025-03-05T12:00:00.123456Z", "k0", b"sealed-three", "no-origin", "new", None),
]


def _check_upgraded(backend):
    admin = backend.admin()
    rows = {s.reference: (s, copies) for s, copies in admin.sealed_copies()}
    assert sorted(rows) == ["VONE-0001", "VONE-0002", "VONE-0003"], "every row kept"
    for reference, received, key_id, sealed, flags, status, _ in V1_ROWS:
        summary, copies = rows[reference]
        assert copies == {key_id: sealed}
        assert summary.status == status and ",".join(summary.flags) == flags
        assert summary.received_at == datetime.fromisoformat(received.replace("Z", "+00:00"))
    assert {r.reference: r.notified for r in admin.list()} == {"VONE-0001": True, "VONE-0002": False, "VONE-0003": False}
    writer = backend.writer()
    notes = writer.claim_notifications(1e12, 10, 60)
    assert [n.reference for n in notes] == ["VONE-0003"], "the unsent email is still queued"
    # The new statuses work on the upgraded table.
    admin.mark_handled(["VONE-0001"], T0)
    assert {r.reference: r.status for r in admin.list()}["VONE-0001"] == "handled"
    backend.sql("UPDATE referrals SET status = 'signposted' WHERE reference = 'VONE-0003'")
    writer.add(referral("VTWO-0001", when=T0), notify=True)
    assert len(admin.list()) == 4


def test_a_first_release_sqlite_database_upgrades_in_place(tmp_path):
    backend = SQLiteBackend(tmp_path)
    conn = sqlite3.connect(backend.path)
    conn.executescript(SQLITE_VERSION_1)
    with conn:
        conn.executemany("INSERT INTO referrals VALUES (?, ?, ?, ?, ?, ?, ?)", V1_ROWS)
        conn.execute("INSERT INTO outbox (reference, attempts, next_attempt_at, sent_at) VALUES ('VONE-0001', 1, 0, '2025-01-05T10:00:01.000000Z')")
        conn.execute("INSERT INTO outbox (reference, attempts, next_attempt_at) VALUES ('VONE-0003', 3, 0)")
    conn.close()
    try:
        _check_upgraded(backend)
        assert backend.sql("PRAGMA user_version") == [(sqlite_schema.VERSION,)]
        assert backend.sql("PRAGMA foreign_key_check") == []
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            backend.sql("UPDATE referrals SET status = 'lost' WHERE reference = 'VONE-0001'")
    finally:
        backend.close()


def test_a_first_release_postgres_database_upgrades_in_place(postgres):
    backend = PostgresBackend(postgres)
    backend.sql(POSTGRES_VERSION_1)
    for reference, received, key_id, sealed, flags, status, handled in V1_ROWS:
        backend.sql(
            "INSERT INTO referrals VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (reference, received.replace("Z", "+00:00"), key_id, sealed, flags, status, handled and handled.replace("Z", "+00:00")),
        )
    backend.sql("INSERT INTO outbox (reference, attempts, next_attempt_at, sent_at) VALUES ('VONE-0001', 1, 0, now())")
    backend.sql("INSERT INTO outbox (reference, attempts, next_attempt_at) VALUES ('VONE-0003', 3, 0)")
    try:
        _check_upgraded(backend)
        assert backend.sql("SELECT obj_description(to_regclass('service_state'), 'pg_class')") == [
            (f"oxpip-referrals schema {postgres_schema.VERSION}",)
        ]
    finally:
        backend.close()


def test_the_audit_log_is_append_only_in_the_database(backend):
    writer = backend.writer()
    writer.add(referral("AUDT-0001", when=T0 - DAY), notify=False)
    backend.admin().mark_handled(["AUDT-0001"], T0, staff_id="cli:sam")
    assert backend.sql("SELECT staff_id, action, reference, detail FROM audit") == [("cli:sam", "status", "AUDT-0001", "new -> handled")]
    for statement in ("UPDATE audit SET detail = 'nothing happened'", "DELETE FROM audit"):
        with pytest.raises(Exception, match="append-only"):
            backend.sql(statement)
    assert len(backend.sql("SELECT * FROM audit")) == 1
    # Deleting a referral keeps its audit trail: the trail names references, nothing more.
    writer.purge(T0 + 100 * DAY, retention_days=90, clock_is_right=True)
    assert backend.admin().list() == [] and len(backend.sql("SELECT * FROM audit")) == 1
