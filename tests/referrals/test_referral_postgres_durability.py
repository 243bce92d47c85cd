"""Two instances on one PostgreSQL database; kill -9 one of them under load.

Two real `python -m referrals serve` processes share one database in the session's
throwaway PostgreSQL server (postgres_server.py) and one real SMTP server. Clients spread
their posts over both, as a load balancer would, and move to the survivor when one stops
answering. Mid-way, instance A's whole process group gets SIGKILL. Then:

- every referral that got a 303 is stored, exactly once, and no reference was handed out
  twice (two parents never share one);
- every stored referral has exactly one email row, and no email went out twice, although
  both instances ran their senders on the same outbox (leased claims, SKIP LOCKED);
- emails A had claimed when it died wait for their lease, the rest are all sent by B.

Loopback only; bounded by request count and by time.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import httpx
import psycopg
from aiosmtpd.controller import Controller

from referral_helpers import free_port, start_clients, start_server, valid_answers, wait_for_count

CLIENTS = 8
KILL_AFTER = 80  # acknowledged referrals (over both instances) before instance A is killed
TARGET = 200  # acknowledged referrals to reach in all
MAX_REQUESTS = 800  # hard bound on the whole test's traffic
DEADLINE_SECONDS = 45
PAGE = "/get-support/refer-yourself/"


class Inbox:
    def __init__(self):
        self.subjects: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        for line in envelope.content.decode("utf-8", "replace").splitlines():
            if line.startswith("Subject: "):
                self.subjects.append(line[len("Subject: "):].strip())
        return "250 OK"


def test_two_instances_kill_9_one_every_303_stored_once(tmp_path, postgres, referral_site, keys):
    database = postgres.new_database("durability")
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    ports = [free_port(), free_port()]
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    env = {
        "REFERRALS_DATABASE": database,
        "REFERRALS_PUBLIC_KEY": str(keys[1]),
        "REFERRALS_SITE_DIR": str(referral_site),
        "REFERRALS_ALLOWED_ORIGINS": ",".join(urls),
        "REFERRALS_TOKEN_SECRET": "durability-shared-secret",
        "REFERRALS_RATE_LIMIT": "0",
        "REFERRALS_SMTP_HOST": "127.0.0.1",
        "REFERRALS_SMTP_PORT": str(smtp.port),
        "REFERRALS_SMTP_FROM": "website@oxpip.example",
        "REFERRALS_SMTP_TO": "intake@oxpip.example",
        "REFERRALS_NOTIFY_POLL_SECONDS": "0.2",
    }
    servers = []
    try:
        for name, port in zip("AB", ports):
            servers.append(start_server(["serve", "--port", str(port)], env, tmp_path / f"server-{name}.log", port))
        a, b = servers
        acknowledged: list[tuple[str, int]] = []  # (reference, instance) for every 303
        lock = threading.Lock()
        sent = [0]
        killed = threading.Event()
        stop = threading.Event()
        unexpected: list[str] = []
        deadline = time.monotonic() + DEADLINE_SECONDS

        def client_loop(n: int) -> None:
            http = [httpx.Client(base_url=u, headers={"Origin": u}, timeout=10) for u in urls]
            try:
                i = n
                while not stop.is_set() and time.monotonic() < deadline:
                    with lock:
                        if sent[0] >= MAX_REQUESTS or len(acknowledged) >= TARGET:
                            return
                        sent[0] += 1
                    target = 1 if killed.is_set() else i % 2
                    i += 1
                    try:
                        r = http[target].post(PAGE, data=valid_answers(full_name=f"Client {n}"))
                    except httpx.HTTPError as exc:
                        if not (target == 0 and killed.is_set()):
                            unexpected.append(f"instance {'AB'[target]}: {type(exc).__name__}")
                        continue  # no answer: the parent would press Send again
                    if r.status_code == 303:
                        with lock:
                            acknowledged.append((r.headers["location"].rsplit("=", 1)[1], target))
                    else:
                        unexpected.append(f"instance {'AB'[target]}: status {r.status_code}")
            finally:
                for h in http:
                    h.close()

        threads = start_clients(client_loop, CLIENTS)
        try:
            wait_for_count(acknowledged, lock, KILL_AFTER, deadline)
            killed.set()
            a.kill9()  # SIGKILL to A's whole process group, with requests in flight
        finally:
            for t in threads:
                t.join(timeout=DEADLINE_SECONDS + 15)
            stop.set()

        refs = [ref for ref, _ in acknowledged]
        by_instance = Counter(instance for _, instance in acknowledged)
        assert len(refs) >= TARGET, f"only {len(refs)} referrals acknowledged in time:\n{b.log()[-2000:]}"
        assert by_instance[0] >= 10 and by_instance[1] >= 10, f"both instances took referrals: {by_instance}"
        assert not unexpected, f"failures other than the killed instance: {unexpected[:5]}"
        assert len(set(refs)) == len(refs), "a reference was handed to two parents"
        assert httpx.get(f"{b.url}/healthz", timeout=5).status_code == 200, "B kept running"

        def unsent_due(conn) -> int:
            return conn.execute(
                "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= extract(epoch FROM now())"
            ).fetchone()[0]

        with psycopg.connect(database, autocommit=True) as conn:
            deadline = time.monotonic() + 20
            while unsent_due(conn) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert unsent_due(conn) == 0, "B sent every email that was not leased by the dead instance"
            time.sleep(0.5)  # let a last send finish before the inbox is read
            b.stop()
            stored = Counter(r[0] for r in conn.execute("SELECT reference FROM referrals"))
            outbox = Counter(r[0] for r in conn.execute("SELECT reference FROM outbox"))
            leased = {r[0] for r in conn.execute("SELECT reference FROM outbox WHERE sent_at IS NULL")}
            marked_sent = {r[0] for r in conn.execute("SELECT reference FROM outbox WHERE sent_at IS NOT NULL")}
    finally:
        for server in servers:
            server.stop()
        smtp.stop()

    missing = set(refs) - set(stored)
    assert not missing, f"{len(missing)} acknowledged referrals were lost: {sorted(missing)[:5]}"
    assert all(count == 1 for count in stored.values())
    assert outbox == stored, "exactly one email row per stored referral"
    emailed = Counter(s.removeprefix("New self-referral ") for s in inbox.subjects)
    doubled = [ref for ref, count in emailed.items() if count > 1]
    assert not doubled, f"emailed twice: {doubled[:5]}"
    assert set(emailed) <= set(stored)
    assert marked_sent <= set(emailed), "every email marked sent reached the SMTP server"
    assert set(stored) - set(emailed) <= leased, "an email not sent is only one the dead instance had leased"
    print(
        f"sent {sent[0]}, acknowledged {len(refs)} (A {by_instance[0]}, B {by_instance[1]}), "
        f"stored {sum(stored.values())}, emailed {len(emailed)}, waiting on A's lease {len(leased)}"
    )
