""""Was this page helpful?": the service's POST /feedback/, its stores and the staff CLI.

Through the app's test client (the browser tests are in test_feedback_browser.py): answers
and counts are stored per page, a comment is masked and sealed, nothing personal is kept
(no cookie, no address, no time of day), bad posts are refused kindly with the comment
kept, and both stores (SQLite and PostgreSQL) keep the same rows.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from referral_helpers import ORIGIN, app_client, run_cli
from referrals import crypto, feedback
from referrals.clock import today
from referrals.feedback_store import (
    FEEDBACK_INTAKE_GRANTS,
    FEEDBACK_WRITER_GRANTS,
    Feedback,
    FeedbackWriter,
    open_feedback_admin,
    open_feedback_writer,
)

PHONE = "07700 900 982"
EMAIL = "zoe.private@example.com"
CLIENT_IP = "203.0.113.77"


def post(client, page="/get-support/", helpful="yes", comment="", **kwargs):
    data = {"page": page, "comment": comment}
    if helpful is not None:
        data["helpful"] = helpful
    return client.post(feedback.PATH, data=data, **kwargs)


def rows(settings):
    admin = open_feedback_admin(settings.database)
    try:
        return admin.counts()
    finally:
        admin.close()


def soup(response):
    return BeautifulSoup(response.text, "lxml")


def data_files(settings) -> bytes:
    """Every byte of the database's files: main file, WAL and shared memory."""
    return b"".join(p.read_bytes() for p in Path(settings.database).parent.iterdir() if p.is_file())


# ------------------------------------------------------------------- without JavaScript


def test_an_answer_is_stored_per_page_and_the_reader_is_thanked(client, settings):
    sent = post(client, "/get-support/", "yes")
    assert sent.status_code == 303 and sent.headers["location"] == feedback.THANKS_PATH
    assert "set-cookie" not in sent.headers
    post(client, "/get-support/", "no")
    post(client, "/", "yes")
    counts = {c.page: (c.yes, c.no, c.comments) for c in rows(settings)}
    assert counts == {"/get-support/": (1, 1, 0), "/": (1, 0, 0)}


def test_a_comment_is_masked_sealed_and_only_the_key_opens_it(client, settings, keys):
    comment = f"Please call me on {PHONE} or write to {EMAIL}. I live at OX11 7AB. The wait is too long."
    assert post(client, "/get-help-now/", "no", comment).status_code == 303
    everything = data_files(settings)
    for secret in (PHONE, "900 982", EMAIL, "OX11 7AB", "The wait is too long"):
        assert secret.encode() not in everything, secret
    admin = open_feedback_admin(settings.database)
    try:
        [item] = list(admin.sealed_comments())
    finally:
        admin.close()
    assert (item.page, item.helpful, item.received_on) == ("/get-help-now/", "no", today(settings.zone))
    opened = crypto.open_sealed(crypto.load_private_key(keys[0]), item.sealed)
    assert opened["comment"] == ("Please call me on [phone number removed] or write to [email address removed]. "
                                 "I live at [postcode removed]. The wait is too long.")
    assert opened["removed"] == {"email": 1, "phone": 1, "postcode": 1}


def test_nothing_links_an_answer_to_its_sender(settings, data_dir):
    """No cookie, no address (not even behind a trusted proxy), no time of day."""
    proxied = replace(settings, trusted_proxies=("testclient", "127.0.0.1"))
    with app_client(proxied) as client:
        sent = post(client, "/", "no", f"ring {PHONE}", headers={"X-Forwarded-For": CLIENT_IP})
        assert sent.status_code == 303 and "set-cookie" not in sent.headers
    everything = data_files(settings)
    assert CLIENT_IP.encode() not in everything
    assert PHONE.encode() not in everything and b"ring" not in everything
    import sqlite3

    conn = sqlite3.connect(settings.database)
    try:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(feedback)")]
        assert columns == ["id", "received_on", "page", "helpful", "key_id", "sealed"]
        (day,) = conn.execute("SELECT received_on FROM feedback").fetchone()
        assert day == today(settings.zone).isoformat(), "the day only, never the time"
    finally:
        conn.close()


def test_the_address_is_not_logged_either(settings, data_dir, caplog):
    proxied = replace(settings, trusted_proxies=("testclient", "127.0.0.1"))
    with caplog.at_level("DEBUG"), app_client(proxied) as client:
        post(client, "/", "no", f"ring {PHONE}", headers={"X-Forwarded-For": CLIENT_IP})
    assert "feedback stored: / no with a comment" in caplog.text
    assert CLIENT_IP not in caplog.text and PHONE not in caplog.text


@pytest.mark.parametrize("page,stored", [
    ("/get-support/", "/get-support/"),
    ("/404.html", "/404.html"),
    ("/no-such-page/", "/feedback/"),
    ("/../../etc/passwd", "/feedback/"),
    ("/get-support/../privacy/", "/feedback/"),
    ("https://evil.example/", "/feedback/"),
    (f"/call me {PHONE}/", "/feedback/"),
    ("", "/feedback/"),
])
def test_only_pages_of_the_site_are_named(client, settings, page, stored):
    assert post(client, page, "yes").status_code == 303
    assert [c.page for c in rows(settings)] == [stored]


def test_with_javascript_the_answer_is_posted_in_place(client, settings):
    sent = post(client, "/", "yes", headers={"Accept": "application/json"})
    assert sent.status_code == 200 and sent.json() == {"ok": True}
    assert "set-cookie" not in sent.headers
    bad = post(client, "/", "maybe", headers={"Accept": "application/json"})
    assert bad.status_code == 400 and bad.json() == {"ok": False}
    assert [(c.yes, c.no) for c in rows(settings)] == [(1, 0)]


# ------------------------------------------------------------------ problems, kindly


def test_a_comment_too_long_comes_back_with_every_word_kept(client, settings):
    comment = "This page was hard to follow. " * 40  # 1,200 characters
    sent = post(client, "/get-support/", "no", comment)
    assert sent.status_code == 400
    page = soup(sent)
    assert page.title.string.startswith("Error: ")
    summary = page.select_one(".ox-error-summary")
    assert [a["href"] for a in summary.select("a")] == ["#feedback-comment"]
    assert "1,000 characters or fewer" in summary.get_text()
    assert page.select_one("#feedback-comment").get_text() == comment.strip()
    assert page.select_one("details.ox-feedback__more").has_attr("open")
    assert page.select_one('input[name="page"]')["value"] == "/get-support/"
    assert page.find("a", string="Go back to the page you were reading")["href"] == "../get-support/"
    assert rows(settings) == []


def test_no_answer_chosen_is_asked_for(client, settings):
    sent = post(client, "/", None, "Nice")
    assert sent.status_code == 400
    assert soup(sent).select_one(".ox-error-summary a")["href"] == "#feedback-yes"
    assert soup(sent).select_one("#feedback-comment").get_text() == "Nice"
    assert rows(settings) == []


def test_another_site_cannot_post_feedback(client, settings):
    sent = post(client, "/", "no", headers={"Origin": "https://evil.example"})
    assert sent.status_code == 403
    assert "Please send feedback from our website" in sent.text
    cross = post(client, "/", "no", headers={"Origin": "null", "Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    assert rows(settings) == []


def test_size_and_type_limits(client, settings):
    huge = client.post(feedback.PATH, content=b"page=/&helpful=yes&comment=" + b"a" * (feedback.MAX_BODY_BYTES + 1),
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert huge.status_code == 413 and "could not read your feedback" in huge.text
    typed = client.post(feedback.PATH, content=b'{"helpful": "yes"}', headers={"Content-Type": "application/json"})
    assert typed.status_code == 415
    broken = client.post(feedback.PATH, content=b"helpful=yes&comment=%FF%FE",
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert broken.status_code == 400
    assert rows(settings) == []


def test_too_many_answers_from_one_connection_are_held_back_with_the_comment_kept(settings, data_dir):
    limited = replace(settings, feedback_rate_limit_count=3, feedback_rate_limit_window_seconds=600)
    with app_client(limited) as client:
        for _ in range(3):
            assert post(client, "/", "yes").status_code == 303
        held = post(client, "/", "no", "Please add a map")
        assert held.status_code == 429
        assert "Please wait before you send more feedback" in held.text
        assert soup(held).select_one("#feedback-comment").get_text() == "Please add a map"
    assert [(c.yes, c.no) for c in rows(settings)] == [(3, 0)]


def test_a_database_that_cannot_be_written_keeps_the_comment(settings, tmp_path):
    broken = replace(settings, database=str(tmp_path / "no-such-folder" / "referrals.sqlite3"))
    with app_client(broken) as client:
        sent = post(client, "/", "no", "Words I would not want to lose")
    assert sent.status_code == 503
    assert "Your feedback has not been sent" in sent.text
    assert soup(sent).select_one("#feedback-comment").get_text() == "Words I would not want to lose"


def test_the_feedback_page_is_served_as_built(client, referral_site):
    page = client.get(feedback.PATH)
    assert page.status_code == 200
    assert page.text == (referral_site / "feedback" / "index.html").read_text(encoding="utf-8")
    assert soup(page).select_one("form.ox-feedback__form")["action"] == "../feedback/"


# ----------------------------------------------------------------------------- masking


@pytest.mark.parametrize("typed,kept", [
    ("call 07700 900982", "call [phone number removed]"),
    ("ring +44 (0)1865-000000 please", "ring [phone number removed] please"),
    ("0 7 7 0 0 9 0 0 9 8 2", "[phone number removed]"),
    ("me@example.co.uk", "[email address removed]"),
    ("first.last+tag@mail.example.org, thanks", "[email address removed], thanks"),
    ("postcode sw1a 1aa", "postcode [postcode removed]"),
    ("Call 999, 111 or Samaritans on 116 123", "Call 999, 111 or Samaritans on 116 123"),
    ("It took 3 weeks, on 30/11/2026, from 2026-11-02", "It took 3 weeks, on 30/11/2026, from 2026-11-02"),
    ("OX11 is my area", "OX11 is my area"),
])
def test_obvious_contact_details_are_masked(typed, kept):
    assert feedback.mask_personal(typed).text == kept


# --------------------------------------------------------------- both stores, and staff


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "referrals.sqlite3")
    return request.getfixturevalue("postgres").new_schema("fb")


def test_both_stores_count_seal_and_purge_alike(database):
    day = date(2026, 11, 30)
    writer = open_feedback_writer(database)
    try:
        for page, helpful, sealed, when in (("/a/", "yes", None, day), ("/a/", "no", b"sealed-1", day),
                                            ("/b/", "no", None, day - timedelta(days=40)),
                                            ("/a/", "yes", b"sealed-2", day - timedelta(days=1))):
            writer.add(Feedback(when, page, helpful, "k1" if sealed else None, sealed))
    finally:
        writer.close()
    admin = open_feedback_admin(database)
    try:
        assert [(c.page, c.yes, c.no, c.comments) for c in admin.counts()] == [("/a/", 2, 1, 2), ("/b/", 0, 1, 0)]
        assert [(c.page, c.yes, c.no) for c in admin.counts(since=day)] == [("/a/", 1, 1)]
        assert [(c.page, c.no) for c in admin.counts(until=day - timedelta(days=2))] == [("/b/", 1)]
        sealed = list(admin.sealed_comments())
        assert [(s.received_on, s.sealed) for s in sealed] == [(day - timedelta(days=1), b"sealed-2"), (day, b"sealed-1")]
        assert [s.sealed for s in admin.sealed_comments(page="/a/", since=day)] == [b"sealed-1"]
        assert admin.purge(day - timedelta(days=30)) == 1
        assert [c.page for c in admin.counts()] == ["/a/"]
    finally:
        admin.close()


def test_an_admin_on_a_database_with_no_feedback_yet_sees_none(database):
    from referrals.stores import open_writer

    open_writer(database).check()  # the referral tables exist; the feedback table does not
    admin = open_feedback_admin(database)
    try:
        assert admin.counts() == [] and list(admin.sealed_comments()) == [] and admin.purge(date(2030, 1, 1)) == 0
    finally:
        admin.close()


def test_the_writer_cannot_read_answers_back():
    public = {name for name in dir(FeedbackWriter) if not name.startswith("_")}
    assert public == {"add", "close"}


def test_pg_roles_the_service_adds_answers_but_cannot_read_them(postgres):
    """FEEDBACK_WRITER_GRANTS and FEEDBACK_INTAKE_GRANTS (docs/referrals.md) on a real server."""
    import psycopg

    url = postgres.new_schema("fbroles")
    owner = open_feedback_writer(url)
    owner.add(Feedback(date(2026, 11, 30), "/", "yes"))  # the owner makes the table
    owner.close()
    with psycopg.connect(url, autocommit=True) as conn:
        schema = conn.execute("SELECT current_schema()").fetchone()[0]
        service, intake = f"fb_service_{schema}", f"fb_intake_{schema}"
        for role, grants in ((service, FEEDBACK_WRITER_GRANTS), (intake, FEEDBACK_INTAKE_GRANTS)):
            conn.execute(f'CREATE ROLE "{role}" LOGIN')
            conn.execute(grants.format(schema=f'"{schema}"', role=f'"{role}"'))
    user = url.split("//", 1)[1].split("@", 1)[0]
    service_url, intake_url = (url.replace(f"//{user}@", f"//{r}@") for r in (service, intake))
    writer = open_feedback_writer(service_url)
    try:
        writer.add(Feedback(date(2026, 11, 30), "/a/", "no", "k1", b"sealed"))
    finally:
        writer.close()
    with psycopg.connect(service_url) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT sealed FROM feedback")
    admin = open_feedback_admin(intake_url)
    try:
        assert [(c.page, c.yes, c.no, c.comments) for c in admin.counts()] == [("/", 1, 0, 0), ("/a/", 0, 1, 1)]
    finally:
        admin.close()


def test_staff_read_counts_and_comments_with_the_cli(client, settings, keys):
    post(client, "/get-support/", "yes")
    post(client, "/get-support/", "no", f"Too long to read. Call {PHONE}")
    post(client, "/", "yes", "=HYPERLINK(\"http://evil.example\")")
    counts = run_cli("feedback", "counts", "--database", settings.database)
    assert counts.returncode == 0, counts.stderr
    lines = [line.split() for line in counts.stdout.splitlines()]
    assert lines[0] == ["Page", "Yes", "No", "Helpful", "Comments"]
    assert ["/get-support/", "1", "1", "50%", "1"] in lines and ["/", "1", "0", "100%", "1"] in lines
    assert lines[-1] == ["All", "pages", "2", "1", "67%", "2"]
    text = run_cli("feedback", "comments", "--database", settings.database, "--key", keys[0])
    assert text.returncode == 0, text.stderr
    assert "    Too long to read. Call [phone number removed]" in text.stdout
    assert "    (removed before storing: 1 phone number)" in text.stdout and "2 comments" in text.stdout
    as_json = json.loads(run_cli("feedback", "comments", "--database", settings.database, "--key", keys[0],
                                 "--page", "/get-support/", "--format", "json").stdout)
    assert [(c["page"], c["helpful"], c["removed"]) for c in as_json] == [("/get-support/", "no", {"phone": 1})]
    as_csv = run_cli("feedback", "comments", "--database", settings.database, "--key", keys[0], "--format", "csv").stdout
    assert "\"'=HYPERLINK(\"\"http://evil.example\"\")\"" in as_csv, "a formula is shown, never run"
    other = tmp_key(settings)
    wrong = run_cli("feedback", "comments", "--database", settings.database, "--key", other)
    assert wrong.returncode == 1 and wrong.stderr.startswith("referrals: Wrong key: this private key")
    purge = run_cli("feedback", "purge", "--database", settings.database, "--days", "30")
    assert purge.returncode == 0 and purge.stdout.startswith("Deleted 0 answers from before ")


def tmp_key(settings) -> Path:
    private, _ = crypto.generate_keypair()
    path = Path(settings.database).parent / "other-private.key"
    crypto.write_private_key(path, private)
    return path


def test_a_bad_day_is_one_clear_line(settings, data_dir):
    bad = run_cli("feedback", "counts", "--database", settings.database, "--since", "30/11/2026")
    assert bad.returncode == 2 and "'30/11/2026' is not a day written as YYYY-MM-DD" in bad.stderr
    assert "Traceback" not in bad.stderr
