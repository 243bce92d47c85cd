"""Benchmark the referral service against a plain Starlette handler, in one run, on SQLite
and on PostgreSQL.

    .venv/bin/python scripts/bench_referrals.py [--site output] [--seconds 4]
        [--database both|sqlite|postgresql] [--postgres-url postgresql://...]

For each store it starts two real uvicorn servers on 127.0.0.1 (free ports): the referral
service (`python -m referrals serve`: validation, sealing, a durable insert of the
referral and its outbox row in one transaction) and a baseline that parses the same form
with Starlette and writes the same rows unencrypted to the same kind of database with the
same durability (SQLite: WAL + synchronous=FULL; PostgreSQL: synchronous_commit=on, fsync
on, a pool of as many connections as the service's). Then it drives each with 1, 10 and
50 concurrent clients for a few seconds and prints referrals per second, p50 and p99
latency, the ratio to that store's baseline, and the ratio to the SQLite baseline (the
same yardstick for both stores). Each server's seconds at a level are taken in turns with the
other servers, so a burst of other work on the machine falls on all of them alike.

PostgreSQL: a throwaway server is started in a temporary folder with Debian's binaries
(tests/referrals/postgres_server.py; `apt-get install postgresql`), or pass --postgres-url
(a role that may CREATE DATABASE). Loopback only; every loop is bounded in time and count.
On a 2-core machine the load generator and the database share the CPU with the server,
so treat the figures as relative.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "referrals"))

from referral_helpers import free_port, valid_answers  # noqa: E402  (shared with the tests, as postgres_server is)

PAGE = "/get-support/refer-yourself/"
LEVELS = (1, 10, 50)
MAX_REQUESTS_PER_RUN = 20_000
STORE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
ROUNDS = 4  # turns per server and level (see main)


def answers() -> dict[str, str]:
    """The tests' valid referral, with a longer answer to "worries"."""
    return valid_answers(worries="I don't feel close to my baby. " * 20)


# -- the baseline server: a plain framework handler, same rows, no encryption ---------------
def _reference() -> str:
    import secrets

    ref = secrets.token_hex(4).upper()
    return f"{ref[:4]}-{ref[4:]}"


def _sqlite_inserter(database: str):
    import threading
    from datetime import datetime, timezone

    from referrals.sqlite_store import SCHEMA

    conn = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.executescript(SCHEMA)
    lock = threading.Lock()

    def insert(row: bytes) -> str:
        ref = _reference()
        with lock:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "INSERT INTO referrals (reference, received_at, key_id, sealed, flags) VALUES (?, ?, 'plain', ?, '')",
                (ref, datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), row),
            )
            conn.execute("INSERT INTO outbox (reference, next_attempt_at) VALUES (?, 0)", (ref,))
            conn.execute("COMMIT")
        return ref

    return insert


def _postgres_inserter(url: str):
    """The same two rows in one transaction, over a plain queue of connections."""
    import queue
    from datetime import datetime, timezone

    import psycopg

    from referrals.postgres_store import POOL_SIZE, SCHEMA

    pool: queue.Queue = queue.Queue()
    for _ in range(POOL_SIZE):
        conn = psycopg.connect(url, autocommit=True)
        conn.execute("SET synchronous_commit = on")
        pool.put(conn)
    conn = pool.get()
    conn.execute(SCHEMA)
    pool.put(conn)

    def insert(row: bytes) -> str:
        ref = _reference()
        conn = pool.get()
        try:
            with conn.transaction():
                conn.execute(
                    "INSERT INTO referrals (reference, received_at, key_id, sealed, flags) VALUES (%s, %s, 'plain', %s, '')",
                    (ref, datetime.now(timezone.utc), row),
                )
                conn.execute("INSERT INTO outbox (reference, next_attempt_at) VALUES (%s, 0)", (ref,))
        finally:
            pool.put(conn)
        return ref

    return insert


def baseline_app(database: str):
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import PlainTextResponse, RedirectResponse
    from starlette.routing import Route

    if database.startswith("postgresql://"):
        insert = _postgres_inserter(database)
    else:
        insert = _sqlite_inserter(database)

    async def post(request):
        form = await request.form()
        row = json.dumps(dict(form), ensure_ascii=False).encode()
        ref = await run_in_threadpool(insert, row)
        return RedirectResponse(f"{PAGE}received/?ref={ref}", status_code=303)

    async def health(request):
        return PlainTextResponse("ok")

    return Starlette(routes=[Route(PAGE, post, methods=["POST"]), Route("/healthz", health)])


# -- process helpers ----------------------------------------------------------------------------
def start(args: list[str], env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    import httpx

    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server failed to start:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    raise SystemExit("server did not become healthy in 30 s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


# -- load --------------------------------------------------------------------------------------
async def drive(url: str, clients: int, seconds: float, token: str) -> dict:
    import httpx

    body = {**answers(), "form_token": token}
    latencies: list[float] = []
    errors = 0
    count = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, headers={"Origin": url}, limits=limits, timeout=30) as http:
        end = time.perf_counter() + seconds

        async def worker():
            nonlocal errors, count
            while time.perf_counter() < end and count < MAX_REQUESTS_PER_RUN:
                count += 1
                t0 = time.perf_counter()
                try:
                    r = await http.post(PAGE, data=body)
                    ok = r.status_code == 303
                except httpx.HTTPError:
                    ok = False
                if ok:
                    latencies.append(time.perf_counter() - t0)
                else:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return summarise([{"latencies": latencies, "elapsed": elapsed, "errors": errors}])


def summarise(runs: list[dict]) -> dict:
    """One figure from several interleaved runs of the same server and level."""
    latencies = sorted(x for run in runs for x in run["latencies"])
    elapsed = sum(run["elapsed"] for run in runs)
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else float("nan")  # noqa: E731
    return {
        "rps": len(latencies) / elapsed if elapsed else 0.0, "p50": pick(0.50), "p99": pick(0.99),
        "ok": len(latencies), "errors": sum(run["errors"] for run in runs),
        "latencies": latencies, "elapsed": elapsed,
    }


def count_rows(database: str) -> int:
    if database.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(database) as conn:
            return conn.execute("SELECT count(*) FROM referrals").fetchone()[0]
    conn = sqlite3.connect(database)
    try:
        return conn.execute("SELECT COUNT(*) FROM referrals").fetchone()[0]
    finally:
        conn.close()


def postgres_databases(args, tmp: Path):
    """(cluster or None, service URL, baseline URL): two fresh databases on one server."""
    from postgres_server import PostgresCluster

    cluster = PostgresCluster(args.postgres_url) if args.postgres_url else PostgresCluster.start(fsync=True)
    try:
        return cluster, cluster.new_database("bench_service"), cluster.new_database("bench_baseline")
    except BaseException:
        cluster.stop()
        raise


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", default="output", help="built site (make html)")
    parser.add_argument("--seconds", type=float, default=4.0, help="per level and server (max 20)")
    parser.add_argument("--database", choices=["both", "sqlite", "postgresql"], default="both", help="which stores to measure")
    parser.add_argument("--postgres-url", help="an existing PostgreSQL server (default: start a throwaway one)")
    parser.add_argument("--serve-baseline", metavar="DB", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.serve_baseline:
        import uvicorn

        uvicorn.run(baseline_app(args.serve_baseline), host="127.0.0.1", port=args.port, log_level="warning")
        return 0

    from referrals import crypto

    site = Path(args.site)
    if not (site / "get-support/refer-yourself/index.html").exists():
        print(f"No built form page in {site}/: run `make html` first (or pass --site)", file=sys.stderr)
        return 1
    seconds = min(max(args.seconds, 0.5), 20.0)
    load_before = f"{os.getloadavg()[0]:.1f}"
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    notes: list[str] = []
    status = 0
    cluster = None
    with tempfile.TemporaryDirectory(prefix="bench-referrals-") as tmp:
        tmp = Path(tmp)
        private, public = crypto.generate_keypair()
        crypto.write_public_key(tmp / "public.key", public)
        databases: dict[str, tuple[str, str]] = {}
        if "sqlite" in kinds:
            databases["sqlite"] = (str(tmp / "service.sqlite3"), str(tmp / "baseline.sqlite3"))
        if "postgresql" in kinds:
            try:
                cluster, service_db, baseline_db = postgres_databases(args, tmp)
                databases["postgresql"] = (service_db, baseline_db)
            except Exception as exc:  # binaries missing, server unreachable
                notes.append(f"PostgreSQL: not measured: {exc}")
                status = 1
        servers: dict[tuple[str, str], tuple[subprocess.Popen, str]] = {}
        results = {}
        try:
            for kind, (service_db, baseline_db) in databases.items():
                service_port, baseline_port = free_port(), free_port()
                service_url, baseline_url = f"http://127.0.0.1:{service_port}", f"http://127.0.0.1:{baseline_port}"
                servers[(kind, "service")] = start(
                    ["-m", "referrals", "serve", "--port", str(service_port)],
                    {
                        "REFERRALS_DATABASE": service_db,
                        "REFERRALS_PUBLIC_KEY": str(tmp / "public.key"),
                        "REFERRALS_SITE_DIR": str(site),
                        "REFERRALS_ALLOWED_ORIGINS": service_url,
                        "REFERRALS_TOKEN_SECRET": "bench",
                        "REFERRALS_TOKEN_MIN_SECONDS": "0",
                        "REFERRALS_RATE_LIMIT": "0",
                    },
                    service_port,
                    tmp / f"service-{kind}.log",
                ), service_url
                servers[(kind, "baseline")] = start(
                    [str(Path(__file__).resolve()), "--serve-baseline", baseline_db, "--port", str(baseline_port)],
                    {},
                    baseline_port,
                    tmp / f"baseline-{kind}.log",
                ), baseline_url
            import re

            import httpx

            # One token for every run (all services sign with the same secret); the baselines
            # get it too, so every server parses the same body.
            page = httpx.get(servers[(next(iter(databases)), "service")][1] + PAGE).text if databases else ""
            token = re.search(r'name="form_token" value="([^"]*)"', page).group(1) if databases else ""
            # Each level's time is split into ROUNDS turns taken in rotation by every server,
            # so a burst of other work on the machine falls on all of them alike.
            for level in LEVELS:
                runs: dict[tuple[str, str], list[dict]] = {key: [] for key in servers}
                for key in servers:
                    asyncio.run(drive(servers[key][1], level, min(0.5, seconds), token))  # warm up
                for _ in range(ROUNDS):
                    for key in servers:
                        runs[key].append(asyncio.run(drive(servers[key][1], level, seconds / ROUNDS, token)))
                for (kind, name), done in runs.items():
                    results[(kind, name, level)] = summarise(done)
        finally:
            for proc, _ in servers.values():
                stop(proc)
        try:
            stored = {
                f"{kind}-{name}": count_rows(db)
                for kind, dbs in databases.items()
                for name, db in zip(("service", "baseline"), dbs)
            }
        finally:
            if cluster is not None:
                cluster.stop()

    print(
        f"\nReferral service vs plain Starlette handler ({seconds:g} s per server and level in {ROUNDS} turns,"
        f" loopback, {os.cpu_count()} cores, load average before: {load_before})\n"
    )
    header = (
        f"| {'store':<10} | {'clients':>7} | {'service r/s':>11} | {'p50 ms':>7} | {'p99 ms':>7} | "
        f"{'baseline r/s':>12} | {'p50 ms':>7} | {'p99 ms':>7} | {'ratio':>5} | {'vs SQLite baseline':>18} |"
    )
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    for kind in databases:
        for level in LEVELS:
            s, b = results[(kind, "service", level)], results[(kind, "baseline", level)]
            ratio = s["rps"] / b["rps"] if b["rps"] else float("nan")
            yard = results.get(("sqlite", "baseline", level))
            versus = f"{s['rps'] / yard['rps']:.2f}" if yard and yard["rps"] else "-"
            print(
                f"| {STORE_NAMES[kind]:<10} | {level:>7} | {s['rps']:>11.0f} | {s['p50']:>7.1f} | {s['p99']:>7.1f} | "
                f"{b['rps']:>12.0f} | {b['p50']:>7.1f} | {b['p99']:>7.1f} | {ratio:>5.2f} | {versus:>18} |"
            )
    errors = sum(r["errors"] for r in results.values())
    print(
        "\nratio = service r/s / baseline r/s on the same store; vs SQLite baseline = service r/s /"
        " the SQLite baseline's r/s at that level (one yardstick for both stores)."
    )
    if len(databases) == 2:
        line = ", ".join(
            f"{level} client{'s' if level > 1 else ''} {results[('postgresql', 'service', level)]['rps'] / results[('sqlite', 'service', level)]['rps']:.2f}"
            for level in LEVELS
            if results[("sqlite", "service", level)]["rps"]
        )
        print(f"PostgreSQL service / SQLite service r/s: {line}.")
    print(f"Non-303 answers: {errors}. Rows stored: {stored}.")
    for note in notes:
        print(note)
    return status


if __name__ == "__main__":
    sys.exit(main())
