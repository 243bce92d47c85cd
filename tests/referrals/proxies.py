"""The reverse proxies of docs/referrals.md, run for real: Debian's nginx and Caddy.

Each config is read from the docs (the fenced block after `<!-- tested-config: NAME -->`),
so what a deployer copies is what the tests run. Only what must differ on a test machine
is changed, each by an exact substitution that must match: a local port instead of 443
and the certificate (nginx) or the site's name (Caddy, which would fetch a certificate),
the built test site instead of /srv/oxpip/output, the service's test port instead of 8081,
and 3 s instead of 60 s for the read time-out. Missing packages are a failure that says
what to install, never a skip.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from referral_helpers import ROOT, free_port

DOCS = ROOT / "docs" / "referrals.md"
TIMEOUT_SECONDS = 3


def docs_config(name: str) -> str:
    """The fenced block that follows `<!-- tested-config: name -->` in docs/referrals.md."""
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(rf"<!-- tested-config: {name} -->\n```\w*\n(.*?)\n```", text, re.S)
    assert match, f"docs/referrals.md has no block marked <!-- tested-config: {name} -->"
    return match.group(1)


def substitute(config: str, changes: list[tuple[str, str]]) -> str:
    for old, new in changes:
        assert old in config, f"the documented config no longer contains {old!r}: update the test's substitutions"
        config = config.replace(old, new)
    return config


def wait_for_port(port: int, proc: subprocess.Popen, log: Path, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the proxy exited:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"the proxy did not start:\n{log.read_text(errors='replace')[-3000:]}")


class Proxy:
    """A running proxy in front of `service_port`, serving `site`; `url` is its address."""

    name = ""

    def __init__(self, folder: Path, site: Path, service_port: int):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / "proxy.log"
        self.proc = self._start(site, service_port)
        wait_for_port(self.port, self.proc, self.log)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def _popen(self, argv: list[str], env: dict | None = None) -> subprocess.Popen:
        with open(self.log, "wb") as out:
            return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=self.folder)


class Nginx(Proxy):
    name = "nginx"

    def _start(self, site: Path, service_port: int) -> subprocess.Popen:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        assert os.path.exists(binary), "nginx not found: run `apt-get install -y nginx` (Debian's package)"
        server = substitute(docs_config("nginx"), [
            ("listen 443 ssl http2;", f"listen 127.0.0.1:{self.port};"),
            ("    ssl_certificate /etc/letsencrypt/live/www.oxpip.org.uk/fullchain.pem;\n", ""),
            ("    ssl_certificate_key /etc/letsencrypt/live/www.oxpip.org.uk/privkey.pem;\n", ""),
            ("root /srv/oxpip/output;", f"root {site};"),
            ("127.0.0.1:8081", f"127.0.0.1:{service_port}"),
            ("proxy_read_timeout 60s;", f"proxy_read_timeout {TIMEOUT_SECONDS}s;"),
        ])
        tmp = self.folder
        main = (
            ("user root;\n" if os.geteuid() == 0 else "")  # workers must read the test's private folders
            + f"worker_processes 1;\npid {tmp}/nginx.pid;\nerror_log {tmp}/error.log warn;\n"
            "events { worker_connections 128; }\n"
            "http {\n"
            "    include /etc/nginx/mime.types;\n"
            f"    access_log {tmp}/access.log;\n"
            + "".join(f"    {kind}_temp_path {tmp}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
            + server + "\n}\n"
        )
        (tmp / "nginx.conf").write_text(main, encoding="utf-8")
        check = subprocess.run([binary, "-t", "-p", str(tmp), "-c", str(tmp / "nginx.conf")], capture_output=True, text=True)
        assert check.returncode == 0, f"nginx -t refused the documented config:\n{check.stderr}"
        return self._popen([binary, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-g", "daemon off;"])


class Caddy(Proxy):
    name = "caddy"

    def _start(self, site: Path, service_port: int) -> subprocess.Popen:
        binary = shutil.which("caddy")
        assert binary, "caddy not found: run `apt-get install -y caddy` (Debian's package)"
        site_block = substitute(docs_config("caddy"), [
            ("www.oxpip.org.uk {", f"http://127.0.0.1:{self.port} {{"),
            ("root * /srv/oxpip/output", f"root * {site}"),
            ("127.0.0.1:8081", f"127.0.0.1:{service_port}"),
            ("response_header_timeout 60s", f"response_header_timeout {TIMEOUT_SECONDS}s"),
        ])
        # Test only: no admin endpoint, no certificates, nothing written outside the folder.
        config = "{\n    admin off\n    auto_https off\n}\n" + site_block + "\n"
        (self.folder / "Caddyfile").write_text(config, encoding="utf-8")
        env = {**os.environ, "HOME": str(self.folder), "XDG_DATA_HOME": str(self.folder / "data"),
               "XDG_CONFIG_HOME": str(self.folder / "config")}
        check = subprocess.run([binary, "validate", "--config", "Caddyfile", "--adapter", "caddyfile"],
                               capture_output=True, text=True, env=env, cwd=self.folder)
        assert check.returncode == 0, f"caddy refused the documented config:\n{check.stdout}{check.stderr}"
        return self._popen([binary, "run", "--config", "Caddyfile", "--adapter", "caddyfile"], env=env)


PROXIES = {"nginx": Nginx, "caddy": Caddy}
