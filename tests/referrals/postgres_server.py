"""A real, throwaway PostgreSQL server for the referral tests and the benchmark.

One cluster per test session, made with Debian's own binaries (package `postgresql`:
/usr/lib/postgresql/<version>/bin/initdb and pg_ctl, the newest version found) in a new
temporary folder. It listens on 127.0.0.1 at a free port and on a unix socket inside that
folder, trusts local connections (nobody else can reach it), and is stopped and deleted at
the end. PostgreSQL refuses to run as root, so when the tests run as root (as CI does) the
cluster runs as the `postgres` OS user (the Debian package makes it) through `runuser`.

Each test gets a fresh database from `new_database()`, so tests never see each other's rows.

Set REFERRALS_TEST_POSTGRES_URL (for example postgresql://postgres@127.0.0.1:5432/postgres,
a role allowed to CREATE DATABASE) to use an already running server instead.

Missing binaries are a failure that says what to install, never a skip: CI must run these.
No pytest here, so scripts/bench_referrals.py can start a cluster the same way.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

INSTALL_HINT = "PostgreSQL server binaries not found: run `apt-get install -y postgresql` (Debian's package)"
SUPERUSER = "oxpip_test"


class PostgresMissing(RuntimeError):
    """The server binaries are not installed (the message says how to install them)."""


def find_bin_dir() -> Path:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb and pg_ctl."""
    found = []
    for initdb in glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        folder = Path(initdb).parent
        version = folder.parent.name
        if (folder / "pg_ctl").exists() and version.split(".")[0].isdigit():
            found.append((int(version.split(".")[0]), folder))
    if not found:
        raise PostgresMissing(INSTALL_HINT)
    return max(found)[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresCluster:
    """A running server; `new_database()` hands out fresh databases as postgresql:// URLs."""

    def __init__(self, admin_url: str, stop=None, log_path: Path | None = None):
        self.admin_url = admin_url  # connects as a superuser to the maintenance database
        self._stop = stop
        self.log_path = log_path
        self._count = 0
        self._shared: str | None = None

    # -- the throwaway cluster ---------------------------------------------------------------
    @classmethod
    def start(cls, fsync: bool = True) -> "PostgresCluster":
        bin_dir = find_bin_dir()
        as_root = os.geteuid() == 0
        run_as: list[str] = []
        if as_root:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresMissing(
                    "No `postgres` OS user to run the test cluster as (PostgreSQL refuses root): "
                    "run `apt-get install -y postgresql`, which makes it"
                ) from None
            if not shutil.which("runuser"):
                raise PostgresMissing("`runuser` (util-linux) is needed to start PostgreSQL as the postgres user")
            run_as = ["runuser", "-u", "postgres", "--"]
        # Mode 0700 and a short path (unix socket paths are limited). As root, under /tmp so the
        # postgres user can reach it whatever TMPDIR says (a folder in /root would not do).
        parent = "/tmp" if as_root and os.path.isdir("/tmp") else None
        base = Path(tempfile.mkdtemp(prefix="oxpip-pg-", dir=parent))
        if as_root:
            os.chown(base, owner.pw_uid, owner.pw_gid)
        data, log = base / "data", base / "server.log"
        port = _free_port()

        def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
            return subprocess.run(
                [*run_as, *args], capture_output=True, text=True, timeout=timeout,
                env={**os.environ, "LC_ALL": "C", "LANG": "C"}, cwd=base,
            )

        def remove() -> None:
            shutil.rmtree(base, ignore_errors=True)

        proc = run(
            str(bin_dir / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust",
            "--encoding=UTF8", "--locale=C", "--no-sync",
        )
        if proc.returncode != 0:
            remove()
            raise RuntimeError(f"initdb failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
        options = " ".join(
            [
                "-c listen_addresses=127.0.0.1",
                f"-c port={port}",
                f"-c unix_socket_directories={base}",
                "-c max_connections=100",
                "-c shared_buffers=64MB",
                f"-c fsync={'on' if fsync else 'off'}",
                "-c synchronous_commit=on",
                "-c log_min_messages=warning",
            ]
        )
        proc = run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "30", "start")
        if proc.returncode != 0:
            text = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            remove()
            raise RuntimeError(f"PostgreSQL did not start:\n{proc.stdout[-1000:]}\n{proc.stderr[-1000:]}\n{text}")

        def stop() -> None:
            run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "-t", "30", "stop")
            remove()

        return cls(f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres", stop=stop, log_path=log)

    @classmethod
    def from_env_or_start(cls, fsync: bool = True) -> "PostgresCluster":
        given = os.environ.get("REFERRALS_TEST_POSTGRES_URL", "").strip()
        if given:
            return cls(given)
        return cls.start(fsync=fsync)

    # -- using it ----------------------------------------------------------------------------
    def url(self, database: str) -> str:
        parts = urlsplit(self.admin_url)
        return urlunsplit(parts._replace(path="/" + database))

    def execute(self, *statements: str, database: str | None = None) -> None:
        """Run statements in autocommit as the superuser (CREATE DATABASE, roles, sabotage)."""
        import psycopg

        with psycopg.connect(self.url(database) if database else self.admin_url, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    def new_schema(self, prefix: str = "t") -> str:
        """A fresh, empty schema in one shared test database; returns a URL whose
        search_path is that schema only (much quicker than a database per test)."""
        if self._shared is None:
            self._shared = self.new_database("referral_tests")
        self._count += 1
        name = f"{prefix}_{self._count}_{secrets.token_hex(3)}"
        self.execute(f'CREATE SCHEMA "{name}"', database=urlsplit(self._shared).path.lstrip("/"))
        return f"{self._shared}?options=-csearch_path%3D{name}"

    def new_database(self, prefix: str = "referrals") -> str:
        """A fresh, empty database; returns its postgresql:// URL."""
        self._count += 1
        name = f"{prefix}_{os.getpid()}_{self._count}_{secrets.token_hex(3)}"
        self.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return self.url(name)

    def stop(self) -> None:
        if self._stop:
            self._stop()
            self._stop = None


def session_cluster():
    """The pytest fixture's body (conftest.py): one cluster per session; missing binaries FAIL."""
    import pytest

    try:
        cluster = PostgresCluster.from_env_or_start()
    except PostgresMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield cluster
    finally:
        cluster.stop()


def wait_for(predicate, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
