"""After a referral is sent, nothing typed comes back from the tab's history, and the same
form sent again never makes a second referral: the parent is told it was already sent.

In Chromium, through the real `python -m referrals dev` server, with JavaScript on and off:
Back from the confirmation page shows an empty form; Back to a page that showed an error
and Reload (which posts the old answers again) lands on "already sent" with the same
reference. The service keeps only a keyed hash of the form's random id with the reference,
for 7 days.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import replace
from datetime import timedelta

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from referrals.form_definition import PAGE_PATH
from referrals.spam import TimeTrap
from referrals.store import AlreadySent, SealedReferral
from referrals.store_common import SENT_FORMS_KEPT_DAYS

from referral_helpers import app_client, db_rows, form_token, submit, valid_answers
from test_referral_browser import fill_with_one_mistake
from test_referral_store_contract import backend, referral  # noqa: F401 (backend: a fixture)

REFERENCE = re.compile(r"/get-support/refer-yourself/received/\?ref=([0-9A-Z]{4}-[0-9A-Z]{4})$")
SECRET = "Zoë Ødegård"
WORRY = "I find it hard to feel close to my son."


def references(database) -> list[str]:
    return [r[0] for r in db_rows(str(database), "SELECT reference FROM referrals")]


def send(page, dev_server, show_the_mistake_first: bool) -> str:
    """Fill the form as test_referral_browser's parent does, fix it, send it; the reference."""
    page.goto(f"{dev_server.url}{PAGE_PATH}")
    fill_with_one_mistake(page)
    if show_the_mistake_first:  # leaves a page made by a POST in the tab's history
        page.get_by_role("button", name="Send referral").click()
        expect(page).to_have_title(re.compile(r"^Error: "))
    page.get_by_label("Email address").fill("zoe@example.com")
    page.locator("#consent").check()
    page.get_by_role("button", name="Send referral").click()
    expect(page).to_have_url(REFERENCE)
    return REFERENCE.search(page.url).group(1)


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_back_after_sending_shows_nothing_typed_and_sending_again_stores_nothing(browser, dev_server, javascript):
    database = dev_server.data_dir / "referrals-dev.sqlite3"
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    try:
        first = send(page, dev_server, show_the_mistake_first=False)
        page.go_back()
        expect(page).to_have_url(f"{dev_server.url}{PAGE_PATH}")
        expect(page.get_by_label("Your full name")).to_have_value("")
        expect(page.get_by_label("What is worrying you? (optional)")).to_have_value("")
        expect(page.get_by_label("Day")).to_have_value("")
        expect(page.get_by_label("Father")).not_to_be_checked()
        expect(page.locator("#consent")).not_to_be_checked()
        assert SECRET not in page.content() and WORRY not in page.content()

        page.get_by_role("button", name="Send referral").click()  # "Send again": an empty form
        expect(page).to_have_title(re.compile(r"^Error: "))
        assert references(database) == [first], "sending again made a second referral"
    finally:
        context.close()


def test_back_after_a_mistake_and_sending_shows_the_empty_form_not_a_resend_prompt(browser, dev_server):
    """With JavaScript, a page that showed a mistake is an ordinary page of the tab's history:
    Back from the confirmation page shows the empty form, not Chromium's frightening
    "Confirm Form Resubmission" page (ERR_CACHE_MISS), which offers to send it again."""
    database = dev_server.data_dir / "referrals-dev.sqlite3"
    context = browser.new_context()
    page = context.new_page()
    try:
        first = send(page, dev_server, show_the_mistake_first=True)
        page.go_back()  # raised ERR_CACHE_MISS before: the entry was the answer to a POST
        expect(page).to_have_url(f"{dev_server.url}{PAGE_PATH}")
        expect(page).not_to_have_title(re.compile(r"^Error: "))
        expect(page.get_by_label("Your full name")).to_have_value("")
        assert SECRET not in page.content() and WORRY not in page.content()
        page.reload()  # an ordinary page: nothing is posted again
        expect(page.get_by_label("Your full name")).to_have_value("")
        assert references(database) == [first]
    finally:
        context.close()


def test_without_javascript_reloading_an_old_error_page_after_sending_says_already_sent(browser, dev_server):
    """Without JavaScript the page that showed a mistake stays the answer to a POST: Back
    from the confirmation page, then Reload, posts the old answers again. Before, they all
    came back on an error page; now the parent is told it was already sent."""
    database = dev_server.data_dir / "referrals-dev.sqlite3"
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        first = send(page, dev_server, show_the_mistake_first=True)
        try:
            page.go_back()  # a page made by a POST is not kept: Chromium asks to resend it
        except PlaywrightError as exc:
            assert "ERR_CACHE_MISS" in str(exc), exc
        reload_resending_the_old_post(page)
        expect(page).to_have_url(REFERENCE)
        assert REFERENCE.search(page.url).group(1) == first
        expect(page.locator(".ox-referral-panel__reference")).to_have_text(first)
        expect(page.locator(".ox-referral-note")).to_contain_text("already sent us this form")
        assert SECRET not in page.content() and WORRY not in page.content()
        assert references(database) == [first]
    finally:
        context.close()


def reload_resending_the_old_post(page, seconds: float = 30) -> None:
    """Reload, as the parent does on "Confirm Form Resubmission" (Chromium's error page may
    still be attaching when the first attempt is made)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            page.reload()
            return
        except PlaywrightError as exc:
            if "Not attached" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_the_same_form_sent_twice_is_one_referral(client, settings):
    token = form_token(client.get(PAGE_PATH).text)
    first = submit(client, valid_answers(), token=token)
    again = submit(client, valid_answers(full_name="Changed My Mind"), token=token)
    assert first.status_code == again.status_code == 303
    assert again.headers["location"] == first.headers["location"]
    page = client.get(again.headers["location"])
    assert "You had already sent us this form" in page.text
    assert "Changed My Mind" not in page.text
    assert len(db_rows(settings.database)) == 1
    other = submit(client, valid_answers())  # a new form (a new page load) is a new referral
    assert other.headers["location"] != first.headers["location"]
    assert len(db_rows(settings.database)) == 2


def test_an_error_page_posted_again_after_sending_shows_no_answer(client, settings):
    token = form_token(client.get(PAGE_PATH).text)
    mistake = valid_answers(email="zoe@example", consent="")
    error = submit(client, mistake, token=token)
    assert error.status_code == 400 and 'value="zoe@example"' in error.text
    sent = submit(client, valid_answers(), token=form_token(error.text))
    assert sent.status_code == 303
    again = submit(client, mistake, token=token)  # Back to the error page, then Reload
    assert again.status_code == 303 and again.headers["location"] == sent.headers["location"]
    assert "zoe@example" not in again.text
    assert len(db_rows(settings.database)) == 1


def test_two_posts_of_one_form_at_the_same_moment_make_one_referral(settings, data_dir):
    with app_client(settings) as client:
        token = form_token(client.get(PAGE_PATH).text)
        results, start = [], threading.Barrier(4)

        def send():
            start.wait()
            results.append(submit(client, valid_answers(), token=token))

        threads = [threading.Thread(target=send) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert [r.status_code for r in results] == [303] * 4
    assert len({r.headers["location"] for r in results}) == 1
    assert len(db_rows(settings.database)) == 1


def test_only_a_keyed_hash_of_the_form_id_is_kept(client, settings):
    token = form_token(client.get(PAGE_PATH).text)
    assert submit(client, valid_answers(), token=token).status_code == 303
    ((key, reference),) = db_rows(settings.database, "SELECT form_key, reference FROM sent_forms")
    form_id = TimeTrap(settings.token_secret, 0, 3600).check(token).form_id
    assert form_id and form_id not in key and token not in key and len(key) == 32
    assert [r[0] for r in db_rows(settings.database, "SELECT reference FROM referrals")] == [reference]


def test_a_token_from_before_form_ids_still_works(client, settings):
    old_style = TimeTrap(settings.token_secret, 0, 3600)._serializer.dumps("v")
    assert submit(client, valid_answers(), token=old_style).status_code == 303
    assert db_rows(settings.database, "SELECT flags FROM referrals") == [("",)]


def test_the_store_refuses_a_second_referral_of_one_form(backend):
    writer = backend.writer()
    writer.add(replace(referral("SENT-0001"), form_key="k" * 32), notify=True)
    assert writer.sent_reference("k" * 32) == "SENT-0001"
    assert writer.sent_reference("x" * 32) is None
    with pytest.raises(AlreadySent) as caught:
        writer.add(replace(referral("SENT-0002"), form_key="k" * 32), notify=True)
    assert caught.value.reference == "SENT-0001"
    assert [r.reference for r in backend.admin().list()] == ["SENT-0001"]
    assert backend.sql("SELECT COUNT(*) FROM outbox") == [(1,)], "nothing of the second one was kept"


def test_sent_forms_are_forgotten_after_a_week_and_with_their_referral(backend):
    writer = backend.writer()
    old = referral("SENT-0003").received_at - timedelta(days=SENT_FORMS_KEPT_DAYS, minutes=1)
    writer.add(SealedReferral("SENT-0003", old, "k1", b"x", (), "a" * 32), notify=False)
    assert writer.sent_reference("a" * 32) is None, "older than a week: not recognised"
    writer.add(replace(referral("SENT-0004"), form_key="b" * 32), notify=False)
    assert backend.sql("SELECT form_key FROM sent_forms") == [("b" * 32,)], "the old key was deleted"
    admin = backend.admin()
    now = referral("x").received_at
    admin.mark_handled(["SENT-0003", "SENT-0004"], now)
    admin.purge(now + timedelta(days=2), retention_days=1, clock_is_right=True)
    assert backend.sql("SELECT COUNT(*) FROM referrals") == [(0,)]
    assert backend.sql("SELECT COUNT(*) FROM sent_forms") == [(0,)], "the key goes with its referral"


def test_a_version_2_database_gains_sent_forms_and_keeps_every_row(backend):
    """Schema version 3 adds sent_forms; a database made by version 2 is upgraded in place."""
    from referrals import postgres_schema, sqlite_schema

    writer = backend.writer()
    writer.add(replace(referral("VTWO-0001"), recovery_key_id="r1", recovery_sealed=b"\x02recovery"), notify=True)
    writer.close()
    backend.sql("DROP TABLE sent_forms")  # as version 2 made it
    if backend.name == "sqlite":
        backend.sql("PRAGMA user_version = 2")
    else:
        backend.sql("COMMENT ON TABLE service_state IS 'oxpip-referrals schema 2'")
    upgraded = backend.writer()
    upgraded.add(replace(referral("VTWO-0002"), form_key="c" * 32), notify=False)
    assert upgraded.sent_reference("c" * 32) == "VTWO-0002"
    rows = backend.sql("SELECT reference, recovery_key_id FROM referrals ORDER BY reference")
    assert [tuple(r) for r in rows] == [("VTWO-0001", "r1"), ("VTWO-0002", None)]
    if backend.name == "sqlite":
        assert backend.sql("PRAGMA user_version") == [(sqlite_schema.VERSION,)]
    else:
        comment = backend.sql("SELECT obj_description(to_regclass('service_state'), 'pg_class')")
        assert comment == [(f"oxpip-referrals schema {postgres_schema.VERSION}",)]
