"""Helpers for the inbox's tests: a parent's referral sent through the real form in Chromium,
staff made with the real CLI, sign-up and sign-in as staff do them, and the key loaded."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyotp
from playwright.sync_api import Page, expect

from referral_helpers import run_cli

PASSWORD = "plum kettle harbour violet"


def add_staff(database: str, staff_id: str, name: str, inbox_url: str) -> str:
    """`python -m referrals staff add`, as an administrator runs it; returns the sign-up link."""
    out = run_cli("staff", "add", staff_id, "--name", name, "--database", database, "--inbox-url", inbox_url)
    assert out.returncode == 0, out.stderr
    link = out.stdout.strip().splitlines()[-1]
    assert link.startswith(f"{inbox_url}/sign-up/"), out.stdout
    return link


def fill_referral(page: Page, answers: dict[str, str]) -> None:
    """Fill the real form as a parent would (labels, not ids, wherever a label is unique)."""
    page.get_by_label("Your full name").fill(answers["full_name"])
    page.get_by_label("Phone number").fill(answers.get("phone", ""))
    page.get_by_label("Email address").fill(answers.get("email", ""))
    page.locator("#preferred_contact" if answers["preferred_contact"] == "phone" else "#preferred_contact-2").check()
    page.locator("#leave_message" if answers["leave_message"] == "yes" else "#leave_message-2").check()
    page.get_by_label("Safe times to call you (optional)").fill(answers.get("safe_times", ""))
    page.get_by_label("Your town or postcode").fill(answers["location"])
    if answers["baby_status"] == "born":
        page.get_by_label("My baby is born").check()
        for part in ("day", "month", "year"):
            page.locator(f"#birth_date-{part}").fill(answers[f"birth_date-{part}"])
    else:
        page.get_by_label("I am pregnant").check()
        page.locator("#due_date-month").fill(answers["due_date-month"])
        page.locator("#due_date-year").fill(answers["due_date-year"])
    page.get_by_label({"mother": "Mother", "father": "Father", "other": "Another parent or carer"}[answers["relationship"]]).check()
    if answers["relationship"] == "other":
        page.get_by_label("How do you care for the baby?").fill(answers["relationship_other"])
    page.get_by_label("What is worrying you? (optional)").fill(answers.get("worries", ""))
    page.get_by_label("How did you hear about us? (optional)").fill(answers.get("heard_about", ""))
    page.locator("#consent").check()


def send_referral(browser, site_url: str, answers: dict[str, str]) -> str:
    """A parent sends a referral through the real form in Chromium; returns the reference."""
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{site_url}/get-support/refer-yourself/")
        fill_referral(page, answers)
        page.get_by_role("button", name="Send referral").click()
        expect(page).to_have_url(re.compile(r"received/\?ref="))
        return page.url.rsplit("=", 1)[1]
    finally:
        context.close()


@dataclass
class Authenticator:
    """An authenticator app's view of one account: its secret, and the last code step used."""

    secret: str
    used: set[int] = field(default_factory=set)

    def code(self) -> str:
        """A code the server will take: now's, or the next step's if now's was used (it accepts
        one step either side); waits for a new step when both were used."""
        totp = pyotp.TOTP(self.secret)
        while True:
            for offset in (0, 30):
                moment = time.time() + offset
                step = int(moment // 30)
                if all(step > used for used in self.used):
                    self.used.add(step)
                    return totp.at(moment)
            time.sleep(30 - time.time() % 30 + 0.2)


def sign_up_with_password(page: Page, link: str, password: str = PASSWORD) -> Authenticator:
    page.goto(link)
    expect(page.locator("h1")).to_contain_text("Set up your sign-in")
    app = Authenticator(page.locator("#totp-secret").inner_text().replace(" ", ""))
    page.get_by_label("Choose a password").fill(password)
    page.get_by_label("Type the password again").fill(password)
    page.get_by_label("The 6-digit code your app shows now").fill(app.code())
    page.get_by_role("button", name="Save my password and code").click()
    expect(page.locator(".ix-banner")).to_contain_text("Your sign-in is set up")
    return app


def add_virtual_authenticator(context, page: Page):
    """A platform passkey authenticator with user verification, through the DevTools WebAuthn domain."""
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    result = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True,
    }})
    return cdp, result["authenticatorId"]


def sign_up_with_passkey(page: Page, link: str) -> None:
    page.goto(link)
    page.get_by_role("button", name="Make a passkey").click()
    expect(page.locator(".ix-banner")).to_contain_text("Your sign-in is set up")


def sign_in_with_passkey(page: Page, inbox_url: str) -> None:
    if not page.url.startswith(f"{inbox_url}/sign-in"):
        page.goto(f"{inbox_url}/sign-in")
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page).to_have_url(f"{inbox_url}/")


def sign_in_with_password(page: Page, inbox_url: str, staff_id: str, app: Authenticator, password: str = PASSWORD,
                          code: str | None = None) -> None:
    if not page.url.startswith(f"{inbox_url}/sign-in"):
        page.goto(f"{inbox_url}/sign-in")
    page.get_by_label("Staff id").fill(staff_id)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("6-digit code from your authenticator app").fill(app.code() if code is None else code)
    page.get_by_role("button", name="Sign in", exact=True).click()


def unlock_with_key_file(page: Page, key: Path) -> None:
    expect(page.locator("h1")).to_have_text(re.compile("Unlock the inbox|Load another key"))
    page.set_input_files("#key-file", str(key))
    page.get_by_role("button", name=re.compile("Unlock with the key file|Add this key")).click()
