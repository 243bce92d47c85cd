"""Helpers shared by the referral tests (a module with its own name, so imports never
pick up another folder's conftest.py): answers, form posts, database reads, real servers,
client threads. scripts/bench_referrals.py uses free_port and valid_answers too."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from referrals.app import create_app  # noqa: E402
from referrals.form_definition import PAGE_PATH  # noqa: E402
from referrals.settings import Settings  # noqa: E402

ORIGIN = "http://testserver"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def site_plugins() -> list[str]:
    """The site's plugins plus referral_form, in the site's order."""
    from pelican.settings import read_settings

    plugins = list(read_settings(str(ROOT / "pelicanconf.py")).get("PLUGINS") or [])
    return plugins + ([] if "referral_form" in plugins else ["referral_form"])


@contextmanager
def app_client(settings: Settings, peer: tuple[str, int] = ("testclient", 50000)):
    """The app in-process; `peer` is the address the app sees the request coming from."""
    from starlette.testclient import TestClient

    with TestClient(create_app(settings), base_url=ORIGIN, follow_redirects=False, client=peer) as client:
        client.headers["Origin"] = ORIGIN
        yield client


def form_token(html: str) -> str:
    match = re.search(r'name="form_token" value="([^"]*)"', html)
    assert match, "no form_token input on the page"
    return match.group(1)


def valid_answers(**changes: str) -> dict[str, str]:
    """A complete, valid referral a parent might send."""
    answers = {
        "full_name": "Zoë Ødegård-Nguyễn",
        "phone": "07700 900 982",
        "email": "zoe@example.com",
        "preferred_contact": "phone",
        "leave_message": "no",
        "safe_times": "Weekday mornings",
        "location": "OX11 7AB",
        "baby_status": "pregnant",
        "due_date-month": str((time.gmtime().tm_mon % 12) + 1),
        "due_date-year": str(time.gmtime().tm_year + (1 if time.gmtime().tm_mon == 12 else 0)),
        "relationship": "mother",
        "worries": "I don't feel close to my baby.\nI feel guilty about it.",
        "heard_about": "Health visitor",
        "consent": "yes",
    }
    answers.update(changes)
    return answers


def submit(client, answers: dict[str, str], token: str | None = None, **kwargs):
    """GET the form for a token, then POST the answers as a browser would."""
    if token is None:
        token = form_token(client.get(PAGE_PATH).text)
    return client.post(PAGE_PATH, data={**answers, "form_token": token}, **kwargs)


def db_rows(database: str, query: str = "SELECT reference, sealed, flags, status FROM referrals"):
    import sqlite3

    conn = sqlite3.connect(database)
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


# -- real server processes ---------------------------------------------------------------
class ServerProcess:
    def __init__(self, proc: subprocess.Popen, port: int, log_path: Path):
        self.proc = proc
        self.port = port
        self.log_path = log_path
        self.url = f"http://127.0.0.1:{port}"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def kill9(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def serve_env(port: int, database, public_key, site_dir, **settings) -> dict[str, str]:
    """REFERRALS_* variables for `serve` on 127.0.0.1:port; keyword settings are added by
    name (`trusted_proxies="127.0.0.1"` becomes REFERRALS_TRUSTED_PROXIES)."""
    env = {
        "REFERRALS_DATABASE": str(database),
        "REFERRALS_PUBLIC_KEY": str(public_key),
        "REFERRALS_SITE_DIR": str(site_dir),
        "REFERRALS_ALLOWED_ORIGINS": f"http://127.0.0.1:{port}",
        "REFERRALS_TOKEN_SECRET": "test-secret-not-for-production",
        "REFERRALS_TOKEN_MIN_SECONDS": "0",
        "REFERRALS_RATE_LIMIT": "0",
    }
    env.update({f"REFERRALS_{name.upper()}": str(value) for name, value in settings.items()})
    return env


def start_server(args: list[str], env: dict[str, str], log_path: Path, port: int, preexec_fn=None,
                 healthy: bool = True) -> ServerProcess:
    """Start `python -m referrals ...` in its own process group and wait for /healthz.

    `preexec_fn` runs in the child before the server starts (for example to set a resource
    limit). With `healthy=False` any answer from /healthz will do (a database that is down
    on purpose)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("REFERRALS_")}
    full_env.update(env)
    full_env["PYTHONPATH"] = str(ROOT)
    log_file = open(log_path, "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "referrals", *args],
        cwd=ROOT, env=full_env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        preexec_fn=preexec_fn,
    )
    log_file.close()
    server = ServerProcess(proc, port, log_path)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited early:\n{server.log()}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1).status_code in ((200,) if healthy else (200, 503)):
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.stop()
    raise AssertionError(f"server did not become healthy:\n{server.log()}")


def start_clients(client_loop, count: int) -> list[threading.Thread]:
    """Start `count` threads, each running client_loop(n) for its own n = 0, 1, ..."""
    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    return threads


def wait_for_count(items: list, lock: threading.Lock, count: int, deadline: float) -> None:
    """Return once `items` (appended to under `lock`) holds `count`, or at `deadline` (time.monotonic)."""
    while time.monotonic() < deadline:
        with lock:
            if len(items) >= count:
                return
        time.sleep(0.005)


def run_cli(*args, env=None):
    """Run `python -m referrals ...` as staff would: a separate process, no REFERRALS_* leaking in."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("REFERRALS_")}
    return subprocess.run(
        [sys.executable, "-m", "referrals", *map(str, args)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**clean, "PYTHONPATH": str(ROOT), **(env or {})},
    )


def write_feedback_comment(page, text: str) -> None:
    """In a Playwright page: open "Add a comment" under "Was this page helpful?" and type."""
    page.locator("summary", has_text="Add a comment (optional)").click()
    page.get_by_label("What could make this page better?").fill(text)
