"""The server never holds what a parent wrote or what staff noted, on either store.

Real processes (`python -m referrals serve` and `python -m referrals inbox`, configured as in
production), a real SMTP server (aiosmtpd), Chromium: two referrals sent through the real
form with a unique marker in every text answer, then a worker signs in, loads the key, opens
both, adds a note with its own marker, moves one on and downloads a CSV. Then every byte the
server side keeps is searched for every marker: the database files (SQLite's file, -wal and
-shm; PostgreSQL's whole data directory after a CHECKPOINT, and a plain pg_dump), both
processes' logs and every email. Zero hits. The CSV made in the browser, which holds the
markers, shows the search finds them where they are.
"""

from __future__ import annotations

import re
import secrets
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import expect

from inbox_helpers import add_staff, send_referral, sign_in_with_password, sign_up_with_password, unlock_with_key_file
from referral_helpers import ROOT, free_port, start_server, valid_answers
from test_referral_faults_and_email import smtp_server

ARTIFACTS = ROOT / "tests" / ".artifacts"
TEXT_FIELDS = ("full_name", "email", "safe_times", "location", "relationship_other", "worries", "heard_about")


@dataclass
class Search:
    markers: list[bytes]
    files: int = 0
    bytes: int = 0
    hits: list[str] = field(default_factory=list)

    def scan(self, name: str, data: bytes) -> None:
        self.files += 1
        self.bytes += len(data)
        for marker in self.markers:
            if marker in data:
                self.hits.append(f"{marker.decode()} in {name}")

    def scan_tree(self, label: str, folder: Path) -> None:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            try:
                self.scan(f"{label}/{path.relative_to(folder)}", path.read_bytes())
            except OSError:
                pass


def markers_for(tag: str) -> dict[str, str]:
    token = secrets.token_hex(4)
    return {name: f"zpm{token}{tag}{name.replace('_', '')}" for name in TEXT_FIELDS + ("note",)}  # lower case: an email stays as typed


def answers_with(markers: dict[str, str]) -> dict[str, str]:
    return valid_answers(
        full_name=markers["full_name"], email=f"{markers['email']}@example.com", safe_times=markers["safe_times"],
        location=markers["location"], baby_status="born", **{"birth_date-day": "1", "birth_date-month": "6",
        "birth_date-year": "2025"}, relationship="other", relationship_other=markers["relationship_other"],
        worries=f"Line one {markers['worries']}\nline two", heard_about=markers["heard_about"], consent="yes",
    )


def run_the_intake_day(browser, database: str, site_dir: Path, keys, tmp: Path, smtp_port: int, while_running=None):
    """Both processes, two referrals, a worker's session; returns (markers, logs, csv).
    `while_running(markers)` is called before the processes stop (SQLite's -wal is there then)."""
    private, public = keys
    site_port, inbox_port = free_port(), free_port()
    inbox_url = f"http://localhost:{inbox_port}"
    env = {
        "REFERRALS_DATABASE": database, "REFERRALS_PUBLIC_KEY": str(public), "REFERRALS_SITE_DIR": str(site_dir),
        "REFERRALS_ALLOWED_ORIGINS": f"http://127.0.0.1:{site_port}", "REFERRALS_TOKEN_SECRET": "zero-plaintext",
        "REFERRALS_TOKEN_MIN_SECONDS": "0", "REFERRALS_RETENTION_DAYS": "90", "REFERRALS_SMTP_HOST": "127.0.0.1",
        "REFERRALS_SMTP_PORT": str(smtp_port), "REFERRALS_SMTP_FROM": "website@oxpip.example",
        "REFERRALS_SMTP_TO": "intake@oxpip.example", "REFERRALS_NOTIFY_POLL_SECONDS": "0.2",
        "REFERRALS_INBOX_ORIGIN": inbox_url, "REFERRALS_OVERDUE_WORKING_DAYS": "0",
    }
    service = start_server(["serve", "--port", str(site_port)], env, tmp / "service.log", site_port)
    inbox = start_server(["inbox", "--port", str(inbox_port)], env, tmp / "inbox.log", inbox_port)
    try:
        sent = [markers_for("a"), markers_for("b")]
        references = [send_referral(browser, service.url, answers_with(m)) for m in sent]
        link = add_staff(database, "zed", "Zed Okafor", inbox_url)
        context = browser.new_context(accept_downloads=True)
        page = context.new_page()
        app = sign_up_with_password(page, link)
        sign_in_with_password(page, inbox_url, "zed", app)
        unlock_with_key_file(page, private)
        expect(page.locator("h1")).to_have_text("Referrals")
        for reference, markers in zip(references, sent):
            page.get_by_role("link", name=reference).click()
            expect(page.locator(".ix-summary-list--answers")).to_contain_text(markers["worries"])  # opened in the browser
            page.get_by_label("Add a note").fill(f"Called back. {markers['note']}")
            page.get_by_role("button", name="Add note").click()
            expect(page.locator(".ix-note__text")).to_contain_text(markers["note"])
            page.get_by_label("Contacted").check()
            page.get_by_role("button", name="Save status").click()
            expect(page.locator(".ix-banner")).to_contain_text("Status saved")
            page.get_by_role("link", name="Back to referrals").click()
        for reference in references:
            page.get_by_label(f"Select {reference}").check()
        with page.expect_download() as download:
            page.get_by_role("button", name="Download selected referrals (CSV)").click()
        csv_path = tmp / "export.csv"
        download.value.save_as(csv_path)
        page.get_by_role("button", name="Sign out").click()
        context.close()
        if while_running:
            while_running(sent)
    finally:
        inbox.stop()
        service.stop()
    return sent, [service.log_path, inbox.log_path], csv_path.read_bytes()


def report(name: str, search: Search, markers: int) -> str:
    line = (
        f"zero-plaintext [{name}]: {markers} markers, {search.files} files, {search.bytes:,} bytes searched "
        f"(database, logs, emails): {len(search.hits)} hits"
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with open(ARTIFACTS / "zero-plaintext.txt", "a", encoding="utf-8") as out:
        out.write(line + "\n")
    print(line)
    return line


def check(search: Search, csv_bytes: bytes, name: str) -> None:
    control = Search(search.markers)
    control.scan("the CSV made in the browser", csv_bytes)
    report(name, search, len(search.markers))
    assert search.hits == [], search.hits
    # The notes are not in the CSV (only answers are); every answer marker is.
    answer_markers = [m for m in search.markers if not m.endswith(b"note")]
    assert len(control.hits) == len(answer_markers), "the same search finds the markers where they really are"


def test_zero_plaintext_on_sqlite(browser, referral_site, keys, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    database = data / "referrals.sqlite3"
    port = free_port()
    live = []

    def scan_while_running(sent):
        files = sorted(p.name for p in data.iterdir())
        assert "referrals.sqlite3-wal" in files, files
        live.append(Search([m.encode() for markers in sent for m in markers.values()]))
        live[0].scan_tree("database folder, live", data)  # the file, its -wal and -shm

    with smtp_server(port) as smtp:
        sent, logs, csv_bytes = run_the_intake_day(browser, str(database), referral_site, keys, tmp_path, port, scan_while_running)
        emails = [m.content for m in smtp.messages]
    search = live[0]
    search.scan_tree("database folder, stopped", data)
    for log in logs:
        search.scan(log.name, log.read_bytes())
    for n, email in enumerate(emails):
        search.scan(f"email {n}", email)
    assert len(emails) == 2 and b"New self-referral" in emails[0]
    check(search, csv_bytes, "sqlite")


def test_zero_plaintext_on_postgresql(browser, referral_site, keys, tmp_path, postgres):
    from postgres_server import find_bin_dir

    database = postgres.new_schema("zeroplain")
    port = free_port()
    with smtp_server(port) as smtp:
        sent, logs, csv_bytes = run_the_intake_day(browser, database, referral_site, keys, tmp_path, port)
        emails = [m.content for m in smtp.messages]
    postgres.execute("CHECKPOINT")
    search = Search([m.encode() for markers in sent for m in markers.values()])
    dump = subprocess.run([str(find_bin_dir() / "pg_dump"), "--dbname", database.split("?")[0]], capture_output=True, timeout=120)
    assert dump.returncode == 0, dump.stderr.decode()
    assert b"CREATE TABLE" in dump.stdout and re.search(rb"COPY \S*referrals ", dump.stdout)
    search.scan("pg_dump", dump.stdout)
    if postgres.log_path:  # our throwaway cluster: its whole data directory, WAL included
        search.scan_tree("PostgreSQL data directory", postgres.log_path.parent / "data")
        search.scan("server.log", postgres.log_path.read_bytes())
    for log in logs:
        search.scan(log.name, log.read_bytes())
    for n, email in enumerate(emails):
        search.scan(f"email {n}", email)
    check(search, csv_bytes, "postgresql")
