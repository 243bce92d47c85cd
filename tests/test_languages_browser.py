"""Right-to-left pages in Debian's Chromium: the same page, mirrored, that works the same.

On the Arabic pages (and, for comparison, the Polish ones): no sideways scroll at 320 px;
the page really lays out right to left (the Exit this page button at the left end of its
bar, the text starting at the right, the form's boxes at the right); phone numbers keep
their left-to-right order; Exit this page by click and by three Shift presses; the skip
link. axe-core and the Nu checker cover every page, in every language, in
test_browser_a11y.py and test_html_validity.py.
"""

from __future__ import annotations

import pytest

from test_browser_a11y import OVERFLOW, exit_context, exit_url, press_shift, wait_for_exit  # noqa: F401 (exit_url: a fixture)

RTL_PAGES = ["ar/get-support/", "ar/get-support/refer-yourself/", "ar/get-help-now/", "ar/get-support/refer-yourself/received/"]


@pytest.mark.parametrize("path", RTL_PAGES)
def test_no_sideways_scroll_at_320px_right_to_left(browser, site_server, path):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        page.goto(site_server + path)
        overflow = page.evaluate(OVERFLOW)
        assert overflow["scrollWidth"] <= overflow["clientWidth"], f"/{path} scrolls sideways at 320 px: {overflow}"
        left = page.evaluate("""() => [...document.body.querySelectorAll('main *, header *, footer *')]
            .map(e => e.getBoundingClientRect()).filter(r => r.width > 0 && r.left < -1).length""")
        assert left == 0, f"/{path}: {left} elements start off the left edge"
    finally:
        context.close()


def positions(page) -> dict:
    return page.evaluate("""() => {
      const box = s => { const e = document.querySelector(s); if (!e) return null;
                         const r = e.getBoundingClientRect(); return {left: r.left, right: r.right, width: r.width}; };
      return {width: document.documentElement.clientWidth, exit: box('#exit-this-page'), h1: box('main h1'),
              input: box('#full_name'), label: box('label[for="full_name"]'), dir: getComputedStyle(document.body).direction};
    }""")


def test_the_arabic_page_is_laid_out_right_to_left_and_the_polish_left_to_right(browser, site_server):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        for code, direction in (("ar", "rtl"), ("pl", "ltr")):
            page.goto(site_server + f"{code}/get-support/refer-yourself/")
            at = positions(page)
            assert at["dir"] == direction
            middle = at["width"] / 2
            if direction == "rtl":
                assert at["exit"]["right"] < middle, "Exit this page sits at the end of its bar: the left in RTL"
                assert at["h1"]["right"] > middle and at["label"]["right"] > middle, "text starts at the right"
                assert abs(at["input"]["right"] - at["label"]["right"]) < 2, "the box lines up with its label's start"
            else:
                assert at["exit"]["left"] > middle and at["h1"]["left"] < middle
    finally:
        context.close()


def test_phone_numbers_keep_their_order_right_to_left(browser, site_server):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto(site_server + "ar/get-help-now/")
        for number in ("116 123", "0808 2000 247"):
            link = page.locator(f'main a[href^="tel:"]:text-is("{number}")').first
            # Each group of digits is drawn left to right, first group leftmost.
            groups = link.evaluate("""(a) => {
              const range = document.createRange(); const node = a.firstChild; const out = [];
              let start = 0;
              for (const part of node.textContent.split(' ')) {
                range.setStart(node, start); range.setEnd(node, start + part.length);
                out.push(range.getBoundingClientRect().left); start += part.length + 1;
              }
              return out; }""")
            assert groups == sorted(groups), f"{number} is not read left to right: {groups}"
    finally:
        context.close()


def test_exit_this_page_by_click_right_to_left(browser, site_server, exit_url):
    context, seen = exit_context(browser, exit_url)
    try:
        page = context.new_page()
        page.goto(site_server + "ar/get-support/")
        link = page.locator("#exit-this-page")
        assert link.inner_text().strip() == "مغادرة هذه الصفحة"
        link.click()
        wait_for_exit(page, exit_url, seen, "clicking Exit this page", "/ar/get-support/")
        page.go_back(wait_until="load")
        assert not page.url.endswith("/ar/get-support/"), "Back returned to the page after Exit this page"
    finally:
        context.close()


@pytest.mark.parametrize("path", ["ar/get-support/", "ar/get-support/refer-yourself/"])
def test_exit_this_page_by_three_shift_presses_right_to_left(browser, site_server, exit_url, path):
    context, seen = exit_context(browser, exit_url)
    try:
        page = context.new_page()
        page.goto(site_server + path)
        if "refer-yourself" in path:
            page.locator("#worries").click()
            page.keyboard.type("أشعر بالبعد عن طفلي")
        press_shift(page)
        wait_for_exit(page, exit_url, seen, "pressing Shift 3 times", f"/{path}")
        assert page.title() != "مغادرة هذه الصفحة"
    finally:
        context.close()


def test_the_skip_link_right_to_left(browser, site_server):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto(site_server + "ar/get-support/")
        page.keyboard.press("Tab")
        skip = page.locator(".ox-skip-link")
        assert skip.evaluate("e => e === document.activeElement")
        assert skip.inner_text().strip() == "الانتقال إلى المحتوى الرئيسي"
        box = skip.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, f"the skip link is off screen when focused: {box}"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main-content"
    finally:
        context.close()
