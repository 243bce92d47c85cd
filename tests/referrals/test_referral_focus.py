"""The referral form in its error state, in a real browser through `python -m referrals dev`:
where the error summary's links send focus, and what it looks like.

- Following each link of the error summary (by keyboard and by pointer) focuses the answer
  to fix, on screen and not covered by the sticky "Exit this page" bar, in a laptop window
  (1280x720) and a phone at 400% zoom (320x256): WCAG 2.2 2.4.11 Focus Not Obscured.
- Clicking a question's hint, then Tab, goes to that question's answer (focus order after a
  pointer click follows the page).
- axe-core with the AAA tags, and every link's and control's text in every state (hover,
  visited, focus) at 7:1: WCAG 1.4.6 Contrast (Enhanced), with the error messages shown.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from referral_helpers import AXE

PROBE = Path(__file__).resolve().parents[1] / "a11y_probe.js"
WINDOWS = [(1280, 720), (320, 256)]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "wcag2aaa", "wcag21aaa", "wcag22aaa",
            "best-practice"]


def error_page(browser, dev_server, width, height):
    """A context and page showing the form after sending it with nothing filled in."""
    # The probe (tests/a11y_probe.js) and axe-core are scripts the page's own policy blocks.
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    context.add_init_script(path=str(PROBE))
    page = context.new_page()
    page.goto(f"{dev_server.url}/get-support/refer-yourself/")
    page.get_by_role("button", name="Send referral").click()
    expect(page.locator(".ox-error-summary")).to_be_focused()
    return context, page


@pytest.mark.parametrize("width,height", WINDOWS, ids=[f"{w}x{h}" for w, h in WINDOWS])
def test_each_error_summary_link_focuses_its_answer_in_plain_sight(browser, dev_server, width, height):
    context, page = error_page(browser, dev_server, width, height)
    problems = []
    try:
        links = page.locator(".ox-error-summary__list a")
        count = links.count()
        assert count >= 2, "sending an empty form should list at least two problems"
        for index in range(count):
            for how in ("keyboard", "pointer"):
                page.evaluate("() => window.scrollTo(0, 0)")
                link = links.nth(index)
                target_id = link.get_attribute("href").lstrip("#")
                if how == "keyboard":
                    link.focus()
                    page.keyboard.press("Enter")
                else:
                    link.click()
                focused = page.evaluate("() => document.activeElement.id")
                if focused != target_id:
                    problems.append(f"{how}: the link to #{target_id} focused #{focused or '(nothing)'}")
                    continue
                problem = page.evaluate("() => __oxProbe.focusCheck(document.activeElement)")
                if problem:
                    problems.append(f"{how}: the link to #{target_id}: the answer is {problem}")
    finally:
        context.close()
    assert not problems, f"at {width}x{height}:\n  " + "\n  ".join(problems)


def test_after_clicking_a_hint_tab_goes_to_its_answer(browser, dev_server):
    """The issue's input: click the hint under "What is worrying you?", then Tab."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    try:
        page.goto(f"{dev_server.url}/get-support/refer-yourself/")
        answer = page.get_by_label("What is worrying you? (optional)")
        hint = page.locator("#worries-hint")
        hint.scroll_into_view_if_needed()
        box = hint.bounding_box()
        page.mouse.click(box["x"] + 3, box["y"] + box["height"] / 2)
        page.keyboard.press("Tab")
        expect(answer).to_be_focused()
    finally:
        context.close()


@pytest.mark.parametrize("width,height", WINDOWS, ids=[f"{w}x{h}" for w, h in WINDOWS])
def test_the_error_state_meets_enhanced_contrast_in_every_state(browser, dev_server, width, height):
    context, page = error_page(browser, dev_server, width, height)
    try:
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(
            "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations"
            ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))", AXE_TAGS)
        states = page.evaluate("() => __oxProbe.states()")
    finally:
        context.close()
    assert violations == []
    assert states == [], "\n".join(str(s) for s in states)
