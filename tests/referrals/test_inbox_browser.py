"""An intake worker in a real browser: `python -m referrals dev` (what `make serve` runs), the
staff inbox at http://localhost:PORT, Debian's Chromium, a parent's referral sent through the
real form, staff made with the real CLI.

- A passkey (the DevTools WebAuthn domain's virtual authenticator) and, separately, a
  password plus a code computed here; the key loaded from its file; the referral opened
  and every answer checked; marked contacted with a note; assigned; a CSV downloaded and
  read back; signed out.
- Refused, each with a clear message: no code, a wrong code, a wrong key, the public key,
  an expired session, a forged CSRF token.
- Keyboard only, the whole workflow.
- axe-core at 320 px and 1280 px on every inbox page; the Nu checker on every page as served
  and as the script draws it; screenshots at 390 px and 1280 px kept in tests/.artifacts.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from inbox_helpers import (
    add_staff, add_virtual_authenticator, send_referral, sign_in_with_passkey, sign_in_with_password,
    sign_up_with_passkey, sign_up_with_password, unlock_with_key_file,
)
from referral_helpers import AXE, ROOT, free_port, start_server
from referrals import crypto
from test_referral_browser import AXE_TAGS

SHOTS = ROOT / "tests" / ".artifacts" / "inbox"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
YEAR = time.gmtime().tm_year

# A parent's answers: a child over 2, outside Oxfordshire, a "carer", and text a spreadsheet
# would run as a formula or split on a semicolon.
ANSWERS = {
    "full_name": "Zoë =SUM(1+1);@Ødegård",
    "phone": "+44 7700 900 982",
    "email": "zoe.inbox@example.com",
    "preferred_contact": "email",
    "leave_message": "yes",
    "safe_times": "-After 3pm, not Fridays",
    "location": "LS1 4AP",
    "baby_status": "born",
    "birth_date-day": "3",
    "birth_date-month": "2",
    "birth_date-year": str(YEAR - 3),
    "relationship": "other",
    "relationship_other": "Grandmother",
    "worries": "I can't sleep.\nHe cries when I hold him; I feel like a stranger.",
    "heard_about": "Jane;=SUM(1+1);",
}
# The same answers as the inbox lays them out, in the order the parent saw the questions.
SHOWN = [
    ("Your full name", ANSWERS["full_name"]),
    ("Phone number", ANSWERS["phone"]),
    ("Email address", ANSWERS["email"]),
    ("Which is the best way to contact you?", "Email"),
    ("Is it safe for us to leave a message?", "Yes"),
    ("Safe times to call you (optional)", ANSWERS["safe_times"]),
    ("Your town or postcode", "LS1 4AP"),
    ("Are you pregnant, or is your baby born?", "My baby is born"),
    ("What is your baby’s date of birth?", f"3 February {YEAR - 3}"),
    ("How are you related to the baby?", "Another parent or carer"),
    ("How do you care for the baby?", "Grandmother"),
    ("What is worrying you? (optional)", ANSWERS["worries"]),
    ("How did you hear about us? (optional)", "Jane;=SUM(1+1);"),
    ("Can we keep your details?", "Yes: I agree that OXPIP can store my details and use them to contact me"),
]


@pytest.fixture(scope="module")
def inbox_dev(tmp_path_factory, referral_site):
    """`python -m referrals dev` with the inbox on a free port, at http://localhost:PORT."""
    tmp = tmp_path_factory.mktemp("inbox-dev")
    port, inbox_port = free_port(), free_port()
    server = start_server(
        ["dev", "--site", str(referral_site), "--port", str(port), "--inbox-port", str(inbox_port),
         "--data-dir", str(tmp / "var"), "--wait", "0"],
        {"REFERRALS_TOKEN_MIN_SECONDS": "0"}, tmp / "dev.log", port,
    )
    server.inbox = f"http://localhost:{inbox_port}"
    server.database = str(tmp / "var" / "referrals-dev.sqlite3")
    server.key = tmp / "var" / "dev-keys" / "DEVELOPMENT-ONLY-private.key"
    server.tmp = tmp
    yield server
    server.stop()


@pytest.fixture(scope="module")
def pages_seen():
    """HTML of every inbox page as served and as drawn, checked by the Nu checker at the end."""
    seen: dict[str, str] = {}
    yield seen
    check_with_nu(seen)


def check_with_nu(pages: dict[str, str]) -> None:
    folder = SHOTS / "html"
    folder.mkdir(parents=True, exist_ok=True)
    for name, html in pages.items():
        (folder / f"{name}.html").write_text(html, encoding="utf-8")
    proc = subprocess.run(
        ["java", "-jar", str(VNU), "--format", "json", *sorted(str(p) for p in folder.glob("*.html"))],
        capture_output=True, text=True, timeout=180,
    )
    messages = json.loads(proc.stderr)["messages"]
    problems = [
        f"{m['url'].rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m['message']}"
        for m in messages if m.get("type") in ("error", "non-document-error") or m.get("subType") == "warning"
    ]
    assert pages and problems == [], problems


def look(page, name: str, pages_seen: dict[str, str], axe: bool = True) -> None:
    """Keep the page's HTML for the Nu checker, screenshots at 390 and 1280 px, axe at 320 and 1280 px."""
    pages_seen[name] = "<!DOCTYPE html>\n" + page.evaluate("document.documentElement.outerHTML")
    assert page.evaluate("window.__cspViolations || []") == [], f"{name}: Content-Security-Policy violations"
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    if axe:
        for width in (320, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            violations = run_axe(page)
            assert violations == [], f"{name} at {width}px: {violations}"
            if width == 320:
                overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
                assert overflow <= 0, f"{name} scrolls sideways at 320px"
    page.set_viewport_size(size)


CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", e => window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI));
"""


def run_axe(page):
    """axe-core, injected through DevTools (the inbox's CSP rightly refuses an injected <script>)."""
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    return page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))",
        AXE_TAGS,
    )


def new_context(browser, **options):
    """A browser context that records any Content-Security-Policy violation on any page."""
    context = browser.new_context(**options)
    context.add_init_script(CSP_WATCH)
    return context


def answers_shown(page) -> list[tuple[str, str]]:
    rows = page.locator(".ix-summary-list--answers .ix-summary-list__row")
    return [(r.locator("dt").inner_text().strip(), r.locator("dd").inner_text().strip()) for r in rows.all()]


def sql(database: str, statement: str, args=()):
    conn = sqlite3.connect(database)
    try:
        with conn:
            return conn.execute(statement, args).fetchall()
    finally:
        conn.close()


def test_a_worker_signs_in_with_a_passkey_reads_acts_exports_and_signs_out(browser, inbox_dev, pages_seen, tmp_path):
    reference = send_referral(browser, inbox_dev.url, {**ANSWERS, "consent": "yes"})
    sam_link = add_staff(inbox_dev.database, "sam", "Sam Taylor", inbox_dev.inbox)
    alex_link = add_staff(inbox_dev.database, "alex", "Alex Morgan", inbox_dev.inbox)

    alex = new_context(browser, accept_downloads=True)
    sign_up_with_password(alex.new_page(), alex_link)
    alex.close()

    context = new_context(browser, accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    add_virtual_authenticator(context, page)
    page.goto(sam_link)
    look(page, "sign-up", pages_seen)
    sign_up_with_passkey(page, sam_link)
    look(page, "sign-in", pages_seen)
    sign_in_with_passkey(page, inbox_dev.inbox)

    expect(page.locator("h1")).to_have_text("Unlock the inbox")
    expect(page.locator("header")).to_contain_text("Signed in as Sam Taylor (sam)")
    look(page, "unlock", pages_seen)
    unlock_with_key_file(page, inbox_dev.key)
    expect(page.locator("h1")).to_have_text("Referrals")
    expect(page.locator(".ix-banner")).to_contain_text("loaded")
    row = page.locator("tr", has=page.get_by_role("link", name=reference))
    expect(row).to_contain_text("New")
    expect(row).to_contain_text("Outside the area")
    expect(row).to_contain_text("Child over 2")
    look(page, "list", pages_seen)

    page.get_by_role("link", name=reference).click()
    expect(page.locator("h1")).to_have_text(f"Referral {reference}")
    assert answers_shown(page) == SHOWN, "every answer, as the parent saw the questions"

    page.get_by_label("Contacted").check()
    page.get_by_role("button", name="Save status").click()
    expect(page.locator(".ix-banner")).to_have_text("Status saved: Contacted.")
    page.get_by_label("Add a note").fill("Rang back; she would like a home visit. =HYPERLINK(\"x\")")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".ix-banner")).to_contain_text("Note added")
    expect(page.locator(".ix-note")).to_contain_text("Sam Taylor")
    expect(page.locator(".ix-note__text")).to_have_text("Rang back; she would like a home visit. =HYPERLINK(\"x\")")
    page.get_by_label("Assigned to").select_option("alex")
    page.get_by_role("button", name="Save who it is assigned to").click()
    expect(page.locator(".ix-banner")).to_have_text("Assigned to Alex Morgan.")
    history = page.locator(".ix-table--history tbody")
    expect(history).to_contain_text("Opened")
    expect(history).to_contain_text("Status changed from New to Contacted")
    expect(history).to_contain_text("Note added")
    expect(history).not_to_contain_text("sealed note added")
    expect(history).to_contain_text("Assigned to Alex Morgan")
    look(page, "referral", pages_seen)

    page.get_by_role("link", name="Back to referrals").click()
    expect(page.locator("tr", has=page.get_by_role("link", name=reference))).to_contain_text("Alex Morgan")
    for shown, present in (("New", False), ("Contacted", True), ("All referrals", True)):
        page.get_by_label("Show").select_option(label=shown)
        page.get_by_role("button", name="Show", exact=True).click()
        expect(page.get_by_role("link", name=reference)).to_have_count(1 if present else 0)
    page.get_by_label(f"Select {reference}").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download selected referrals (CSV)").click()
    saved = tmp_path / "export.csv"
    download.value.save_as(saved)
    raw = saved.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 byte-order mark for spreadsheets"
    text = raw.decode("utf-8-sig")
    lines = text.split("\r\n")
    assert all(re.fullmatch(r'("([^"]|"")*")(,"([^"]|"")*")*', line) for line in lines if line), "every cell quoted"
    header, data = list(csv.reader(io.StringIO(text, newline="")))
    cells = dict(zip(header, data))
    assert cells["Reference"] == reference and cells["Status"] == "Contacted" and cells["Assigned to"] == "Alex Morgan"
    assert cells["Your full name"] == "Zoë =SUM(1+1);'@Ødegård", "formula-safe after each separator"
    assert cells["How did you hear about us? (optional)"] == "Jane;'=SUM(1+1);"
    assert cells["Phone number"] == "'+44 7700 900 982"
    assert cells["Safe times to call you (optional)"] == "'-After 3pm, not Fridays"
    assert cells["What is worrying you? (optional)"] == ANSWERS["worries"]
    assert cells["What is your baby’s date of birth?"] == f"3 February {YEAR - 3}"
    expect(page.locator(".ix-banner")).to_contain_text("Downloaded 1 referral")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{inbox_dev.inbox}/sign-in?reason=signed-out")
    expect(page.locator(".ix-banner")).to_contain_text("You have signed out")
    page.goto(f"{inbox_dev.inbox}/")
    expect(page).to_have_url(f"{inbox_dev.inbox}/sign-in")

    trail = [(who, action) for who, action in sql(
        inbox_dev.database, "SELECT staff_id, action FROM audit WHERE reference = ? ORDER BY id", (reference,))]
    assert trail == [("sam", "opened"), ("sam", "status"), ("sam", "note"), ("sam", "assigned"), ("sam", "export")]
    actions = [a for (a,) in sql(inbox_dev.database, "SELECT action FROM audit WHERE staff_id = 'sam' ORDER BY id")]
    assert actions[:2] == ["signed-up", "sign-in"] and actions[-1] == "sign-out"
    context.close()


def test_password_and_code_and_every_refusal_is_clear(browser, inbox_dev, pages_seen, tmp_path):
    reference = send_referral(browser, inbox_dev.url, {**ANSWERS, "full_name": "Refusal Test", "consent": "yes"})
    link = add_staff(inbox_dev.database, "robin", "Robin Lee", inbox_dev.inbox)
    context = new_context(browser, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    app = sign_up_with_password(page, link)

    # No second factor, no entry.
    sign_in_with_password(page, inbox_dev.inbox, "robin", app, code="")
    expect(page).to_have_title(re.compile("^Error: Sign in"))
    expect(page.locator(".ix-error-summary")).to_contain_text("Enter the 6-digit code from your authenticator app")
    expect(page.locator(".ix-error-summary")).to_be_focused()
    look(page, "sign-in-error", pages_seen)
    sign_in_with_password(page, inbox_dev.inbox, "robin", app, code="000000" if app.code() != "000000" else "111111")
    expect(page.locator(".ix-error-summary")).to_contain_text("The staff id, password or code is not right")
    sign_in_with_password(page, inbox_dev.inbox, "robin", app)
    expect(page).to_have_url(f"{inbox_dev.inbox}/")

    # The public key, then someone else's private key: refused, and the key ids named.
    public = inbox_dev.key.with_name("DEVELOPMENT-ONLY-public.key")
    unlock_with_key_file(page, public)
    expect(page.locator(".ix-error-summary")).to_contain_text("This is the team's public key file")
    other, _ = crypto.generate_keypair()
    crypto.write_private_key(tmp_path / "someone-else.key", other)
    unlock_with_key_file(page, tmp_path / "someone-else.key")
    team_id = crypto.key_id(crypto.load_public_key(public))
    summary = page.locator(".ix-error-summary")
    expect(summary).to_contain_text(f"This key (id {crypto.key_id(other.public_key)}) does not open the referrals here")
    expect(summary).to_contain_text(f"sealed for key id {team_id}")
    look(page, "unlock-error", pages_seen)

    # The right key, and a copy kept in this browser behind a passphrase.
    page.set_input_files("#key-file", str(inbox_dev.key))
    page.get_by_label("Keep a copy of the key in this browser").check()
    page.get_by_label("Choose a passphrase").fill("teapot lantern meadow")
    page.get_by_label("Type the passphrase again").fill("teapot lantern meadow")
    page.get_by_role("button", name="Unlock with the key file").click()
    expect(page.locator("h1")).to_have_text("Referrals")
    page.reload()  # the key was only in the page's memory: gone
    expect(page.locator("h1")).to_have_text("Unlock the inbox")
    page.get_by_label("Passphrase", exact=True).fill("not the passphrase")
    page.get_by_role("button", name="Unlock", exact=True).click()
    expect(page.locator(".ix-error-summary")).to_contain_text("The passphrase is not right")
    page.get_by_label("Passphrase", exact=True).fill("teapot lantern meadow")
    page.get_by_role("button", name="Unlock", exact=True).click()
    expect(page.locator("h1")).to_have_text("Referrals")
    stored = page.evaluate("localStorage.getItem('oxpip-inbox-key-copy')")
    private_b64 = inbox_dev.key.read_text().split()[-1]
    assert stored and private_b64 not in stored and team_id in stored

    # A forged CSRF token: the change is refused, with a message, and nothing changes.
    page.get_by_role("link", name=reference).click()
    page.evaluate("document.querySelector('meta[name=csrf-token]').setAttribute('content', 'forged-token')")
    page.get_by_label("Handled").check()
    page.get_by_role("button", name="Save status").click()
    expect(page.locator(".ix-banner")).to_contain_text("the page's security token did not match, so nothing was changed")
    assert sql(inbox_dev.database, "SELECT status FROM referrals WHERE reference = ?", (reference,)) == [("new",)]

    # An expired session (idle for longer than the limit): back to sign-in, saying why.
    sql(inbox_dev.database, "UPDATE sessions SET seen_at = '2000-01-01T00:00:00.000000Z' WHERE staff_id = 'robin'")
    page.get_by_role("link", name="Back to referrals").click()
    expect(page).to_have_url(f"{inbox_dev.inbox}/sign-in?reason=expired-idle")
    expect(page.locator(".ix-banner")).to_contain_text("You were signed out after a while without using the inbox")
    failures = sql(inbox_dev.database, "SELECT detail FROM audit WHERE action = 'sign-in-failed' AND staff_id = 'robin'")
    assert [d for (d,) in failures] == ["password and code: wrong code"]
    context.close()


def test_the_whole_workflow_by_keyboard_alone(browser, inbox_dev, pages_seen):
    reference = send_referral(browser, inbox_dev.url, {**ANSWERS, "full_name": "Keyboard Test", "consent": "yes"})
    link = add_staff(inbox_dev.database, "kim", "Kim Park", inbox_dev.inbox)
    context = new_context(browser, viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    app = sign_up_with_password(page, link)
    kb = page.keyboard

    def tab_to(locator, limit=60):
        for _ in range(limit):
            kb.press("Tab")
            if locator.evaluate("el => el === document.activeElement"):
                return
        raise AssertionError(f"Tab never reached {locator}")

    tab_to(page.get_by_label("Staff id"))
    kb.type("kim")
    kb.press("Tab")
    kb.type("plum kettle harbour violet")
    kb.press("Tab")
    kb.type(app.code())
    kb.press("Enter")
    expect(page.locator("h1")).to_have_text("Unlock the inbox")

    tab_to(page.locator("#key-file"))
    chooser = None
    for _ in range(3):  # Space on a file input opens the system's file chooser (sometimes only on a second press)
        try:
            with page.expect_file_chooser(timeout=5000) as opened:
                kb.press("Space")
            chooser = opened.value
            break
        except PlaywrightTimeout:
            expect(page.locator("#key-file")).to_be_focused()
    assert chooser is not None, "Space on the focused file input never opened the file chooser"
    chooser.set_files(str(inbox_dev.key))
    tab_to(page.get_by_role("button", name="Unlock with the key file"))
    kb.press("Enter")
    expect(page.locator("h1")).to_have_text("Referrals")

    tab_to(page.get_by_role("link", name=reference))
    kb.press("Enter")
    expect(page.locator("h1")).to_have_text(f"Referral {reference}")
    expect(page.locator("h1")).to_be_focused()
    tab_to(page.get_by_label("New"))
    kb.press("ArrowDown")
    expect(page.get_by_label("Contacted")).to_be_checked()
    tab_to(page.get_by_role("button", name="Save status"))
    kb.press("Enter")
    expect(page.locator(".ix-banner")).to_have_text("Status saved: Contacted.")
    expect(page.locator(".ix-banner")).to_be_focused()
    tab_to(page.get_by_label("Assigned to"))
    page.get_by_label("Assigned to").select_option("kim")  # a select's own keys: the list opens natively
    tab_to(page.get_by_role("button", name="Save who it is assigned to"))
    kb.press("Enter")
    expect(page.locator(".ix-banner")).to_have_text("Assigned to Kim Park.")
    tab_to(page.get_by_label("Add a note"))
    kb.type("Typed with the keyboard only.")
    tab_to(page.get_by_role("button", name="Add note"))
    kb.press("Enter")
    expect(page.locator(".ix-note__text")).to_have_text("Typed with the keyboard only.")
    look(page, "referral-with-note", pages_seen)

    expect(page.locator(".ix-banner")).to_be_focused()
    kb.press("Shift+Tab")
    expect(page.get_by_role("link", name="Back to referrals")).to_be_focused()
    kb.press("Enter")
    expect(page.locator("h1")).to_have_text("Referrals")
    tab_to(page.get_by_label(f"Select {reference}"))
    kb.press("Space")
    expect(page.locator("#selected-count")).to_have_text("1 referral selected.")
    tab_to(page.get_by_role("button", name="Download selected referrals (CSV)"))
    with page.expect_download():
        kb.press("Enter")
    tab_to(page.get_by_role("button", name="Sign out"))
    kb.press("Enter")
    expect(page).to_have_url(f"{inbox_dev.inbox}/sign-in?reason=signed-out")
    context.close()


def test_pages_for_dead_links_and_missing_pages(browser, inbox_dev, pages_seen):
    context = new_context(browser, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    response = page.goto(f"{inbox_dev.inbox}/sign-up/not-a-real-token")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("This sign-up link does not work")
    look(page, "sign-up-link-dead", pages_seen)
    response = page.goto(f"{inbox_dev.inbox}/no-such-page")
    assert response.status == 404
    look(page, "not-found", pages_seen)
    context.close()


def test_without_javascript_the_inbox_says_it_needs_it(browser, inbox_dev):
    link = add_staff(inbox_dev.database, "noscript", "No Script", inbox_dev.inbox)
    context = new_context(browser, java_script_enabled=False)
    page = context.new_page()
    app = sign_up_with_password(page, link)
    expect(page.get_by_text("Signing in with a passkey needs JavaScript")).to_be_visible()
    sign_in_with_password(page, inbox_dev.inbox, "noscript", app)
    expect(page).to_have_url(f"{inbox_dev.inbox}/")
    expect(page.get_by_text("The inbox needs JavaScript.")).to_be_visible()
    context.close()
