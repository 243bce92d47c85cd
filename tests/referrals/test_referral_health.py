"""/healthz says "ok" only when a referral could be stored right now, on both stores.

The check writes what storing a referral writes (a row the size of the largest referral a
parent can send, and its email row) and deletes it in the same committed transaction, so a
full disk, a file-size limit, a refused permission or a broken table fails it exactly as it
fails a parent's post.
"""

from __future__ import annotations

import resource
import time
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from referrals import crypto
from referrals.form_definition import FIELDS, PAGE_PATH
from referrals.store import StoreUnavailable
from referrals.store_common import HEALTH_PROBE_BYTES

from referral_helpers import app_client, free_port, serve_env, start_server, submit, valid_answers
from test_referral_store_contract import PostgresBackend, backend  # noqa: F401 (backend: a fixture)

FILE_LIMIT = 300 * 1024  # `ulimit -f 300`: no file of the service may grow past 300 KiB


def break_referrals(b) -> None:
    """Every new referral row is refused (as a full table or a revoked right would refuse it)."""
    if b.name == "sqlite":
        b.sql("CREATE TRIGGER refuse_referral BEFORE INSERT ON referrals BEGIN SELECT RAISE(ABORT, 'full'); END")
    else:
        b.sql("ALTER TABLE referrals ADD CONSTRAINT refuse_referral CHECK (length(reference) < 0) NOT VALID")


def test_the_check_fails_whenever_a_referral_could_not_be_stored(backend):
    writer = backend.writer()
    writer.check()
    backend.break_outbox()  # the email row is refused: only matters when emails are on
    writer.check(notify=False)
    with pytest.raises(StoreUnavailable):
        writer.check(notify=True)
    break_referrals(backend)
    with pytest.raises(StoreUnavailable):
        writer.check(notify=False)


def test_the_check_leaves_nothing_behind(backend):
    writer = backend.writer()
    for _ in range(3):
        writer.check(notify=True)
    assert backend.sql("SELECT COUNT(*) FROM referrals") == [(0,)]
    assert backend.sql("SELECT COUNT(*) FROM outbox") == [(0,)]
    assert writer.claim_notifications(1e12, 10, 60) == []


def test_the_probe_is_as_big_as_the_largest_referral_a_parent_can_send(keys):
    """Deterministic budget: every answer at its longest, in 4-byte characters, sealed."""
    public = crypto.load_public_key(keys[1])
    answers = {part: "\U0001f476" * max(f.max_length, 200) for f in FIELDS for part in f.part_names()}
    document = {"reference": "XXXX-XXXX", "received_at": "2026-07-16T00:30:00+00:00", "form_version": 1,
                "answers": answers, "notes": {"area": "outside", "child_age": "over_2"},
                "flags": ["fast", "honeypot", "no-origin", "rate-limit"]}
    assert len(crypto.seal(public, document)) <= HEALTH_PROBE_BYTES


def test_healthz_fails_as_soon_as_posts_fail_under_a_file_size_limit(tmp_path, referral_site, keys):
    """Issue input: the service under `ulimit -f 300`. Every post gets 503: /healthz must too,
    and both recover when the limit is lifted."""
    port = free_port()
    (tmp_path / "data").mkdir()
    env = serve_env(port, tmp_path / "data" / "referrals.sqlite3", keys[1], referral_site)

    def limit_file_size():
        resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT, resource.RLIM_INFINITY))

    server = start_server(["serve", "--port", str(port)], env, tmp_path / "server.log", port, preexec_fn=limit_file_size)
    statuses = []
    try:
        with httpx.Client(base_url=server.url, headers={"Origin": server.url}, timeout=10) as http:
            answers = valid_answers(worries="I feel far from my baby. " * 70)
            # Until the database file itself is full: every post fails from then on. (Before
            # that, a post now and then fails while SQLite's WAL waits for a checkpoint.)
            while len(statuses) < 400 and statuses[-3:] != [503, 503, 503]:
                statuses.append(http.post(PAGE_PATH, data=answers).status_code)
            assert statuses[-3:] == [503, 503, 503], f"never full: {statuses[-5:]}\n{server.log()[-2000:]}"
            stored = statuses.count(303)
            after = [http.post(PAGE_PATH, data=answers).status_code for _ in range(3)]
            health = http.get("/healthz")
            assert after == [503, 503, 503]
            assert health.status_code == 503, f"/healthz said {health.text} while every post got 503"
            assert health.json()["status"] == "unavailable"
            resource.prlimit(server.proc.pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
            deadline = time.monotonic() + 15
            while http.get("/healthz").status_code != 200 and time.monotonic() < deadline:
                time.sleep(0.2)
            assert http.get("/healthz").status_code == 200, server.log()[-2000:]
            assert http.post(PAGE_PATH, data=answers).status_code == 303
    finally:
        server.stop()
    print(f"{stored} referrals stored before the 300 KiB limit; then posts and /healthz both 503; both recovered")


def test_pg_healthz_fails_when_the_service_role_may_no_longer_add_referrals(settings, postgres):
    """PostgreSQL: the old check (a DELETE that touched nothing) passed while every INSERT was refused."""
    from referrals.postgres_store import WRITER_GRANTS

    pg = PostgresBackend(postgres)
    pg.writer().check()  # the owner makes the tables
    schema = pg.sql("SELECT current_schema()")[0][0]
    role = f"oxpip_service_{schema}"
    pg.sql(f'CREATE ROLE "{role}" LOGIN')
    pg.sql(WRITER_GRANTS.format(schema=f'"{schema}"', role=f'"{role}"'))
    service_url = pg.url.replace("//oxpip_test@", f"//{role}@")
    try:
        with app_client(replace(settings, database=service_url)) as client:
            assert client.get("/healthz").json() == {"status": "ok"}
            assert submit(client, valid_answers()).status_code == 303
            pg.sql(f'REVOKE INSERT ON referrals FROM "{role}"')
            assert submit(client, valid_answers()).status_code == 503
            time.sleep(0.1)
            health = client.get("/healthz")
            assert health.status_code == 503, health.text
            pg.sql(f'GRANT INSERT ON referrals TO "{role}"')
            assert client.get("/healthz").status_code == 200
            assert submit(client, valid_answers()).status_code == 303
    finally:
        pg.sql(f'DROP OWNED BY "{role}"')
        pg.sql(f'DROP ROLE "{role}"')
        pg.close()


def test_healthz_answers_fast_when_asked_often_and_writes_at_most_once_a_few_seconds(client, settings):
    """The check writes; a monitoring storm (or a stranger) must not turn it into a disk workout."""
    database = settings.database
    assert client.get("/healthz").status_code == 200
    frames_before = _wal_bytes(database)
    for _ in range(50):
        assert client.get("/healthz").status_code == 200
    assert _wal_bytes(database) == frames_before, "fifty checks in a row wrote again and again"


def _wal_bytes(database: str) -> int:
    wal = Path(f"{database}-wal")
    return wal.stat().st_size if wal.exists() else 0


def test_healthz_reports_a_failed_post_at_once(settings, tmp_path):
    """The latest real write counts: after a failed post, /healthz says so without waiting."""
    settings = replace(settings, database=str(tmp_path / "later" / "referrals.sqlite3"))
    with app_client(settings) as client:
        assert client.get("/healthz").status_code == 503
        (tmp_path / "later").mkdir()
        assert submit(client, valid_answers()).status_code == 303
        assert client.get("/healthz").status_code == 200
