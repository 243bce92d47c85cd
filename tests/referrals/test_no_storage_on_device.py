"""No public page stores anything on the device.

A parent who is not safe at home may share a phone with the person they fear. So, in one
real Chromium profile on disk, through `python -m referrals dev` (the site and the service
on one origin, as `make serve` and the documented proxy give them), this test visits every
public page, sends a referral through the real form and answers "Was this page helpful?"
with JavaScript on, and then checks what the browser kept:

- cookies: none (the confirmation page's short-lived note is deleted once it is shown);
- localStorage, sessionStorage, IndexedDB, Cache Storage, service workers: all empty;
- on disk, in everything a page can make the browser keep (its HTTP cache, cookie and
  storage folders): not one of the answers, in UTF-8 or UTF-16;
- anywhere in the profile (session history and autofill too): never the feedback comment
  (with JavaScript on or off) and never the safe times to call, which could tell someone
  when the parent is alone.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from referral_helpers import db_rows, write_feedback_comment
from site_testkit import CHROMIUM, CHROMIUM_ARGS, SiteIndex

# Answers no page could contain by chance.
ANSWERS = {
    "full_name": "Quilla Marchbanks-Ostrova",
    "phone": "07700 900 517",
    "email": "quilla.ostrova@example.org",
    "safe_times": "Tuesdays when the quokka sleeps",
    "location": "OX10 9QZ",
    "worries": "I keep a planted worry about the quokka feeling",
}
COMMENT = "Planted comment about the wombat page"
# The profile folders a page can make the browser write to: the HTTP cache, cookies and
# the storage scripts can use.
PAGE_STORAGE = ("Cache", "Code Cache", "Cookies", "Local Storage", "Session Storage", "IndexedDB",
                "Service Worker", "Shared Storage", "File System", "blob_storage", "Storage")
STORAGE = """async () => ({
  local: localStorage.length,
  session: sessionStorage.length,
  indexedDB: (await indexedDB.databases()).map(d => d.name),
  caches: await caches.keys(),
  workers: (await navigator.serviceWorker.getRegistrations()).length,
})"""


def public_addresses(site: Path) -> list[str]:
    index = SiteIndex(site)
    addresses = []
    for page in index.public_pages:
        if page.rel == "404.html":
            addresses.append("no-such-page/")
        elif not page.rel.startswith("drafts/"):
            addresses.append(page.url.lstrip("/"))
    return sorted(addresses)


def send_referral(page, base: str) -> None:
    page.goto(f"{base}/get-support/refer-yourself/")
    page.get_by_label("Your full name").fill(ANSWERS["full_name"])
    page.get_by_label("Phone number").fill(ANSWERS["phone"])
    page.get_by_label("Email address").fill(ANSWERS["email"])
    page.locator("#preferred_contact").check()
    page.locator("#leave_message-2").check()
    page.get_by_label("Safe times to call you (optional)").fill(ANSWERS["safe_times"])
    page.get_by_label("Your town or postcode").fill(ANSWERS["location"])
    page.get_by_label("My baby is born").check()
    page.get_by_label("Day").fill("3")
    page.get_by_label("Month").last.fill("2")
    page.get_by_label("Year").last.fill(str(time.gmtime().tm_year - 1))
    page.get_by_label("Mother").check()
    page.get_by_label("What is worrying you? (optional)").fill(ANSWERS["worries"])
    page.locator("#consent").check()
    page.get_by_role("button", name="Send referral").click()
    page.wait_for_url("**/received/?ref=*")


def found_on_disk(profile: Path, secrets: list[str], areas: tuple[str, ...] | None = None) -> list[str]:
    """Files under the profile (or only under its Default/<area> folders) holding a secret."""
    hits = []
    needles = [(s, s.encode(enc)) for s in secrets for enc in ("utf-8", "utf-16-le")]
    places = [profile] if areas is None else [profile / "Default" / area for area in areas]
    files = [path for place in places if place.exists() for path in ([place] if place.is_file() else place.rglob("*"))]
    for path in files:
        if not path.is_file() or path.is_symlink():
            continue
        try:
            data = path.read_bytes()
        except OSError:
            continue
        hits += [f"{path.relative_to(profile)}: {text!r}" for text, needle in needles if needle in data]
    return sorted(set(hits))


def browser_with_profile(browser, profile: Path, base: str, javascript: bool = True):
    """A second Chromium, from the session's Playwright (tests/conftest.py), keeping its
    profile in a folder as on a phone; other hosts get nothing."""
    context = browser.browser_type.launch_persistent_context(
        str(profile), executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True,
        java_script_enabled=javascript)
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base)
                  else route.fulfill(status=204, body=""))
    return context


def test_nothing_is_kept_on_the_device_after_every_page_and_a_referral(browser, dev_server, referral_site, tmp_path):
    profile = tmp_path / "profile"
    base = dev_server.url
    context = browser_with_profile(browser, profile, base)
    try:
        page = context.new_page()
        for address in public_addresses(referral_site):
            page.goto(f"{base}/{address}")
        send_referral(page, base)
        assert "How we will contact you" in page.locator("main").inner_text()
        write_feedback_comment(page, COMMENT)
        page.get_by_role("button", name="Yes this page was helpful").click()
        page.locator(".ox-feedback__thanks").wait_for(state="visible")

        assert context.cookies() == [], "the confirmation note cookie is deleted once the page is shown"
        page.goto(f"{base}/")
        assert page.evaluate(STORAGE) == {"local": 0, "session": 0, "indexedDB": [], "caches": [], "workers": 0}
    finally:
        context.close()  # writes everything the browser keeps to the profile folder
    assert len(db_rows(str(dev_server.data_dir / "referrals-dev.sqlite3"))) == 1, "the referral was sent"
    assert found_on_disk(profile, [*ANSWERS.values(), COMMENT], PAGE_STORAGE) == []
    assert found_on_disk(profile, [COMMENT, ANSWERS["safe_times"]]) == []


def test_a_comment_sent_without_javascript_is_not_kept_either(browser, dev_server, tmp_path):
    profile = tmp_path / "profile"
    context = browser_with_profile(browser, profile, dev_server.url, javascript=False)
    try:
        page = context.new_page()
        page.goto(f"{dev_server.url}/contact/")
        write_feedback_comment(page, COMMENT)
        page.get_by_role("button", name="No this page was not helpful").click()
        page.wait_for_url("**/feedback/thank-you/")
        assert context.cookies() == []
    finally:
        context.close()
    assert found_on_disk(profile, [COMMENT]) == []
