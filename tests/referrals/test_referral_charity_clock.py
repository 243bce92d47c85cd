"""The charity's clock in the service and the intake team's CLI, with the machine on UTC.

A real `python -m referrals serve` process runs under libfaketime (tests/fake_clock.py) with
TZ=UTC, and its clock is moved across midnight in Britain and across both clock changes of
2026 (29 March, 25 October). "Today" must be the charity's date (Europe/London) every time:
a baby born "today" is never refused just after midnight. The staff email, `list` and the
CSV export show British time with its zone; `purge` counts whole days of UTC time.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from datetime import datetime

import httpx
import pytest

from fake_clock import FakeClock, utc
from referral_helpers import form_token, free_port, run_cli, serve_env, start_server, valid_answers
from referrals.form_definition import PAGE_PATH
from referrals.sqlite_store import SQLiteWriter
from referrals.store import SealedReferral
from test_referral_faults_and_email import smtp_server, wait_for

# (moment in UTC, date of birth sent, status expected): both sides of midnight in Britain.
MIDNIGHTS = [
    ("2026-03-28 23:30", "28/3/2026", 303),  # 23:30 GMT on the 28th
    ("2026-03-28 23:31", "29/3/2026", 400),  # still the 28th in Britain: tomorrow
    ("2026-03-29 23:30", "30/3/2026", 303),  # 00:30 BST on the 30th (the clocks went forward)
    ("2026-07-15 22:30", "16/7/2026", 400),  # 23:30 BST on the 15th: tomorrow
    ("2026-07-15 23:30", "16/7/2026", 303),  # the issue: 00:30 BST on the 16th, refused before
    ("2026-07-15 23:31", "17/7/2026", 400),
    ("2026-10-24 23:30", "25/10/2026", 303),  # 00:30 BST on the 25th, the day the clocks go back
    ("2026-10-25 23:30", "26/10/2026", 400),  # 23:30 GMT on the 25th: tomorrow
    ("2026-10-25 23:31", "25/10/2026", 303),
]


def born(date: str, **changes) -> dict[str, str]:
    day, month, year = date.split("/")
    return valid_answers(
        baby_status="born", **{"birth_date-day": day, "birth_date-month": month, "birth_date-year": year}, **changes
    )


@pytest.fixture
def clocked_server(tmp_path, referral_site, keys):
    """The production server on a UTC machine whose clock the test moves (forwards only)."""
    clock = FakeClock(tmp_path, utc(MIDNIGHTS[0][0]))
    port, smtp_port = free_port(), free_port()
    (tmp_path / "data").mkdir()
    database = tmp_path / "data" / "referrals.sqlite3"
    env = {
        **clock.env,
        **serve_env(port, database, keys[1], referral_site, smtp_host="127.0.0.1", smtp_port=smtp_port,
                    smtp_from="website@oxpip.example", smtp_to="intake@oxpip.example", notify_poll_seconds=0.2),
    }
    with smtp_server(smtp_port) as inbox:
        server = start_server(["serve", "--port", str(port)], env, tmp_path / "server.log", port)
        server.clock, server.inbox, server.database = clock, inbox, database
        try:
            yield server
        finally:
            server.stop()


def test_today_is_the_charitys_date_on_both_sides_of_midnight_and_across_the_clock_changes(clocked_server, keys):
    server = clocked_server
    seen = []
    # A new connection for each request: moving the clock on by months fires the server's
    # keep-alive time-out, which may close a pooled connection just as it is reused.
    fresh = httpx.Limits(max_keepalive_connections=0)
    with httpx.Client(base_url=server.url, headers={"Origin": server.url}, timeout=10, limits=fresh) as http:
        for moment, birthday, expected in MIDNIGHTS:
            server.clock.set(utc(moment))
            token = form_token(http.get(PAGE_PATH).text)
            response = http.post(PAGE_PATH, data={**born(birthday), "form_token": token})
            seen.append((moment, birthday, response.status_code))
            if expected == 400:
                assert "Date of birth must be today or in the past" in response.text, moment
    wrong = [s for s, m in zip(seen, MIDNIGHTS) if s != m]
    assert not wrong, f"(moment UTC, date of birth, status) answered wrongly: {wrong}\n{server.log()[-2000:]}"

    # The staff email says when, in British time with its zone.
    assert wait_for(lambda: len(server.inbox.messages) == 5, seconds=20), server.log()[-3000:]
    received = sorted(
        re.search(r"^Received: (.*)$", m.content.decode(), re.M).group(1).strip() for m in server.inbox.messages
    )
    assert "16 July 2026, 00:30 BST" in received, received
    assert "30 March 2026, 00:30 BST" in received and "25 October 2026, 23:31 GMT" in received, received

    # The CSV export shows British time with its offset (the JSON keeps the sealed UTC moment).
    proc = run_cli("export", "--database", server.database, "--key", keys[0], "--format", "csv", env={"TZ": "UTC"})
    assert proc.returncode == 0, proc.stderr
    times = sorted(row["received_at"][:16] + row["received_at"][19:] for row in csv.DictReader(io.StringIO(proc.stdout)))
    assert "2026-07-16T00:30+01:00" in times and "2026-03-28T23:30+00:00" in times, times


def stored(database, reference: str, when: datetime) -> None:
    writer = SQLiteWriter(database)
    try:
        writer.add(SealedReferral(reference, when, "k1", b"\x01sealed"), notify=False)
    finally:
        writer.close()


def test_list_shows_british_time_with_its_zone_on_a_utc_machine(tmp_path):
    database = tmp_path / "referrals.sqlite3"
    stored(database, "AAAA-0001", utc("2026-07-15 23:30"))  # 00:30 BST on 16 July
    stored(database, "AAAA-0002", utc("2026-01-15 23:30"))  # 23:30 GMT on 15 January
    stored(database, "AAAA-0003", utc("2026-10-25 00:30"))  # 01:30 BST, before the clocks go back
    stored(database, "AAAA-0004", utc("2026-10-25 01:30"))  # 01:30 GMT, after
    proc = run_cli("list", "--database", database, env={"TZ": "UTC"})
    assert proc.returncode == 0, proc.stderr
    lines = {line.split()[0]: line for line in proc.stdout.splitlines()[1:-1]}
    assert "Europe/London" in proc.stdout.splitlines()[0]
    assert "2026-07-16 00:30 BST" in lines["AAAA-0001"]
    assert "2026-01-15 23:30 GMT" in lines["AAAA-0002"]
    assert "2026-10-25 01:30 BST" in lines["AAAA-0003"]
    assert "2026-10-25 01:30 GMT" in lines["AAAA-0004"]
    other = run_cli("list", "--database", database, env={"TZ": "UTC", "REFERRALS_TIMEZONE": "Europe/Warsaw"})
    assert "2026-07-16 01:30 CEST" in other.stdout


def test_purge_counts_days_as_utc_moments_across_the_clock_change(tmp_path):
    """A day before 12:00 UTC on 29 March is 12:00 UTC on the 28th, though British clocks moved an hour."""
    database = tmp_path / "referrals.sqlite3"
    stored(database, "BBBB-0001", utc("2026-03-28 12:00"))
    clock = FakeClock(tmp_path, utc("2026-03-28 12:00"))
    assert run_cli("mark-handled", "BBBB-0001", "--database", database, env=clock.env).returncode == 0
    clock.set(utc("2026-03-29 11:59"))  # 12:59 BST: a local-time sum would say a day has passed
    kept = run_cli("purge", "--days", "1", "--database", database, env=clock.env)
    assert kept.returncode == 0, kept.stderr
    assert [r[0] for r in sqlite3.connect(database).execute("SELECT reference FROM referrals")] == ["BBBB-0001"]
    clock.set(utc("2026-03-29 12:01"))
    gone = run_cli("purge", "--days", "1", "--database", database, env=clock.env)
    assert gone.returncode == 0, gone.stderr
    assert sqlite3.connect(database).execute("SELECT COUNT(*) FROM referrals").fetchone() == (0,)
