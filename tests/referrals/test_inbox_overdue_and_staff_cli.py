"""The daily "still new" email (working days, the charity's zone, a real SMTP server), and the
CLI's staff and audit commands, run as an administrator runs them."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from referral_helpers import free_port, run_cli
from referrals.inbox import overdue
from referrals.inbox.settings import InboxSettings
from referrals.settings import Settings
from referrals.stores import open_inbox, open_writer
from test_referral_faults_and_email import smtp_server, wait_for
from test_referral_store_contract import referral

# Monday 2 March 2026, 09:30 in London (GMT).
MONDAY = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)


def test_working_days_skip_weekends_and_holidays():
    friday, monday, tuesday = date(2026, 2, 27), date(2026, 3, 2), date(2026, 3, 3)
    assert overdue.working_days_since(friday, monday) == 1
    assert overdue.working_days_since(friday, tuesday) == 2
    assert overdue.working_days_since(friday, tuesday, holidays=(monday,)) == 1
    assert overdue.working_days_since(monday, monday) == 0


def test_the_daily_email_lists_references_still_new_after_two_working_days(tmp_path):
    database = str(tmp_path / "r.sqlite3")
    writer = open_writer(database)
    writer.add(referral("LATE-0001", when=datetime(2026, 2, 26, 23, 30, tzinfo=timezone.utc)), notify=False)  # Thursday night
    writer.add(referral("LATE-0002", when=datetime(2026, 2, 27, 16, 0, tzinfo=timezone.utc)), notify=False)  # Friday
    writer.add(referral("SEEN-0001", when=datetime(2026, 2, 20, 9, 0, tzinfo=timezone.utc)), notify=False)
    writer.add(referral("NEWS-0001", when=datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)), notify=False)
    store = open_inbox(database)
    store.set_status("SEEN-0001", "contacted", "sam", MONDAY - timedelta(days=5))
    port = free_port()
    settings = Settings(database=database, smtp_host="127.0.0.1", smtp_port=port, smtp_from="inbox@oxpip.example",
                        smtp_to=("intake@oxpip.example",), smtp_timeout_seconds=5)
    inbox = InboxSettings(origin="https://intake.oxpip.example", overdue_working_days=1, overdue_hour=9)
    with smtp_server(port) as smtp:
        assert overdue.send_if_due(store, settings, inbox, MONDAY - timedelta(hours=1)) == 0, "before 9am: not yet"
        assert overdue.send_if_due(store, settings, inbox, MONDAY) == 2
        assert overdue.send_if_due(store, settings, inbox, MONDAY + timedelta(hours=3)) == 0, "once a day"
        assert overdue.send_if_due(store, settings, inbox, MONDAY - timedelta(days=2)) == 0, "Saturday: no email"
        assert wait_for(lambda: len(smtp.messages) == 1)
    body = smtp.messages[0].content.decode()
    assert "Subject: 2 referrals still new after 1 working days" in body
    assert "LATE-0001  received 26 February 2026 at 11:30pm, waiting 2 working days" in body
    assert "LATE-0002  received 27 February 2026 at 4pm, waiting 1 working day" in body
    assert "SEEN-0001" not in body and "NEWS-0001" not in body
    assert "https://intake.oxpip.example/" in body and "Europe/London" in body
    store.close()
    writer.close()


def test_a_failed_send_is_tried_again_later(tmp_path):
    database = str(tmp_path / "r.sqlite3")
    writer = open_writer(database)
    writer.add(referral("LATE-0001", when=MONDAY - timedelta(days=7)), notify=False)
    store = open_inbox(database)
    port = free_port()
    settings = Settings(database=database, smtp_host="127.0.0.1", smtp_port=port, smtp_from="inbox@oxpip.example",
                        smtp_to=("intake@oxpip.example",), smtp_timeout_seconds=2)
    inbox = InboxSettings(overdue_working_days=2, overdue_hour=8)
    assert overdue.send_if_due(store, settings, inbox, MONDAY) == 0, "no SMTP server yet"
    with smtp_server(port) as smtp:
        assert overdue.send_if_due(store, settings, inbox, MONDAY + timedelta(minutes=15)) == 1
        assert wait_for(lambda: len(smtp.messages) == 1)
    store.close()
    writer.close()


def test_staff_add_list_reset_remove_and_the_audit_log(tmp_path):
    database = str(tmp_path / "r.sqlite3")
    open_writer(database).check()
    added = run_cli("staff", "add", "sam", "--name", "Sam Taylor", "--database", database, "--inbox-url", "https://intake.example")
    assert added.returncode == 0, added.stderr
    assert "https://intake.example/sign-up/" in added.stdout and "72 hours" in added.stdout
    taken = run_cli("staff", "add", "sam", "--name", "Another Sam", "--database", database)
    assert taken.returncode == 1 and "taken" in taken.stderr and "Traceback" not in taken.stderr
    bad = run_cli("staff", "add", "Sam Taylor", "--name", "x", "--database", database)
    assert bad.returncode == 1 and "cannot be a staff id" in bad.stderr
    listed = run_cli("staff", "list", "--database", database)
    assert "sam" in listed.stdout and "Sam Taylor" in listed.stdout and "invited (link works until" in listed.stdout
    reset = run_cli("staff", "reset", "sam", "--database", database)
    assert reset.returncode == 0 and "/sign-up/" in reset.stdout and reset.stdout.split()[-1] not in added.stdout
    removed = run_cli("staff", "remove", "sam", "--database", database)
    assert removed.returncode == 0 and "Removed sam" in removed.stdout
    assert "sam" not in run_cli("staff", "list", "--database", database).stdout.split("\n", 1)[1].split("0 staff")[0]
    assert "removed" in run_cli("staff", "list", "--all", "--database", database).stdout
    missing = run_cli("staff", "remove", "nobody", "--database", database)
    assert missing.returncode == 1 and "No staff member nobody" in missing.stderr
    log = run_cli("audit", "--database", database)
    assert log.returncode == 0
    rows = [line.split() for line in log.stdout.splitlines()[1:-1]]
    assert [r[3] for r in rows] == ["staff-added", "staff-reset", "staff-removed"]
    assert all(r[2].startswith("cli:") for r in rows) and "3 audit rows" in log.stdout
    assert "Europe/London" in log.stdout.splitlines()[0]
