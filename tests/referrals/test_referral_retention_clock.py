"""Retention under a wrong clock, with the real service and a really shifted clock.

The service runs as `python -m referrals serve` in its own process; libfaketime (Debian's
`faketime` package) moves that process's clock, as a misconfigured server would. The
daily purge runs once at start-up, so a restart is enough to see what it does.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import httpx
import pytest

from referral_helpers import ORIGIN, form_token, free_port, run_cli, start_server, valid_answers
from referrals.form_definition import PAGE_PATH

LIBFAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")


def clock_shifted(offset: str) -> dict[str, str]:
    """Environment that moves the process's wall clock by `offset` ("+91d", "-100d")."""
    if not LIBFAKETIME.exists():
        pytest.fail("libfaketime is missing: run `apt-get install -y faketime` (Debian's package)", pytrace=False)
    return {"LD_PRELOAD": str(LIBFAKETIME), "FAKETIME": offset, "FAKETIME_DONT_FAKE_MONOTONIC": "1"}


def serve(settings, tmp_path: Path, name: str, extra_env: dict[str, str] | None = None):
    port = free_port()
    env = {
        "REFERRALS_DATABASE": settings.database,
        "REFERRALS_PUBLIC_KEY": str(settings.public_key),
        "REFERRALS_SITE_DIR": str(settings.site_dir),
        "REFERRALS_ALLOWED_ORIGINS": ORIGIN,
        "REFERRALS_TOKEN_SECRET": "retention-test-secret",
        "REFERRALS_TOKEN_MIN_SECONDS": "0",
        "REFERRALS_RETENTION_DAYS": "90",
        **(extra_env or {}),
    }
    return start_server(["serve", "--port", str(port)], env, tmp_path / f"{name}.log", port)


def send_referral(server) -> str:
    with httpx.Client(base_url=server.url, headers={"Origin": ORIGIN}) as client:
        token = form_token(client.get(PAGE_PATH).text)
        response = client.post(PAGE_PATH, data={**valid_answers(), "form_token": token})
    assert response.status_code == 303, response.text[:300]
    return response.headers["location"].rsplit("=", 1)[1]


def wait_for_retention_line(server, seconds: float = 30) -> str:
    """The log once the start-up purge has said what it did (or refused to do)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        text = server.log()
        if "retention" in text.lower():
            time.sleep(0.3)
            return server.log()
        time.sleep(0.1)
    return server.log()


def references(database: str) -> list[str]:
    conn = sqlite3.connect(database)
    try:
        return sorted(r[0] for r in conn.execute("SELECT reference FROM referrals"))
    finally:
        conn.close()


def test_a_clock_91_days_ahead_deletes_nothing_and_says_so_loudly(settings, data_dir, tmp_path):
    first = serve(settings, tmp_path, "correct-clock")
    try:
        sent = sorted(send_referral(first) for _ in range(2))
    finally:
        first.stop()
    ahead = serve(settings, tmp_path, "clock-ahead", clock_shifted("+91d"))
    try:
        log = wait_for_retention_line(ahead)
    finally:
        ahead.stop()
    assert references(settings.database) == sent, f"referrals nobody handled were deleted:\n{log}"
    assert "WARNING" in log and "clock" in log.lower(), log


def test_referrals_received_while_the_clock_was_100_days_behind_survive_the_next_normal_start(settings, data_dir, tmp_path):
    behind = serve(settings, tmp_path, "clock-behind", clock_shifted("-100d"))
    try:
        sent = sorted(send_referral(behind) for _ in range(2))
    finally:
        behind.stop()
    normal = serve(settings, tmp_path, "normal-clock")
    try:
        log = wait_for_retention_line(normal)
    finally:
        normal.stop()
    assert references(settings.database) == sent, f"referrals nobody handled were deleted:\n{log}"


def test_a_handled_referral_survives_a_clock_jump_until_a_person_confirms_the_clock(settings, data_dir, tmp_path):
    first = serve(settings, tmp_path, "correct-clock")
    try:
        handled, still_new = send_referral(first), send_referral(first)
    finally:
        first.stop()
    env = {"REFERRALS_DATABASE": settings.database}
    assert run_cli("mark-handled", handled, env=env).returncode == 0
    ahead = serve(settings, tmp_path, "clock-ahead", clock_shifted("+91d"))
    try:
        log = wait_for_retention_line(ahead)
    finally:
        ahead.stop()
    assert references(settings.database) == sorted([handled, still_new]), log
    assert "retention STOPPED, nothing deleted" in log

    # Later runs stay stopped, even once the jumped clock has written newer times.
    again = run_cli("purge", "--days", "90", env={**env, **clock_shifted("+92d")})
    assert again.returncode == 1 and "STOPPED" in again.stdout and "--clock-is-right" in again.stdout
    assert references(settings.database) == sorted([handled, still_new])

    # A person checks the clock and says it is right: the handled one goes, the new one stays.
    confirmed = run_cli("purge", "--days", "90", "--clock-is-right", env={**env, **clock_shifted("+92d")})
    assert confirmed.returncode == 0, confirmed.stdout + confirmed.stderr
    assert f"deleted 1 referral closed more than 90 days ago: {handled}" in confirmed.stdout
    assert "kept 1 referral received more than 90 days ago that nobody has closed" in confirmed.stdout
    assert references(settings.database) == [still_new]
