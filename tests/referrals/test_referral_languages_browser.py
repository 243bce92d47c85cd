"""A parent refers herself in Polish and in Arabic, in Debian's Chromium, through the real
`python -m referrals dev` server, with JavaScript on and off: she makes a mistake, reads
what to fix in her language, fixes it, sends the form and sees the confirmation in her
language; the referral is stored sealed, with its language, and the intake team reads it."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from referral_helpers import db_rows
from referrals import crypto
from referrals.i18n import Words

# `browser` is the session's one Chromium (tests/conftest.py); `dev_server` the dev server.


def dev_private_key(data_dir):
    return crypto.load_private_key(next((data_dir / "dev-keys").glob("*private*")))


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
@pytest.mark.parametrize("code", ["pl", "ar"])
def test_a_parent_refers_herself_in_her_language(browser, dev_server, code, javascript):
    _ = Words.for_language(code).gettext
    context = browser.new_context(java_script_enabled=javascript, bypass_csp=True, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(f"{dev_server.url}/{code}/get-support/refer-yourself/")
        expect(page.locator("html")).to_have_attribute("lang", code)
        page.get_by_label(_("Your full name")).fill("Zofia Nowak" if code == "pl" else "مريم أحمد")
        page.get_by_label(_("Phone number")).fill("07700 900 982" if code == "pl" else "٠٧٧٠٠ ٩٠٠ ٩٨٢")
        page.get_by_label(_("Email address")).fill("zofia@example")  # a mistake: no ending
        page.locator("#preferred_contact").check()
        page.locator("#leave_message-2").check()
        page.get_by_label(_("Your town or postcode")).fill("Didcot")
        page.get_by_label(_("My baby is born")).check()
        page.get_by_label(_("Day")).fill("3")
        page.get_by_label(_("Month")).last.fill("2")
        page.get_by_label(_("Year")).last.fill(str(time.gmtime().tm_year - 1))
        page.get_by_label(_("Mother")).check()
        worries = "Trudno mi poczuć bliskość z synem." if code == "pl" else "أجد صعوبة في الشعور بالقرب من ابني."
        page.get_by_label(_("What is worrying you? (optional)")).fill(worries)
        page.get_by_role("button", name=_("Send referral")).click()

        expect(page).to_have_title(re.compile("^" + re.escape(_("Error:"))))
        summary = page.locator(".ox-error-summary")
        expect(summary.locator("h2")).to_have_text(_("There is a problem"))
        expect(summary.locator("a")).to_have_text([
            _("Enter an email address in the correct format, like name@example.com"),
            _("Select that you agree we can store your details and contact you"),
        ])
        if javascript:
            expect(summary).to_be_focused()
            count = page.locator(".ox-character-count__status")
            expect(count).not_to_contain_text("You have")  # the live count is in the page's language
        expect(page.get_by_label(_("What is worrying you? (optional)"))).to_have_value(worries)

        page.get_by_label(_("Email address")).fill("zofia@example.com")
        page.locator("#consent").check()
        page.get_by_role("button", name=_("Send referral")).click()
        expect(page).to_have_url(re.compile(rf"/{code}/get-support/refer-yourself/received/\?ref=[0-9A-Z]{{4}}-[0-9A-Z]{{4}}$"))
        expect(page.locator(".ox-referral-panel__text")).to_have_text(_("Your reference is"))
        expect(page.get_by_role("heading", name=_("How we will contact you"))).to_be_visible()
        reference = page.url.rsplit("=", 1)[1]
        page.screenshot(path=str(dev_server.data_dir.parent / f"received-{code}-{javascript}.png"), full_page=True)
    finally:
        context.close()
    rows = db_rows(str(dev_server.data_dir / "referrals-dev.sqlite3"), "SELECT reference, sealed FROM referrals")
    assert [row[0] for row in rows] == [reference]
    document = crypto.open_sealed(dev_private_key(dev_server.data_dir), bytes(rows[0][1]))
    assert document["language"] == code
    assert document["answers"]["worries"] == worries
    assert document["answers"]["phone"] == "07700 900 982"
