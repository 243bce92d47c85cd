"""The inbox's store on both stores: the workflow, notes, audit, staff and sessions, and on
PostgreSQL the inbox role's grants (INBOX_GRANTS in docs/referrals.md)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from referrals.inbox_store import NotFound, Passkey
from referrals.postgres_schema import INBOX_GRANTS
from referrals.stores import open_inbox
from test_referral_store_contract import backend, referral  # noqa: F401 (fixture)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def test_the_workflow_closes_reopens_assigns_and_audits(backend):
    backend.writer().add(referral("WORK-0001", when=T0, flags=("fast",)), notify=False)
    store = open_inbox(backend.url)
    try:
        store.add_staff("sam", "Sam Taylor", "h1", T0 + timedelta(days=3), T0, "cli:admin")
        assert store.set_status("WORK-0001", "contacted", "sam", T0 + timedelta(hours=1)) == "new"
        assert store.set_status("WORK-0001", "signposted", "sam", T0 + timedelta(hours=2)) == "contacted"
        assert backend.sql("SELECT handled_at IS NOT NULL FROM referrals") in ([(1,)], [(True,)])
        store.set_status("WORK-0001", "contacted", "sam", T0 + timedelta(hours=3))  # reopened: retention clock stops
        assert backend.sql("SELECT handled_at FROM referrals") == [(None,)]
        store.assign("WORK-0001", "sam", "sam", T0 + timedelta(hours=4))
        with pytest.raises(NotFound):
            store.assign("WORK-0001", "nobody", "sam", T0)
        with pytest.raises(NotFound):
            store.set_status("NONE-0000", "contacted", "sam", T0)
        note_id = store.add_note("WORK-0001", {"k1": b"\x01sealed note", "k2": b"\x02recovery copy"}, "sam", T0 + timedelta(hours=5))
        (note,) = store.notes("WORK-0001")
        assert (note.id, note.staff_id, note.copies) == (note_id, "sam", {"k1": b"\x01sealed note", "k2": b"\x02recovery copy"})
        (row,) = store.referrals("contacted")
        assert (row.reference, row.assignee, row.flags, row.copies) == ("WORK-0001", "sam", ("fast",), {"k1": b"\x01sealed"})
        trail = [(e.action, e.detail) for e in store.audit_trail("WORK-0001")]
        assert trail == [
            ("status", "new -> contacted"), ("status", "contacted -> signposted"), ("status", "signposted -> contacted"),
            ("assigned", "to sam"), ("note", "sealed note added"),
        ]
        assert [e.action for e in store.audit_trail()][0] == "staff-added"
    finally:
        store.close()


def test_sign_up_sign_in_and_sessions(backend):
    backend.writer().check()
    store = open_inbox(backend.url)
    try:
        store.add_staff("alex", "Alex", "hash-a", T0 + timedelta(days=3), T0, "cli:admin")
        assert store.staff_by_signup("hash-a", T0 + timedelta(days=4)) is None, "expired"
        assert store.staff_by_signup("hash-a", T0).id == "alex"
        key = Passkey(b"\x00cred", "alex", b"public-key", 0)
        assert store.finish_signup_with_passkey("alex", "hash-a", key, T0)
        assert not store.finish_signup_with_passkey("alex", "hash-a", key, T0), "a link works once"
        assert store.passkey(b"\x00cred").staff_id == "alex"
        assert store.signed_in("alex", T0, "passkey", b"\x00cred", 5)
        assert store.passkey(b"\x00cred").sign_count == 5
        store.new_session("s1", "alex", "csrf1", T0)
        store.new_session("s0", None, "csrf0", T0, challenge="c")
        assert store.take_challenge("s0") == "c" and store.take_challenge("s0") is None
        assert store.session("s1").staff_id == "alex"
        store.remove_staff("alex", T0, "cli:admin")
        assert store.session("s1") is None and store.passkey(b"\x00cred") is None
        assert store.staff() == [] and store.staff(include_removed=True)[0].removed_at == T0
        assert store.claim_daily("overdue", "2026-03-02") and not store.claim_daily("overdue", "2026-03-02")
        store.release_daily("overdue", "2026-03-02")
        assert store.claim_daily("overdue", "2026-03-02")
    finally:
        store.close()


def test_pg_the_inbox_role_reads_and_records_but_cannot_add_delete_or_rewrite(pg_backend):
    import psycopg

    pg = pg_backend
    pg.writer().add(referral("ROLE-0001", when=T0), notify=False)
    schema = pg.sql("SELECT current_schema()")[0][0]
    role = f"oxpip_inbox_{schema}"
    pg.sql(f'CREATE ROLE "{role}" LOGIN')
    pg.sql(INBOX_GRANTS.format(schema=f'"{schema}"', role=f'"{role}"'))
    url = pg.url.replace("//oxpip_test@", f"//{role}@")
    owner = open_inbox(pg.url)
    owner.add_staff("sam", "Sam", "h", T0 + timedelta(days=1), T0, "cli:admin")
    owner.close()
    store = open_inbox(url)
    try:
        assert [r.reference for r in store.referrals()] == ["ROLE-0001"]
        store.set_status("ROLE-0001", "handled", "sam", T0)
        store.add_note("ROLE-0001", {"k1": b"sealed"}, "sam", T0)
        store.new_session("s", "sam", "c", T0)
        assert store.signed_in("sam", T0, "password and code", totp_step=99)
        with psycopg.connect(url) as conn:
            for statement in ("DELETE FROM referrals", "INSERT INTO referrals (reference, received_at, key_id, sealed) VALUES ('X', now(), 'k', 'x')",
                              "UPDATE audit SET detail = ''", "DELETE FROM audit", "UPDATE referrals SET sealed = 'x'"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(statement)
                conn.rollback()
    finally:
        store.close()
        pg.sql(f'DROP OWNED BY "{role}"')
        pg.sql(f'DROP ROLE "{role}"')


@pytest.fixture
def pg_backend(postgres):
    from test_referral_store_contract import PostgresBackend

    b = PostgresBackend(postgres)
    yield b
    b.close()


def test_the_inbox_grants_in_the_docs_are_the_tested_ones():
    from referral_helpers import ROOT

    docs = (ROOT / "docs" / "referrals.md").read_text(encoding="utf-8")
    for line in INBOX_GRANTS.strip().splitlines():
        if "ON SCHEMA" not in line:
            assert line.format(role="oxpip_inbox") in docs, f"docs/referrals.md lacks: {line.format(role='oxpip_inbox')}"
