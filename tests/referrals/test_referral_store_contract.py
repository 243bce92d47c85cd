"""The store contract, run against both stores: SQLite (the default) and PostgreSQL.

Every test taking `backend` runs twice, once per store, on a fresh database (SQLite: a new
file; PostgreSQL: a new schema in the session's throwaway server, see postgres_server.py).
The PostgreSQL-only tests at the end cover what SQLite has no counterpart for: dropped
connections, read-only servers, two instances creating the tables at once, and a role
that may write referrals but not read them back.
"""

from __future__ import annotations

import inspect
import json
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from referral_helpers import app_client, run_cli, submit, valid_answers
from referrals.app import create_app
from referrals import stores
from referrals.postgres_store import INTAKE_GRANTS, WRITER_GRANTS, PostgresAdmin, PostgresWriter, safe_url
from referrals.settings import SettingsError
from referrals.sqlite_store import SQLiteAdmin, SQLiteWriter
from referrals.store import (
    DuplicateReference,
    ReferralAdmin,
    ReferralWriter,
    SealedReferral,
    StoreBusy,
    StoreError,
    StoreUnavailable,
)

WRITER_METHODS = {
    "add", "sent_reference", "claim_notifications", "notification_sent", "notification_failed", "purge", "check", "close",
}  # sent_reference reads only a keyed hash and a reference
FAR_FUTURE = 1e12


def referral(ref="ABCD-EFGH", when=None, flags=(), sealed=b"\x01sealed"):
    return SealedReferral(ref, when or datetime.now(timezone.utc), "k1", sealed, flags)


def errors_in_threads(work, count: int, join_timeout: float = 60) -> list[Exception]:
    """Run work(0) ... work(count - 1) each in its own thread, released together by a
    barrier; returns what they raised, for the test to assert there was nothing."""
    errors: list[Exception] = []
    start = threading.Barrier(count)

    def run(n):
        try:
            start.wait(timeout=join_timeout)
            work(n)
        except Exception as exc:  # pragma: no cover - returned to the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=join_timeout)
    return errors


class Backend:
    """One fresh database of one kind, with raw SQL access for checks and sabotage."""

    name: str
    url: str

    def __init__(self):
        self._opened = []

    def writer(self, busy_timeout_ms: int | None = None) -> ReferralWriter:
        raise NotImplementedError

    def admin(self) -> ReferralAdmin:
        store = stores.open_admin(self.url)
        self._opened.append(store)
        return store

    def close(self):
        for store in self._opened:
            store.close()


class SQLiteBackend(Backend):
    name = "sqlite"

    def __init__(self, tmp_path):
        super().__init__()
        self.path = tmp_path / "referrals.sqlite3"
        self.url = str(self.path)
        self.unreachable = str(tmp_path / "no-such-folder" / "referrals.sqlite3")

    def writer(self, busy_timeout_ms=None):
        store = stores.open_writer(self.url)
        if busy_timeout_ms is not None:
            store._db.busy_timeout_ms = busy_timeout_ms
        self._opened.append(store)
        return store

    def sql(self, statement, args=()):
        conn = sqlite3.connect(self.path, isolation_level=None)
        try:
            return conn.execute(statement, args).fetchall()
        finally:
            conn.close()

    def break_outbox(self):
        # Fails inside the transaction, after the referral row was inserted.
        self.sql("CREATE TRIGGER refuse BEFORE INSERT ON outbox BEGIN SELECT * FROM no_such_table; END")

    @contextmanager
    def held_lock(self):
        conn = sqlite3.connect(self.path, isolation_level=None)
        conn.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()

    def has_tables(self) -> bool:
        return self.path.exists() and bool(self.sql("SELECT 1 FROM sqlite_master WHERE name = 'referrals'"))


class PostgresBackend(Backend):
    name = "postgresql"

    def __init__(self, cluster):
        super().__init__()
        self.cluster = cluster
        self.url = cluster.new_schema()
        self.unreachable = "postgresql://oxpip:s3cret-pw@127.0.0.1:1/referrals?connect_timeout=2"

    def writer(self, busy_timeout_ms=None):
        store = PostgresWriter(self.url, **({"busy_timeout_ms": busy_timeout_ms} if busy_timeout_ms else {}))
        self._opened.append(store)
        return store

    def connect(self):
        import psycopg

        return psycopg.connect(self.url, autocommit=True)

    def sql(self, statement, args=()):
        with self.connect() as conn:
            cur = conn.execute(statement, args)
            return cur.fetchall() if cur.description else []

    def break_outbox(self):
        self.sql("ALTER TABLE outbox ADD CONSTRAINT refuse CHECK (attempts < 0) NOT VALID")

    @contextmanager
    def held_lock(self):
        with self.connect() as conn:
            conn.execute("BEGIN")
            conn.execute("LOCK TABLE referrals, outbox IN ACCESS EXCLUSIVE MODE")
            try:
                yield
            finally:
                conn.execute("ROLLBACK")

    def has_tables(self) -> bool:
        return self.sql("SELECT to_regclass('referrals') IS NOT NULL")[0][0]


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, tmp_path):
    if request.param == "sqlite":
        b = SQLiteBackend(tmp_path)
    else:
        b = PostgresBackend(request.getfixturevalue("postgres"))
    yield b
    b.close()


# -- the shape of the two sides ------------------------------------------------------------
@pytest.mark.parametrize("writer_cls, admin_cls", [(SQLiteWriter, SQLiteAdmin), (PostgresWriter, PostgresAdmin)])
def test_the_writer_cannot_read_referrals_back(writer_cls, admin_cls):
    public = {name for name in dir(writer_cls) if not name.startswith("_")}
    assert public == WRITER_METHODS
    # the writer's own code and every class it inherits from (store_common.WriterBase)
    source = "".join(inspect.getsource(cls) for cls in writer_cls.__mro__[:-1])
    assert "sealed FROM" not in source and "r.sealed" not in source
    for cls, protocol in ((writer_cls, ReferralWriter), (admin_cls, ReferralAdmin)):
        for name in (n for n in dir(protocol) if not n.startswith("_")):
            assert callable(getattr(cls, name, None)), f"{cls.__name__} lacks {name}"


def test_the_database_setting_picks_the_store():
    assert stores.backend("postgresql://oxpip@db.internal/referrals") == "postgresql"
    assert stores.backend("postgres://oxpip@db.internal/referrals") == "postgresql"
    assert stores.backend("sqlite:///var/referrals.sqlite3") == "sqlite"
    assert stores.backend("var/referrals.sqlite3") == "sqlite"
    assert stores.backend("/srv/data/referrals.sqlite3") == "sqlite"
    with pytest.raises(SettingsError, match="mysql:// is not supported"):
        stores.backend("mysql://oxpip@db/referrals")
    assert isinstance(stores.open_writer("postgresql://oxpip@127.0.0.1:1/x"), PostgresWriter)  # lazy: no connection yet
    assert safe_url("postgresql://oxpip:s3cret@db:5432/r?sslmode=require") == "postgresql://oxpip:***@db:5432/r?sslmode=require"


# -- writing --------------------------------------------------------------------------------
def test_a_referral_and_its_email_are_one_transaction(backend):
    writer = backend.writer()
    writer.add(referral("AAAA-AAAA"), notify=True)
    with pytest.raises(DuplicateReference):
        writer.add(referral("AAAA-AAAA", sealed=b"other"), notify=True)
    admin = backend.admin()
    assert [r.reference for r in admin.list()] == ["AAAA-AAAA"]
    assert [s for _, _, s in admin.sealed()] == [b"\x01sealed"], "the duplicate changed nothing"
    notes = writer.claim_notifications(now=FAR_FUTURE, limit=10, lease_seconds=60)
    assert [n.reference for n in notes] == ["AAAA-AAAA"], "the failed duplicate queued no second email"
    assert writer.claim_notifications(now=FAR_FUTURE, limit=10, lease_seconds=60) == [], "a claimed email is leased"


def test_a_failed_email_row_leaves_no_referral(backend):
    writer = backend.writer()
    writer.add(referral("FRST-0000"), notify=True)  # creates the tables
    backend.break_outbox()
    with pytest.raises(StoreError) as caught:
        writer.add(referral("LOST-0000", flags=("honeypot",)), notify=True)
    assert not isinstance(caught.value, DuplicateReference)
    assert "LOST" not in str(caught.value) and "honeypot" not in str(caught.value)
    assert [r.reference for r in backend.admin().list()] == ["FRST-0000"], "rolled back as one"
    writer.add(referral("NEXT-0000"), notify=False)  # the store carries on afterwards


def test_many_threads_and_two_writers_store_every_referral(backend):
    writers = [backend.writer(), backend.writer()]

    def add_many(n):
        for i in range(15):
            writers[n % 2].add(referral(f"T{n:03d}-{i:04d}"), notify=True)

    errors = errors_in_threads(add_many, 6)
    assert not errors, errors
    refs = [r.reference for r in backend.admin().list()]
    assert len(refs) == 90 and len(set(refs)) == 90


# -- reading (the intake team's side) ----------------------------------------------------------
def test_list_export_and_mark_handled(backend):
    writer = backend.writer()
    base = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=timezone.utc)
    writer.add(referral("BBBB-0002", when=base + timedelta(hours=1), sealed=b"two"), notify=True)
    writer.add(referral("BBBB-0001", when=base, flags=("fast", "no-origin"), sealed=b"one\x00\xff"), notify=True)
    writer.add(referral("BBBB-0003", when=base + timedelta(days=1), sealed=b"three"), notify=False)
    admin = backend.admin()
    rows = admin.list()
    assert [r.reference for r in rows] == ["BBBB-0001", "BBBB-0002", "BBBB-0003"], "oldest first"
    assert rows[0].received_at == base and rows[0].received_at.utcoffset() == timedelta(0)
    assert rows[0].flags == ("fast", "no-origin") and rows[1].flags == ()
    assert {r.status for r in rows} == {"new"} and not any(r.notified for r in rows)
    assert [(s.reference, k, bytes(c)) for s, k, c in admin.sealed()] == [
        ("BBBB-0001", "k1", b"one\x00\xff"), ("BBBB-0002", "k1", b"two"), ("BBBB-0003", "k1", b"three")
    ]
    assert admin.mark_handled(["BBBB-0002", "NONE-0000"], datetime.now(timezone.utc)) == ["NONE-0000"]
    assert [r.reference for r in admin.list("handled")] == ["BBBB-0002"]
    assert [s.reference for s, _, _ in admin.sealed("new")] == ["BBBB-0001", "BBBB-0003"]


def test_the_admin_side_never_creates_a_database(backend):
    with pytest.raises(StoreUnavailable):
        backend.admin().list()
    assert not backend.has_tables()


# -- the email outbox -----------------------------------------------------------------------
def test_notifications_are_leased_retried_and_sent_once(backend):
    writer = backend.writer()
    when = datetime(2026, 4, 2, 8, 0, 0, 500, tzinfo=timezone.utc)
    writer.add(referral("CCCC-0001", when=when, flags=("honeypot",)), notify=True)
    writer.add(referral("CCCC-0002"), notify=True)
    now = 1_000_000.0
    first = writer.claim_notifications(now, limit=1, lease_seconds=60)
    assert [(n.reference, n.attempts, n.flags, n.received_at) for n in first] == [("CCCC-0001", 0, ("honeypot",), when)]
    assert [n.reference for n in writer.claim_notifications(now, 10, 60)] == ["CCCC-0002"]
    assert writer.claim_notifications(now + 59, 10, 60) == [], "both leased"
    again = writer.claim_notifications(now + 61, 10, 60)
    assert [n.reference for n in again] == ["CCCC-0001", "CCCC-0002"], "a sender that died loses its lease"
    writer.notification_failed(again[0].id, retry_at=now + 500, error_kind="smtp-unreachable")
    writer.notification_sent(again[1].id, datetime.now(timezone.utc))
    assert writer.claim_notifications(now + 499, 10, 60) == []
    retried = writer.claim_notifications(now + 501, 10, 60)
    assert [(n.reference, n.attempts) for n in retried] == [("CCCC-0001", 1)]
    assert {r.reference: r.notified for r in backend.admin().list()} == {"CCCC-0001": False, "CCCC-0002": True}
    writer.notification_sent(retried[0].id, datetime.now(timezone.utc))
    assert writer.claim_notifications(FAR_FUTURE, 10, 60) == [], "a sent email is never claimed again"


def test_two_senders_never_claim_the_same_email(backend):
    writer = backend.writer()
    for i in range(60):
        writer.add(referral(f"DDDD-{i:04d}"), notify=True)
    senders = [backend.writer(), backend.writer()]
    claimed: list[str] = []
    lock = threading.Lock()

    def claim(n):
        for _ in range(100):
            notes = senders[n % 2].claim_notifications(FAR_FUTURE, 3, 3600)
            if not notes:
                return
            with lock:
                claimed.extend(note.reference for note in notes)

    errors = errors_in_threads(claim, 4)
    assert not errors, errors
    assert len(claimed) == 60 and len(set(claimed)) == 60


# -- retention ------------------------------------------------------------------------------
def test_purge_removes_old_rows_and_their_outbox(backend):
    writer = backend.writer()
    now = datetime.now(timezone.utc)
    old = now - timedelta(days=40)
    writer.add(referral("OLD0-0000", when=old), notify=True)
    writer.add(referral("OLD0-0001", when=old), notify=True)
    writer.add(referral("NEW0-0000"), notify=True)
    backend.admin().mark_handled(["OLD0-0001"], old + timedelta(days=1))
    result = writer.purge(now, retention_days=30)
    assert (result.deleted, result.kept_open, result.stopped) == (("OLD0-0001",), ("OLD0-0000",), "")
    assert [r.reference for r in backend.admin().list()] == ["OLD0-0000", "NEW0-0000"], "open referrals are kept"
    assert sorted(n.reference for n in writer.claim_notifications(FAR_FUTURE, 10, 60)) == ["NEW0-0000", "OLD0-0000"]
    assert backend.admin().purge(now, retention_days=30).deleted == ()


# -- failures: plain messages, no data ---------------------------------------------------------
def test_check_passes_on_a_working_store(backend):
    writer = backend.writer()
    writer.check()
    assert backend.has_tables(), "the writer makes its tables on first use"


def test_an_unreachable_database_is_unavailable_with_a_plain_message(backend):
    writer = stores.open_writer(backend.unreachable)
    for action in (writer.check, lambda: writer.add(referral("EEEE-0000"), notify=True)):
        with pytest.raises(StoreUnavailable) as caught:
            action()
        text = str(caught.value)
        assert "s3cret" not in text and "EEEE" not in text and "Traceback" not in text
        assert text.startswith("The referral database")
    writer.close()


def test_a_locked_database_is_busy_then_recovers(backend):
    writer = backend.writer(busy_timeout_ms=300)
    writer.add(referral("FFFF-0000"), notify=True)
    with backend.held_lock():
        with pytest.raises(StoreBusy) as caught:
            writer.add(referral("FFFF-0001"), notify=True)
        assert "busy" in str(caught.value) and "FFFF" not in str(caught.value)
    writer.add(referral("FFFF-0001"), notify=True)
    assert len(backend.admin().list()) == 2


def test_sqlite_instances_opening_a_new_file_together_both_store(tmp_path):
    """Two workers starting on a database file that does not exist yet both switch it to
    WAL at the same moment; SQLite answers that race at once, without waiting. Each round
    is one fresh file, so the race is met many times over."""
    errors = []
    for round_ in range(40):
        url = str(tmp_path / f"round-{round_}.sqlite3")
        writers = [stores.open_writer(url), stores.open_writer(url)]

        def first_referral(n):
            writers[n].add(referral(f"R{round_:03d}-{n:04d}"), notify=False)

        errors += errors_in_threads(first_referral, len(writers), join_timeout=30)
        for w in writers:
            w.close()
    assert not errors, errors


# -- PostgreSQL only ------------------------------------------------------------------------
@pytest.fixture
def pg(postgres):
    b = PostgresBackend(postgres)
    yield b
    b.close()


def test_pg_sessions_are_durable_and_in_utc(pg):
    writer = pg.writer()
    writer.add(referral(), notify=False)
    conn = writer._db._idle[0]
    assert conn.execute("SHOW synchronous_commit").fetchone()[0] in ("on", "remote_write", "remote_apply", "local")
    assert conn.execute("SHOW TimeZone").fetchone()[0] == "UTC"
    assert conn.execute("SHOW lock_timeout").fetchone()[0] == "5s"
    assert conn.execute("SHOW application_name").fetchone()[0] == "oxpip-referrals"


def test_pg_instances_starting_together_create_the_tables_once(pg):
    writers = [pg.writer() for _ in range(4)]
    errors = errors_in_threads(lambda n: writers[n].check(), len(writers), join_timeout=30)
    assert not errors, errors
    assert pg.sql("SELECT count(*) FROM pg_tables WHERE tablename IN ('referrals', 'outbox') AND schemaname = current_schema()") == [(2,)]


def test_pg_a_dropped_connection_is_replaced_without_losing_a_referral(pg, postgres):
    writer = pg.writer()
    writer.add(referral("GGGG-0000"), notify=True)
    with writer._db.transaction(), writer._db.transaction(), writer._db.transaction():
        pass  # three connections open at once, then back in the pool
    assert len(writer._db._idle) == 3, "pooled connections are kept"
    postgres.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE application_name = 'oxpip-referrals' AND pid <> pg_backend_pid()"
    )
    writer.add(referral("GGGG-0001"), notify=True)  # a dead connection is noticed at BEGIN: all are replaced
    assert writer._db._open == 1
    assert [r.reference for r in pg.admin().list()] == ["GGGG-0000", "GGGG-0001"]


def test_pg_a_wrong_database_or_user_is_said_plainly(postgres):
    base = postgres.url("no_such_database")
    for url, expected in (
        (base, "does not exist on that server"),
        (base.replace("//oxpip_test@", "//no_such_role@"), "refused the login"),
    ):
        writer = PostgresWriter(url)
        with pytest.raises(StoreUnavailable, match=expected) as caught:
            writer.check()
        assert "no_such" not in str(caught.value)
        writer.close()


def test_pg_a_read_only_server_is_unavailable(pg):
    pg.writer().check()  # tables exist
    read_only = PostgresWriter(pg.url + "%20-cdefault_transaction_read_only%3Don")
    try:
        for action in (read_only.check, lambda: read_only.add(referral("HHHH-0000"), notify=True)):
            with pytest.raises(StoreUnavailable, match="read-only"):
                action()
    finally:
        read_only.close()


def test_pg_the_pool_waits_then_reports_busy(pg):
    writer = PostgresWriter(pg.url, pool_size=1, busy_timeout_ms=200)
    try:
        writer.check()
        with writer._db.transaction():  # hold the only connection
            with pytest.raises(StoreBusy, match="in use"):
                writer.add(referral("IIII-0000"), notify=False)
        writer.add(referral("IIII-0000"), notify=False)
    finally:
        writer.close()


def test_pg_roles_the_service_writes_but_cannot_read_and_the_intake_team_reads(pg):
    """The grants in docs/referrals.md (WRITER_GRANTS, INTAKE_GRANTS), on a real server."""
    import psycopg

    pg.writer().check()  # the owner makes the tables
    schema = pg.sql("SELECT current_schema()")[0][0]
    service, intake = f"oxpip_service_{schema}", f"oxpip_intake_{schema}"
    for role, grants in ((service, WRITER_GRANTS), (intake, INTAKE_GRANTS)):
        pg.sql(f'CREATE ROLE "{role}" LOGIN')
        pg.sql(grants.format(schema=f'"{schema}"', role=f'"{role}"'))
    service_url = pg.url.replace("//oxpip_test@", f"//{service}@")
    intake_url = pg.url.replace("//oxpip_test@", f"//{intake}@")
    try:
        writer = PostgresWriter(service_url)
        try:
            writer.check()
            old = datetime.now(timezone.utc) - timedelta(days=100)
            writer.add(referral("JJJJ-0000", when=old), notify=True)
            writer.add(referral("JJJJ-0001"), notify=True)
            writer.add(referral("JJJJ-0002", sealed=b"for intake"), notify=True)
            with pytest.raises(DuplicateReference):
                writer.add(referral("JJJJ-0001"), notify=True)
            notes = writer.claim_notifications(FAR_FUTURE, 10, 60)
            writer.notification_failed(notes[0].id, 0, "smtp-unreachable")
            writer.notification_sent(notes[1].id, datetime.now(timezone.utc))
            pg.sql("UPDATE referrals SET status = 'handled', handled_at = received_at + interval '1 day' WHERE reference = 'JJJJ-0000'")
            assert writer.purge(datetime.now(timezone.utc), retention_days=30).deleted == ("JJJJ-0000",)
        finally:
            writer.close()
        with psycopg.connect(service_url) as conn:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("SELECT sealed FROM referrals")
        service_admin = PostgresAdmin(service_url)
        try:
            with pytest.raises(StoreUnavailable, match="permission"):
                service_admin.sealed()
        finally:
            service_admin.close()

        admin = PostgresAdmin(intake_url)
        try:
            assert [(s.reference, s.notified) for s in admin.list()] == [("JJJJ-0001", True), ("JJJJ-0002", False)]
            assert [bytes(c) for _, _, c in admin.sealed("new")][-1] == b"for intake"
            now = datetime.now(timezone.utc)
            assert admin.mark_handled(["JJJJ-0001", "JJJJ-0002"], now) == []
            assert admin.purge(now + timedelta(days=2), retention_days=1).deleted == ("JJJJ-0001", "JJJJ-0002")
        finally:
            admin.close()
        assert pg.sql("SELECT count(*) FROM outbox") == [(0,)], "outbox rows went with their referrals"
        intake_writer = PostgresWriter(intake_url)
        try:
            with pytest.raises(StoreUnavailable, match="permission"):
                intake_writer.add(referral("JJJJ-0003"), notify=True)
        finally:
            intake_writer.close()
    finally:
        for role in (service, intake):
            pg.sql(f'DROP OWNED BY "{role}"')
            pg.sql(f'DROP ROLE "{role}"')


def test_pg_the_cli_lists_and_marks_on_postgresql(pg):
    writer = pg.writer()
    writer.add(referral("KKKK-0001", flags=("fast",)), notify=False)
    out = run_cli("list", "--database", pg.url)
    assert out.returncode == 0, out.stderr
    assert "KKKK-0001" in out.stdout and "fast" in out.stdout and "1 referral" in out.stdout
    out = run_cli("mark-handled", "KKKK-0001", env={"REFERRALS_DATABASE": pg.url})
    assert out.returncode == 0, out.stderr
    assert [r.status for r in pg.admin().list()] == ["handled"]
    out = run_cli("list", "--database", "postgresql://oxpip:s3cret-pw@127.0.0.1:1/x?connect_timeout=2")
    assert out.returncode == 1 and "Traceback" not in out.stderr and "s3cret" not in out.stderr
    assert out.stderr.startswith("referrals: The referral database cannot be reached")


def test_the_service_refuses_an_unknown_database_scheme(settings, capsys):
    with pytest.raises(SystemExit) as exited:
        create_app(replace(settings, database="mysql://oxpip@db/referrals"))
    assert exited.value.code == 2
    assert "mysql:// is not supported" in capsys.readouterr().err


def test_pg_the_service_stores_and_the_intake_team_exports(settings, keys, pg):
    with app_client(replace(settings, database=pg.url)) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        response = submit(client, valid_answers())
        assert response.status_code == 303, response.text[:500]
        reference = response.headers["location"].rsplit("=", 1)[1]
    out = run_cli("export", "--database", pg.url, "--key", keys[0], "--format", "json")
    assert out.returncode == 0, out.stderr
    [document] = json.loads(out.stdout)
    assert document["reference"] == reference
    assert document["answers"]["full_name"] == "Zoë Ødegård-Nguyễn"


def test_pg_a_database_that_is_down_gives_503_with_every_answer_kept(settings):
    down = replace(settings, database="postgresql://oxpip@127.0.0.1:1/referrals?connect_timeout=2")
    with app_client(down) as client:
        assert client.get("/healthz").status_code == 503
        response = submit(client, valid_answers(safe_times="After 3pm, not Fridays"))
    assert response.status_code == 503
    assert "After 3pm, not Fridays" in response.text and "has not been sent yet" in response.text


def test_the_grants_in_the_docs_are_the_tested_ones():
    from referral_helpers import ROOT

    docs = (ROOT / "docs" / "referrals.md").read_text(encoding="utf-8")
    for grants, role in ((WRITER_GRANTS, "oxpip_service"), (INTAKE_GRANTS, "oxpip_intake")):
        for line in grants.strip().splitlines():
            if "ON SCHEMA" not in line:
                assert line.format(role=role) in docs, f"docs/referrals.md lacks: {line.format(role=role)}"
