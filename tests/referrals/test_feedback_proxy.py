""""Was this page helpful?" through the documented proxy: Debian's nginx, configured with the
server block in docs/referrals.md (only the address, the site folder and the service's
port are changed), in front of `python -m referrals serve` and the built site.

A reader on a static page answers with JavaScript off (the form posts, the service answers
303, nginx serves the thank-you page) and on (in place). The service sees the reader's
address only through X-Forwarded-For from the trusted proxy, and keeps it nowhere: not in
the database files, not in its log, and nginx keeps no access-log line for /feedback/.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from referral_helpers import ROOT, free_port, start_server, write_feedback_comment
from referrals.feedback_store import open_feedback_admin

READER_IP = "203.0.113.77"


def documented_nginx_server() -> str:
    """The first nginx server block in docs/referrals.md."""
    docs = (ROOT / "docs" / "referrals.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```nginx\n(.*?)```", docs, re.S)
    block = next((b for b in blocks if b.lstrip().startswith("server {")), None)
    assert block, "docs/referrals.md has no nginx server block"
    return block


def nginx_config(folder: Path, port: int, site: Path, service_port: int) -> Path:
    server = documented_nginx_server()
    assert "location = /feedback/" in server, "the documented nginx set-up must send /feedback/ to the service"
    server = re.sub(r"listen [^;]*;", f"listen 127.0.0.1:{port};", server, count=1)
    server = re.sub(r"^\s*ssl_[^\n]*\n", "", server, flags=re.M)
    server = re.sub(r"root [^;]*;", f"root {site};", server, count=1)
    server = server.replace("http://127.0.0.1:8081", f"http://127.0.0.1:{service_port}")
    user = "user root;\n" if os.geteuid() == 0 else ""
    config = folder / "nginx.conf"
    config.write_text(
        f"{user}daemon off;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log;\nevents {{}}\n"
        "http {\n  include /etc/nginx/mime.types;\n"
        f"  access_log {folder}/access.log;\n"
        + "".join(f"  {kind}_temp_path {folder}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        + server + "\n}\n",
        encoding="utf-8",
    )
    return config


@pytest.fixture
def proxied(tmp_path, referral_site, keys):
    """The service behind nginx, as docs/referrals.md sets it up; yields the site's URL."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(nginx).exists(), "nginx is missing: apt-get install -y nginx"
    port, service_port = free_port(), free_port()
    data = tmp_path / "data"
    data.mkdir()
    origin = f"http://127.0.0.1:{port}"
    service = start_server(["serve", "--port", str(service_port)], {
        "REFERRALS_DATABASE": str(data / "referrals.sqlite3"),
        "REFERRALS_PUBLIC_KEY": str(keys[1]),
        "REFERRALS_SITE_DIR": str(referral_site),
        "REFERRALS_ALLOWED_ORIGINS": origin,
        "REFERRALS_TRUSTED_PROXIES": "127.0.0.1,::1",
        "REFERRALS_TOKEN_SECRET": "proxy-test-secret",
    }, tmp_path / "service.log", service_port)
    config = nginx_config(tmp_path, port, referral_site, service_port)
    proc = subprocess.Popen([nginx, "-c", str(config), "-p", str(tmp_path)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{origin}/feedback/thank-you/", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            error_log = tmp_path / "error.log"
            assert proc.poll() is None and time.monotonic() < deadline, \
                f"nginx did not start:\n{error_log.read_text() if error_log.exists() else ''}"
            time.sleep(0.1)
        yield {"url": origin, "data": data, "service": service, "access_log": tmp_path / "access.log"}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
        service.stop()


def counts(data: Path) -> dict:
    admin = open_feedback_admin(str(data / "referrals.sqlite3"))
    try:
        return {c.page: (c.yes, c.no, c.comments) for c in admin.counts()}
    finally:
        admin.close()


def test_an_answer_through_nginx_without_and_with_javascript(browser, proxied):
    url = proxied["url"]
    reader = {"X-Forwarded-For": READER_IP}  # as if the reader's own address reached nginx
    for javascript in (False, True):
        context = browser.new_context(java_script_enabled=javascript, extra_http_headers=reader)
        page = context.new_page()
        try:
            page.goto(f"{url}/get-support/")
            write_feedback_comment(page, f"Seen through nginx ({javascript})")
            page.get_by_role("button", name="Yes this page was helpful").click()
            if javascript:
                page.locator(".ox-feedback__thanks").wait_for(state="visible")
                assert page.url == f"{url}/get-support/"
            else:
                page.wait_for_url("**/feedback/thank-you/")
                assert page.locator("h1").inner_text() == "Thank you for your feedback"
            assert context.cookies() == []
        finally:
            context.close()
    assert counts(proxied["data"]) == {"/get-support/": (2, 0, 2)}
    stored = b"".join(p.read_bytes() for p in proxied["data"].iterdir() if p.is_file())
    assert READER_IP.encode() not in stored and b"through nginx" not in stored
    assert READER_IP not in proxied["service"].log()
    access = proxied["access_log"].read_text(encoding="utf-8")
    assert "GET /get-support/ " in access, "nginx logs other requests as usual"
    assert "/feedback/ " not in access and "POST" not in access, "but keeps no line for feedback"


def test_another_site_cannot_post_through_nginx(proxied):
    refused = httpx.post(f"{proxied['url']}/feedback/", data={"page": "/", "helpful": "no"},
                         headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403 and "Please send feedback from our website" in refused.text
    too_big = httpx.post(f"{proxied['url']}/feedback/", content=b"helpful=yes&comment=" + b"x" * 70_000,
                         headers={"Origin": proxied["url"], "Content-Type": "application/x-www-form-urlencoded"})
    assert too_big.status_code == 413
    assert counts(proxied["data"]) == {}
