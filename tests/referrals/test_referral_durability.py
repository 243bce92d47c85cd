"""Durability: kill -9 the real server while clients send referrals; every 303 is on disk.

The service answers 303 only after SQLite's COMMIT returned (WAL, synchronous=FULL), so a
referral the parent was told about must survive the process dying at any instant.
"""

import sqlite3
import threading
import time

import httpx

from referral_helpers import free_port, start_clients, start_server, valid_answers, wait_for_count

CLIENTS = 8
KILL_AFTER = 60  # successful referrals before the kill
MAX_REQUESTS = 600  # hard bound on the whole test's traffic
DEADLINE_SECONDS = 30


def test_kill_9_mid_stream_loses_no_acknowledged_referral(tmp_path, referral_site, keys):
    port = free_port()
    (tmp_path / "data").mkdir()
    database = tmp_path / "data" / "referrals.sqlite3"
    server = start_server(
        ["serve", "--port", str(port)],
        {
            "REFERRALS_DATABASE": str(database),
            "REFERRALS_PUBLIC_KEY": str(keys[1]),
            "REFERRALS_SITE_DIR": str(referral_site),
            "REFERRALS_ALLOWED_ORIGINS": f"http://127.0.0.1:{port}",
            "REFERRALS_TOKEN_SECRET": "durability",
            "REFERRALS_RATE_LIMIT": "0",
        },
        tmp_path / "server.log",
        port,
    )
    acknowledged: list[str] = []
    lock = threading.Lock()
    sent = [0]
    stop = threading.Event()
    deadline = time.monotonic() + DEADLINE_SECONDS

    def client_loop(n):
        with httpx.Client(base_url=server.url, headers={"Origin": server.url}, timeout=5) as http:
            while not stop.is_set() and time.monotonic() < deadline:
                with lock:
                    if sent[0] >= MAX_REQUESTS:
                        return
                    sent[0] += 1
                try:
                    r = http.post("/get-support/refer-yourself/", data=valid_answers(full_name=f"Client {n}"))
                except httpx.HTTPError:
                    return  # the server is gone
                if r.status_code == 303:
                    with lock:
                        acknowledged.append(r.headers["location"].rsplit("=", 1)[1])

    threads = start_clients(client_loop, CLIENTS)
    try:
        wait_for_count(acknowledged, lock, KILL_AFTER, deadline)
        server.kill9()  # SIGKILL to the whole process group, mid-stream
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=10)
        server.stop()

    assert len(acknowledged) >= KILL_AFTER, f"only {len(acknowledged)} referrals before the deadline:\n{server.log()[-2000:]}"
    conn = sqlite3.connect(database)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        stored = {r[0] for r in conn.execute("SELECT reference FROM referrals")}
    finally:
        conn.close()
    missing = set(acknowledged) - stored
    assert not missing, f"{len(missing)} acknowledged referrals were lost: {sorted(missing)[:5]}"
    assert len(stored) >= len(acknowledged)
    print(f"sent {sent[0]}, acknowledged {len(acknowledged)}, stored {len(stored)}")
