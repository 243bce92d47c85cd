"""A parent in a real browser: real `python -m referrals dev` server, Debian's Chromium.

Fill the form, make a mistake, fix it, send it, see the confirmation - with JavaScript
on and with it off - and axe-core finds nothing on the form in its error state.
"""

import re
import time

import pytest
from playwright.sync_api import expect

from referral_helpers import AXE, db_rows

ARTIFACTS_NAME = "referral-browser"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
# The form is a public page: it also meets the AAA rules (1.4.6 Contrast (Enhanced) among them).
PUBLIC_AXE_TAGS = AXE_TAGS + ["wcag2aaa", "wcag21aaa", "wcag22aaa"]


# `browser` is the session's one Chromium, from tests/conftest.py.


def fill_with_one_mistake(page):
    page.get_by_label("Your full name").fill("Zoë Ødegård")
    page.get_by_label("Phone number").fill("07700 900 982")
    page.get_by_label("Email address").fill("zoe@example")  # mistake 1: no domain ending
    page.locator("#preferred_contact").check()
    page.locator("#leave_message-2").check()
    page.get_by_label("Safe times to call you (optional)").fill("Mornings")
    page.get_by_label("Your town or postcode").fill("Didcot")
    page.get_by_label("My baby is born").check()
    page.get_by_label("Day").fill("3")
    page.get_by_label("Month").last.fill("2")
    page.get_by_label("Year").last.fill(str(time.gmtime().tm_year - 1))
    page.get_by_label("Father").check()
    page.get_by_label("What is worrying you? (optional)").fill("I find it hard to feel close to my son.")
    # mistake 2: consent not ticked


def run_axe(page):
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))",
        PUBLIC_AXE_TAGS,
    )
    return result


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_a_parent_makes_a_mistake_fixes_it_and_sends_the_referral(browser, dev_server, javascript, tmp_path):
    context = browser.new_context(java_script_enabled=javascript, bypass_csp=True, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(f"{dev_server.url}/get-support/refer-yourself/")
        expect(page.locator("h1")).to_have_text("Refer yourself")
        if javascript:
            # The follow-up question appears only when its choice is chosen.
            expect(page.locator("#conditional-baby_status-2")).to_be_hidden()
        fill_with_one_mistake(page)
        page.get_by_role("button", name="Send referral").click()

        # The same page, with an error summary, messages by each question, answers kept.
        expect(page).to_have_title(re.compile(r"^Error: Refer yourself"))
        summary = page.locator(".ox-error-summary")
        expect(summary.locator("h2")).to_have_text("There is a problem")
        expect(summary.locator("a")).to_have_text([
            "Enter an email address in the correct format, like name@example.com",
            "Select that you agree we can store your details and contact you",
        ])
        if javascript:
            expect(summary).to_be_focused()
        expect(page.locator("#email-error")).to_contain_text("Enter an email address in the correct format")
        expect(page.get_by_label("Your full name")).to_have_value("Zoë Ødegård")
        expect(page.get_by_label("Day")).to_have_value("3")
        expect(page.get_by_label("Father")).to_be_checked()
        expect(page.get_by_label("What is worrying you? (optional)")).to_have_value("I find it hard to feel close to my son.")
        page.screenshot(path=str(tmp_path / f"error-{javascript}.png"), full_page=True)

        if javascript:  # axe-core is itself a script: it runs where scripts run
            violations = run_axe(page)
            assert violations == [], violations

        # Following the summary's link lands on the answer to fix.
        summary.get_by_role("link", name=re.compile("email address")).click()
        if javascript:
            expect(page.get_by_label("Email address")).to_be_focused()
        else:
            assert page.url.endswith("#email")
        page.get_by_label("Email address").fill("zoe@example.com")
        page.locator("#consent").check()
        page.get_by_role("button", name="Send referral").click()

        expect(page).to_have_url(re.compile(r"/get-support/refer-yourself/received/\?ref=[0-9A-Z]{4}-[0-9A-Z]{4}$"))
        expect(page.locator("h1")).to_have_text("Referral sent")
        reference = page.url.rsplit("=", 1)[1]
        expect(page.locator(".ox-referral-panel__reference")).to_have_text(reference)
        expect(page.get_by_role("heading", name="What happens next")).to_be_visible()
        page.screenshot(path=str(tmp_path / f"received-{javascript}.png"), full_page=True)
        rows = db_rows(str(dev_server.data_dir / "referrals-dev.sqlite3"), "SELECT reference, flags FROM referrals")
        assert rows == [(reference, "")]
    finally:
        context.close()


def test_the_character_count_counts_live_and_nothing_is_cut(browser, dev_server):
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{dev_server.url}/get-support/refer-yourself/")
        box = page.get_by_label("What is worrying you? (optional)")
        expect(page.locator(".ox-character-count__status")).to_have_text("You have 2,000 characters remaining")
        box.fill("a" * 2005)
        expect(page.locator(".ox-character-count__status")).to_have_text("You have 5 characters too many")
        expect(box).to_have_value("a" * 2005)  # no maxlength: nothing typed is lost
        assert box.get_attribute("maxlength") is None
    finally:
        context.close()


def test_the_form_page_has_no_axe_violations_before_any_answer(browser, dev_server):
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(f"{dev_server.url}/get-support/refer-yourself/")
        assert run_axe(page) == []
    finally:
        context.close()
