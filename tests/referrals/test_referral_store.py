"""The SQLite store: settings that make a COMMIT durable, and a writer that cannot read back."""

import inspect
from datetime import datetime, timezone

import pytest

from referrals import store as store_module
from referrals.sqlite_store import SQLiteAdmin, SQLiteWriter
from referrals.store import DuplicateReference, ReferralAdmin, ReferralWriter, SealedReferral


def referral(ref="ABCD-EFGH", when=None, flags=()):
    return SealedReferral(ref, when or datetime.now(timezone.utc), "k1", b"\x01sealed", flags)


def test_durable_settings_on_every_connection(tmp_path):
    writer = SQLiteWriter(tmp_path / "r.sqlite3")
    writer.add(referral(), notify=False)
    conn = writer._db._conn
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert conn.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    assert conn.execute("PRAGMA foreign_keys").fetchone() == (1,)
    assert conn.execute("PRAGMA secure_delete").fetchone() == (1,)
    writer.close()
    assert oct((tmp_path / "r.sqlite3").stat().st_mode & 0o777) == "0o600"


def test_the_writer_cannot_read_referrals_back():
    public = {name for name in dir(SQLiteWriter) if not name.startswith("_")}
    assert public == {
        "add", "sent_reference", "claim_notifications", "notification_sent", "notification_failed", "purge", "check", "close",
    }
    source = "".join(inspect.getsource(cls) for cls in SQLiteWriter.__mro__[:-1])
    assert "sealed FROM" not in source and "SELECT r.sealed" not in source
    writer_protocol = {n for n in dir(ReferralWriter) if not n.startswith("_")}
    assert "sealed" not in writer_protocol and "list" not in writer_protocol


def test_both_sides_match_their_protocols():
    for cls, protocol in ((SQLiteWriter, ReferralWriter), (SQLiteAdmin, ReferralAdmin)):
        for name in (n for n in dir(protocol) if not n.startswith("_")):
            assert callable(getattr(cls, name, None)), f"{cls.__name__} lacks {name}"


def test_a_referral_and_its_email_are_one_transaction(tmp_path):
    writer = SQLiteWriter(tmp_path / "r.sqlite3")
    writer.add(referral("AAAA-AAAA"), notify=True)
    with pytest.raises(DuplicateReference):
        writer.add(referral("AAAA-AAAA"), notify=True)
    admin = SQLiteAdmin(tmp_path / "r.sqlite3")
    assert [r.reference for r in admin.list()] == ["AAAA-AAAA"]
    notes = writer.claim_notifications(now=1e12, limit=10, lease_seconds=60)
    assert [n.reference for n in notes] == ["AAAA-AAAA"], "the failed duplicate queued no second email"
    assert writer.claim_notifications(now=1e12, limit=10, lease_seconds=60) == [], "a claimed email is leased"


def test_store_errors_never_carry_sqlite_text_with_data(tmp_path):
    writer = SQLiteWriter(tmp_path / "missing" / "r.sqlite3")
    with pytest.raises(store_module.StoreUnavailable) as caught:
        writer.add(referral(), notify=False)
    assert "cannot be opened" in str(caught.value)
