"""The intake team sees at once which language a referral was written in: the inbox opens
the sealed referral in the browser and, once referrals come in more than one language,
flags each with its language (GOV.UK Forms flags "answered in Welsh" the same way)."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import expect

from inbox_helpers import add_staff, add_virtual_authenticator, send_referral, sign_in_with_passkey, \
    sign_up_with_passkey, unlock_with_key_file
from referral_helpers import form_token, valid_answers
from referrals.form_definition import PAGE_PATH
from test_inbox_browser import ANSWERS, inbox_dev  # noqa: F401 (inbox_dev: a fixture, one server for this module)


def send_in_polish(site_url: str) -> str:
    """A referral through the Polish form page, as its browser would post it."""
    with httpx.Client(base_url=site_url, headers={"Origin": site_url}, follow_redirects=False) as http:
        token = form_token(http.get(f"/pl{PAGE_PATH}").text)
        sent = http.post(f"/pl{PAGE_PATH}", data={**valid_answers(full_name="Zofia Nowak"), "form_token": token})
    assert sent.status_code == 303, sent.text[:300]
    return sent.headers["location"].rsplit("=", 1)[1]


def test_the_inbox_flags_each_referrals_language_once_there_is_more_than_one(browser, inbox_dev):  # noqa: F811
    english = send_referral(browser, inbox_dev.url, {**ANSWERS, "consent": "yes"})
    polish = send_in_polish(inbox_dev.url)
    link = add_staff(inbox_dev.database, "kim", "Kim Lee", inbox_dev.inbox)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        add_virtual_authenticator(context, page)
        page.goto(link)
        sign_up_with_passkey(page, link)
        sign_in_with_passkey(page, inbox_dev.inbox)
        unlock_with_key_file(page, inbox_dev.key)
        expect(page.locator("h1")).to_have_text("Referrals")
        expect(page.locator("tr", has=page.get_by_role("link", name=polish))).to_contain_text("Language: Polish")
        expect(page.locator("tr", has=page.get_by_role("link", name=english))).to_contain_text("Language: English")
        page.get_by_role("link", name=polish).click()
        expect(page.locator("h1")).to_have_text(re.compile(polish))
        expect(page.locator("main")).to_contain_text("Language: Polish")
    finally:
        context.close()
