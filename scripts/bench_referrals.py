"""Benchmark the referral service against a plain Starlette handler, in one run.

    .venv/bin/python scripts/bench_referrals.py [--site output] [--seconds 4]

Starts two real uvicorn servers on 127.0.0.1 (free ports): the referral service
(`python -m referrals serve`: validation, sealing, WAL + synchronous=FULL insert, outbox row)
and a baseline that parses the same form with Starlette and writes the same row
unencrypted to SQLite with the same durability settings. Then drives each with 1, 10 and 50
concurrent clients for a few seconds and prints referrals per second, p50 and p99 latency,
and the ratio. Loopback only; every loop is bounded in time and count. On a 2-core machine
the load generator shares the CPU with the server, so treat the figures as relative.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGE = "/get-support/refer-yourself/"
LEVELS = (1, 10, 50)
MAX_REQUESTS_PER_RUN = 20_000


def answers() -> dict[str, str]:
    t = time.gmtime()
    return {
        "full_name": "Zoë Ødegård-Nguyễn",
        "phone": "07700 900 982",
        "email": "zoe@example.com",
        "preferred_contact": "phone",
        "leave_message": "no",
        "safe_times": "Weekday mornings",
        "location": "OX11 7AB",
        "baby_status": "pregnant",
        "due_date-month": str(t.tm_mon % 12 + 1),
        "due_date-year": str(t.tm_year + (1 if t.tm_mon == 12 else 0)),
        "relationship": "mother",
        "worries": "I don't feel close to my baby. " * 20,
        "heard_about": "Health visitor",
        "consent": "yes",
    }


# -- the baseline server: a plain framework handler, same row, no encryption ---------------
def baseline_app(database: str):
    import secrets
    from datetime import datetime, timezone

    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import PlainTextResponse, RedirectResponse
    from starlette.routing import Route

    from referrals.sqlite_store import SCHEMA

    conn = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.executescript(SCHEMA)
    import threading

    lock = threading.Lock()

    def insert(row: bytes) -> str:
        ref = secrets.token_hex(4).upper()
        ref = f"{ref[:4]}-{ref[4:]}"
        with lock:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "INSERT INTO referrals (reference, received_at, key_id, sealed, flags) VALUES (?, ?, 'plain', ?, '')",
                (ref, datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), row),
            )
            conn.execute("INSERT INTO outbox (reference, next_attempt_at) VALUES (?, 0)", (ref,))
            conn.execute("COMMIT")
        return ref

    async def post(request):
        form = await request.form()
        row = json.dumps(dict(form), ensure_ascii=False).encode()
        ref = await run_in_threadpool(insert, row)
        return RedirectResponse(f"{PAGE}received/?ref={ref}", status_code=303)

    async def health(request):
        return PlainTextResponse("ok")

    return Starlette(routes=[Route(PAGE, post, methods=["POST"]), Route("/healthz", health)])


# -- process helpers ----------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else float("nan")  # noqa: E731
    return {"rps": len(latencies) / elapsed, "p50": pick(0.50), "p99": pick(0.99), "ok": len(latencies), "errors": errors}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", default="output", help="built site (make html)")
    parser.add_argument("--seconds", type=float, default=4.0, help="per level and server (max 20)")
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
    with tempfile.TemporaryDirectory(prefix="bench-referrals-") as tmp:
        tmp = Path(tmp)
        private, public = crypto.generate_keypair()
        crypto.write_public_key(tmp / "public.key", public)
        service_port, baseline_port = free_port(), free_port()
        service_url, baseline_url = f"http://127.0.0.1:{service_port}", f"http://127.0.0.1:{baseline_port}"
        service = start(
            ["-m", "referrals", "serve", "--port", str(service_port)],
            {
                "REFERRALS_DATABASE": str(tmp / "service.sqlite3"),
                "REFERRALS_PUBLIC_KEY": str(tmp / "public.key"),
                "REFERRALS_SITE_DIR": str(site),
                "REFERRALS_ALLOWED_ORIGINS": service_url,
                "REFERRALS_TOKEN_SECRET": "bench",
                "REFERRALS_TOKEN_MIN_SECONDS": "0",
                "REFERRALS_RATE_LIMIT": "0",
            },
            service_port,
            tmp / "service.log",
        )
        baseline = start(
            [str(Path(__file__).resolve()), "--serve-baseline", str(tmp / "baseline.sqlite3"), "--port", str(baseline_port)],
            {},
            baseline_port,
            tmp / "baseline.log",
        )
        try:
            import httpx
            import re

            page = httpx.get(service_url + PAGE).text
            token = re.search(r'name="form_token" value="([^"]*)"', page).group(1)
            results = {}
            for level in LEVELS:
                for name, url in (("service", service_url), ("baseline", baseline_url)):
                    asyncio.run(drive(url, level, min(0.5, seconds), token))  # warm up
                    results[(name, level)] = asyncio.run(drive(url, level, seconds, token))
        finally:
            stop(service)
            stop(baseline)
        stored = {
            name: sqlite3.connect(tmp / f"{name}.sqlite3").execute("SELECT COUNT(*) FROM referrals").fetchone()[0]
            for name in ("service", "baseline")
        }

    print(f"\nReferral service vs plain Starlette handler ({seconds:g} s per run, loopback, {os.cpu_count()} cores)\n")
    header = f"| {'clients':>7} | {'service r/s':>11} | {'p50 ms':>7} | {'p99 ms':>7} | {'baseline r/s':>12} | {'p50 ms':>7} | {'p99 ms':>7} | {'ratio':>5} |"
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    for level in LEVELS:
        s, b = results[("service", level)], results[("baseline", level)]
        ratio = s["rps"] / b["rps"] if b["rps"] else float("nan")
        print(
            f"| {level:>7} | {s['rps']:>11.0f} | {s['p50']:>7.1f} | {s['p99']:>7.1f} | "
            f"{b['rps']:>12.0f} | {b['p50']:>7.1f} | {b['p99']:>7.1f} | {ratio:>5.2f} |"
        )
    errors = sum(r["errors"] for r in results.values())
    print(f"\nratio = service r/s / baseline r/s. Non-303 answers: {errors}. Rows stored: {stored}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
