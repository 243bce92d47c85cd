""""Was this page helpful?" in a real browser, through `python -m referrals dev` (the site
and the service on one origin, as `make serve` and the documented proxy give them).

With JavaScript off the form posts and the thank-you page makes sense on its own; with it
on the answer is sent in place and the reader is thanked where they are. Either way the
answer is counted for the right page and nothing is stored on the device. axe-core finds
nothing on the form (open, and after an error), and the Nu checker passes every page the
service answers feedback with.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace

import pytest

from referral_helpers import AXE, ROOT, app_client, write_feedback_comment
from referrals import feedback
from referrals.feedback_store import open_feedback_admin

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "wcag2aaa", "wcag21aaa", "wcag22aaa",
            "best-practice"]  # public pages: AAA too (1.4.6 Contrast (Enhanced))
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def counts(dev_server) -> dict:
    admin = open_feedback_admin(str(dev_server.data_dir / "referrals-dev.sqlite3"))
    try:
        return {c.page: (c.yes, c.no, c.comments) for c in admin.counts()}
    finally:
        admin.close()


def run_axe(page) -> list:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))",
        AXE_TAGS,
    )


def stored_on_device(context, page) -> dict:
    return {
        "cookies": context.cookies(),
        "storage": page.evaluate("() => [localStorage.length, sessionStorage.length]"),
    }


def test_without_javascript_the_answer_posts_and_the_thank_you_page_stands_alone(browser, dev_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{dev_server.url}/services/therapy-sessions/")
        write_feedback_comment(page, "Say how long the sessions last.")
        page.get_by_role("button", name="No this page was not helpful").click()
        page.wait_for_url("**/feedback/thank-you/")
        assert page.locator("h1").inner_text() == "Thank you for your feedback"
        assert page.locator("main").get_by_role("link", name="get help now").count() == 1
        assert page.locator(".ox-feedback").count() == 0, "no second feedback form on the thank-you page"
        assert page.locator('meta[name="robots"]').get_attribute("content") == "noindex"
        assert stored_on_device(context, page) == {"cookies": [], "storage": [0, 0]}
    finally:
        context.close()
    assert counts(dev_server) == {"/services/therapy-sessions/": (0, 1, 1)}


def test_with_javascript_the_answer_is_sent_in_place(browser, dev_server):
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{dev_server.url}/get-support/")
        posts = []
        page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
        page.get_by_role("button", name="Yes this page was helpful").click()
        thanks = page.locator(".ox-feedback__thanks")
        thanks.wait_for(state="visible")
        assert thanks.inner_text() == "Thank you for your feedback."
        assert page.evaluate("document.activeElement.className") == "ox-feedback__thanks"
        assert page.url == f"{dev_server.url}/get-support/", "the reader stays on the page"
        assert page.locator("form.ox-feedback__form").is_hidden()
        assert posts == [f"{dev_server.url}/feedback/"]
        assert stored_on_device(context, page) == {"cookies": [], "storage": [0, 0]}
    finally:
        context.close()
    assert counts(dev_server) == {"/get-support/": (1, 0, 0)}


def test_with_javascript_a_problem_falls_back_to_the_page_that_explains_it(browser, dev_server):
    context = browser.new_context(bypass_csp=True)  # for axe-core, added as a script
    page = context.new_page()
    try:
        page.goto(f"{dev_server.url}/contact/")
        long = "The opening hours are hard to find. " * 30
        write_feedback_comment(page, long)
        page.get_by_role("button", name="No this page was not helpful").click()
        page.wait_for_url("**/feedback/")
        assert page.title().startswith("Error: ")
        summary = page.locator(".ox-error-summary")
        assert "1,000 characters or fewer" in summary.inner_text()
        assert page.evaluate("document.activeElement.classList.contains('ox-error-summary')"), \
            "focus moves to the error summary"
        assert page.locator("#feedback-comment").input_value() == long.strip()
        assert run_axe(page) == []
        page.get_by_label("What could make this page better?").fill("The opening hours are hard to find.")
        page.get_by_role("button", name="No this page was not helpful").click()
        page.locator(".ox-feedback__thanks").wait_for(state="visible")
    finally:
        context.close()
    assert counts(dev_server) == {"/contact/": (0, 1, 1)}


def test_the_open_form_has_no_axe_violations(browser, dev_server):
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(f"{dev_server.url}/get-help-now/")
        page.locator("summary", has_text="Add a comment (optional)").click()
        assert page.get_by_label("What could make this page better?").is_visible()
        assert run_axe(page) == []
    finally:
        context.close()


def test_every_page_the_service_answers_feedback_with_is_valid_html(settings, data_dir, tmp_path):
    pages = {}
    with app_client(replace(settings, feedback_rate_limit_count=1)) as client:
        pages["page"] = client.get(feedback.PATH).text
        pages["too-long"] = client.post(feedback.PATH, data={"page": "/", "helpful": "no", "comment": "<x>" * 400}).text
        pages["no-answer"] = client.post(feedback.PATH, data={"page": "/", "comment": "\"q\" & <t>"}).text
        pages["foreign"] = client.post(feedback.PATH, data={"page": "/", "helpful": "yes"},
                                       headers={"Origin": "https://evil.example"}).text
        client.post(feedback.PATH, data={"page": "/", "helpful": "yes"})
        pages["rate-limited"] = client.post(feedback.PATH, data={"page": "/get-support/", "helpful": "yes"}).text
    for name, html in pages.items():
        (tmp_path / f"{name}.html").write_text(html, encoding="utf-8")
    assert VNU.exists(), "vnu.jar is missing: run `npm ci`"
    proc = subprocess.run(["java", "-jar", str(VNU), "--format", "json", *sorted(map(str, tmp_path.glob("*.html")))],
                          capture_output=True, text=True, timeout=120)
    messages = json.loads(proc.stderr)["messages"]
    problems = [f"{m['url'].rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m['message']}" for m in messages
                if m.get("type") in ("error", "non-document-error") or m.get("subType") == "warning"]
    assert problems == []
    assert "Please wait before you send more feedback" in pages["rate-limited"]
