"""A real SMTP server (aiosmtpd), SMTP outages, and a database that cannot be written."""

import os
import subprocess
import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from aiosmtpd.controller import Controller

from referrals.form_definition import PAGE_PATH

from referral_helpers import app_client, db_rows, free_port, submit, valid_answers


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@contextmanager
def smtp_server(port):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def wait_for(predicate, seconds=10.0, step=0.05):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def smtp_settings(settings, port):
    return replace(
        settings,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_from="website@oxpip.example",
        smtp_to=("intake@oxpip.example",),
        smtp_timeout_seconds=2,
        notify_retry_seconds=0.2,
        notify_poll_seconds=0.1,
    )


SECRET_ANSWERS = dict(
    full_name="Mariam Secretname",
    email="mariam.secret@example.com",
    phone="07700 900 123",
    location="OX4 1QW",
    safe_times="After 6pm secret",
    worries="My secret worry about bonding",
    heard_about="A secret friend",
)


def test_the_intake_team_gets_an_email_with_the_reference_and_no_answer(settings, data_dir):
    port = free_port()
    with smtp_server(port) as inbox, app_client(smtp_settings(settings, port)) as client:
        response = submit(client, valid_answers(**SECRET_ANSWERS))
        assert response.status_code == 303
        reference = response.headers["location"].rsplit("=", 1)[1]
        assert wait_for(lambda: inbox.messages), "no email arrived"
    (envelope,) = inbox.messages
    assert envelope.rcpt_tos == ["intake@oxpip.example"]
    text = envelope.content.decode("utf-8", "replace")
    assert reference in text
    assert f"Subject: New self-referral {reference}" in text
    lowered = text.lower()
    for value in list(SECRET_ANSWERS.values()) + ["secret", "mariam", "07700", "ox4"]:
        assert value.lower() not in lowered, f"the email leaks {value!r}"
    assert db_rows(settings.database, "SELECT attempts, sent_at IS NOT NULL FROM outbox") == [(1, 1)]


def test_smtp_down_the_referral_is_stored_and_the_email_retried_until_it_goes(settings, data_dir):
    port = free_port()  # nothing listens here yet
    with app_client(smtp_settings(settings, port)) as client:
        started = time.monotonic()
        response = submit(client, valid_answers())
        assert response.status_code == 303
        assert time.monotonic() - started < 2, "a dead mail server never slows the parent down"
        assert len(db_rows(settings.database)) == 1
        failed = lambda: db_rows(settings.database, "SELECT attempts, last_error FROM outbox WHERE sent_at IS NULL")  # noqa: E731
        assert wait_for(lambda: failed() and failed()[0][0] >= 2), "the email was not retried"
        assert failed()[0][1] == "smtp-unreachable"
        with smtp_server(port) as inbox:
            assert wait_for(lambda: inbox.messages, seconds=15), "the retried email never arrived"
    (attempts, sent) = db_rows(settings.database, "SELECT attempts, sent_at IS NOT NULL FROM outbox")[0]
    assert sent == 1 and attempts >= 3


@contextmanager
def read_only(path: Path):
    """Make a file and its folder unwritable, even for root (chattr +i), then undo it."""
    targets = [path, path.parent]
    if os.geteuid() == 0:
        for t in targets:
            subprocess.run(["chattr", "+i", str(t)], check=True)
    else:
        path.chmod(0o444)
        path.parent.chmod(0o555)
    try:
        yield
    finally:
        if os.geteuid() == 0:
            for t in targets:
                subprocess.run(["chattr", "-i", str(t)], check=True)
        else:
            path.parent.chmod(0o755)
            path.chmod(0o644)


def assert_unavailable_page(response, answers):
    assert response.status_code == 503
    assert "Sorry, there is a problem with the service" in response.text
    assert "Your answers are still here" in response.text
    assert 'href="tel:+441865000000" dir="ltr">01865 000000</a>' in response.text
    assert response.text.count("<title>Error: ") == 1
    for name in ("full_name", "email", "safe_times"):
        assert f'value="{answers[name]}"' in response.text
    assert answers["worries"] in response.text


def test_read_only_database_gives_a_503_with_answers_kept_and_a_phone_number(settings, data_dir):
    with app_client(settings) as client:
        assert submit(client, valid_answers()).status_code == 303  # creates the database
    database = Path(settings.database)
    for leftover in (Path(f"{database}-wal"), Path(f"{database}-shm")):
        assert not leftover.exists() or leftover.stat().st_size >= 0
    answers = valid_answers(**SECRET_ANSWERS)
    with read_only(database):
        with app_client(settings) as client:
            assert_unavailable_page(submit(client, answers), answers)
            assert client.get("/healthz").status_code == 503
    assert len(db_rows(settings.database)) == 1


def test_missing_database_folder_gives_a_503_then_recovers_when_it_is_back(settings, tmp_path):
    settings = replace(settings, database=str(tmp_path / "not-there" / "referrals.sqlite3"))
    answers = valid_answers(**SECRET_ANSWERS)
    with app_client(settings) as client:
        response = submit(client, answers)
        assert_unavailable_page(response, answers)
        assert client.get("/healthz").status_code == 503
        assert not (tmp_path / "not-there").exists(), "the service does not invent folders in production"
        (tmp_path / "not-there").mkdir()
        assert submit(client, answers).status_code == 303
        assert client.get("/healthz").status_code == 200
    assert len(db_rows(settings.database)) == 1


def test_the_503_page_can_be_sent_again_from_where_it_stands(settings, tmp_path):
    """The kept answers and the token make a complete form: pressing Send again works."""
    from bs4 import BeautifulSoup

    settings = replace(settings, database=str(tmp_path / "later" / "referrals.sqlite3"))
    with app_client(settings) as client:
        page = BeautifulSoup(submit(client, valid_answers()).text, "lxml")
        form = page.select_one("form.ox-referral-form")
        data = {}
        for field in form.select("input, textarea"):
            if field.get("type") in ("radio", "checkbox") and not field.has_attr("checked"):
                continue
            data[field["name"]] = field.get_text() if field.name == "textarea" else field.get("value", "")
        (tmp_path / "later").mkdir()
        assert client.post(PAGE_PATH, data=data).status_code == 303
