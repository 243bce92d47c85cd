"""Browser tests: Debian's Chromium driven by Playwright over the built site.

Every page is loaded once in each of two windows, 1280x720 (a laptop) and 320x256 (a
phone at 400% zoom, WCAG 1.4.10), and in each:
- axe-core (node_modules/axe-core, pinned in package.json): 0 violations for wcag2a,
  wcag2aa, wcag21a, wcag21aa, wcag22aa, the AAA tags (wcag2aaa, wcag21aaa, wcag22aaa:
  1.4.6 Contrast (Enhanced) among them) and best-practice;
- the contrast of every link's and control's text in the states axe cannot see (hover,
  visited, focus and their mixes) at 7:1 (large text 4.5:1), and a visible change on focus;
- Tab through the whole page and Shift+Tab back: every element that takes focus is on
  screen and not covered by anything (the sticky "Exit this page" bar above all; WCAG 2.2
  2.4.11 Focus Not Obscured);
- a click on text deep in <main>, then Tab: focus goes on from the click, never back to
  the top of <main> (focus order after a pointer click);
- no horizontal scroll at 320 px; no failed request, script error or other host; nothing
  left on the device (cookies, web storage, IndexedDB, caches, service workers).
Then: "Exit this page" by click, by three Shift presses (and not by two, nor by Shift used
for capitals while typing, nor by presses too far apart), and with JavaScript off; the
skip link; in-page links followed by Tab.

No request leaves the machine: every request to another host is intercepted; the exit
site is answered with a tiny local page.
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PROBE = Path(__file__).resolve().parent / "a11y_probe.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa",
            "wcag2aaa", "wcag21aaa", "wcag22aaa", "best-practice"]
WINDOWS = {320: 256, 1280: 720}  # width: height (320x256: a 1280x1024 screen at 400% zoom)
WIDTHS = list(WINDOWS)
HEIGHT = 800  # the Exit this page tests' phone window (390 px wide)
KEYS_PER_CHECK = 8  # Tab presses between two looks at whether a walk is complete
MISSING_ADDRESS = "this-page-does-not-exist/at-all/"  # where the 404 page is tested
EXIT_BODY = "<!doctype html><html lang=en><title>Weather</title><h1>Weather</h1></html>"

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: tags},
    resultTypes: ['violations'],
  });
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    targets: v.nodes.map(n => n.target.join(' ')),
    summary: (v.nodes[0] && v.nodes[0].failureSummary || '').split('\\n').slice(0, 3).join(' '),
  }));
}"""

OVERFLOW = """() => {
  const doc = document.documentElement;
  const width = doc.clientWidth;
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      [...el.classList].slice(0, 2).map(c => '.' + c).join('');
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > width + 1 && !wide.some(w => w.el.contains(el))) {
      wide.push({el, text: name(el) + ' (' + Math.round(r.left) + '..' + Math.round(r.right) + 'px)'});
    }
  }
  return {scrollWidth: doc.scrollWidth, clientWidth: width, wide: wide.slice(0, 5).map(w => w.text)};
}"""

EXIT_POSITION = """() => {
  const link = document.getElementById('exit-this-page') ||
      [...document.querySelectorAll('a')].find(a => a.textContent.trim() === 'Exit this page');
  if (!link) return null;
  const r = link.getBoundingClientRect();
  return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width,
          height: r.height, href: link.href, viewport: window.innerHeight};
}"""


# -------------------------------------------------------------------------- set-up


@pytest.fixture(scope="module")
def page_scripts() -> str:
    """axe-core and the probe (a11y_probe.js), added to every page of the sweep before its own scripts."""
    if not AXE.is_file():
        pytest.fail(f"{AXE.relative_to(ROOT)} is missing: run `npm ci` in the project folder", pytrace=False)
    return AXE.read_text(encoding="utf-8") + "\n" + PROBE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def exit_url(site_config) -> str:
    url = site_config.get("EXIT_PAGE_URL")
    assert url, "pelicanconf.py has no EXIT_PAGE_URL"
    return url


def page_address(page) -> str:
    """The path to load a built page at; the 404 page is loaded at a missing address."""
    return MISSING_ADDRESS if page.rel == "404.html" else page.url.lstrip("/")


class Sweep:
    """Loads every page once per width and records what the tests need."""

    def __init__(self, browser, base_url, site_index, page_scripts):
        self.browser, self.base_url, self.site = browser, base_url, site_index
        self.page_scripts = page_scripts
        self.results: dict[int, list[dict]] = {}

    def at(self, width: int) -> list[dict]:
        if width not in self.results:
            self.results[width] = self._run(width)
        return self.results[width]

    def _run(self, width: int) -> list[dict]:
        context = self.browser.new_context(viewport={"width": width, "height": WINDOWS[width]})
        context.add_init_script(script=self.page_scripts)
        outside: list[str] = []
        fetched: list[str] = []  # every request to this site, the page itself included
        moved: list[str] = []  # navigations the page started by itself (meta refresh, script)
        expected = {"url": None}
        origin = self.base_url.rstrip("/")

        def gate(route):
            request = route.request
            url = request.url
            if (request.is_navigation_request() and request.frame.parent_frame is None
                    and url != expected["url"]):
                # Keep the page under test: a 204 answer cancels the navigation (redirect
                # stubs are checked here as they render; their target is checked below).
                moved.append(url)
                route.fulfill(status=204, body="")
            elif url.startswith(origin + "/") or url == origin:
                fetched.append(url)
                route.continue_()
            else:
                outside.append(url)
                route.abort()

        context.route("**/*", gate)
        page = context.new_page()
        keys = context.new_cdp_session(page)  # key presses for the walk, one message each
        events: list[str] = []
        # "Failed to load resource" repeats what the response listener reports (and the
        # 404 page's own status), so only other console errors are kept.
        page.on(
            "console",
            lambda m: m.type == "error" and not m.text.startswith("Failed to load resource")
            and events.append(f"console error: {m.text}"),
        )
        page.on("pageerror", lambda e: events.append(f"script error: {e}"))
        page.on(
            "requestfailed",
            # ERR_ABORTED: cancelled because the test moved on to the next page (the
            # favicon often is); a real miss shows up as an HTTP status above.
            lambda r: r.url.startswith(origin + "/") and "ERR_ABORTED" not in (r.failure or "")
            and events.append(f"request failed: {r.url} ({r.failure})"),
        )
        page.on(
            "response",
            lambda r: r.status >= 400 and r.request.resource_type != "document"
            and events.append(f"HTTP {r.status} for {r.url}"),
        )
        results = []
        try:
            for site_page in self.site.public_pages:
                events.clear()
                outside.clear()
                moved.clear()
                fetched.clear()
                address = page_address(site_page)
                expected["url"] = self.base_url + address
                response = page.goto(self.base_url + address, wait_until="load")
                status = response.status if response else None
                want_status = 404 if site_page.rel == "404.html" else 200
                if status != want_status:
                    events.append(f"the page itself answered HTTP {status} (expected {want_status})")
                redirect = self.site.redirect_target(site_page)
                if redirect:
                    want = urljoin(expected["url"], redirect)
                    deadline = time.monotonic() + 3  # a 0-second refresh starts after load
                    while want not in moved and time.monotonic() < deadline:
                        page.wait_for_timeout(25)
                    if want not in moved:
                        events.append(f"redirect stub did not go to {want} (went to: {moved or 'nowhere'})")
                elif moved:
                    events.append(f"the page navigated away by itself to {moved[0]}")
                entry = {
                    "page": site_page.url if site_page.rel != "404.html" else f"/{address} (404.html)",
                    "violations": page.evaluate(RUN_AXE, AXE_TAGS),
                    "overflow": page.evaluate(OVERFLOW) if width <= 400 else None,
                    "exit": page.evaluate(EXIT_POSITION),
                    "events": list(events),
                    "outside": list(dict.fromkeys(outside)),
                    # what the browser fetched by the time axe had run (no extra waiting)
                    "fetched": list(dict.fromkeys(fetched)),
                    "text_only": not ((site_page.soup.find("main") or site_page.soup).find("img")),
                }
                if not redirect:  # a redirect stub is left at once: its target is checked
                    entry["states"] = page.evaluate("() => __oxProbe.states()")
                    started = time.monotonic()
                    entry["walk"] = keyboard_walk(page, keys)
                    entry["walk_seconds"] = time.monotonic() - started
                    entry["in_page"] = follow_in_page_links(page, keys)
                    entry["click"] = click_then_tab(page)
                entry["left_behind"] = page.evaluate("() => __oxProbe.leftBehind()")
                results.append(entry)
        finally:
            context.close()
        return results


TAB = {"type": "rawKeyDown", "key": "Tab", "code": "Tab", "windowsVirtualKeyCode": 9}


def keyboard_walk(page, keys) -> dict:
    """Tab from the top of the page until focus leaves it, then Shift+Tab until every element
    seen on the way down has been seen again. Returns each direction's entries (a11y_probe.js).

    Each press is one key-down sent straight to Chromium (``keys``, a CDP session): focus
    moves on key-down, and half the messages make a walk of every page affordable."""
    found = {}
    for direction, modifiers in (("forward", 0), ("backward", 8)):  # 8: Shift held
        want = [e["id"] for e in found.get("forward", {}).get("entries", [])]
        page.evaluate("([direction, want]) => __oxProbe.startWalk(direction, want)", [direction, want])
        limit = 3 * len(want) + 4 * KEYS_PER_CHECK if want else 600
        presses = 0
        while presses < limit:
            for _ in range(KEYS_PER_CHECK):
                keys.send("Input.dispatchKeyEvent", dict(TAB, modifiers=modifiers))
            presses += KEYS_PER_CHECK
            if page.evaluate("() => __oxProbe.status().done"):
                break
        found[direction] = page.evaluate("() => __oxProbe.finishWalk()")
        found[direction]["presses"] = presses
    return found


def follow_in_page_links(page, keys) -> list[str]:
    """Each link to a place on the same page, from the bottom of the page: focused by script,
    followed with Enter, then Tab. Returns what was hidden (a11y_probe.js)."""
    problems = []
    for index in range(page.evaluate("() => __oxProbe.inPageLinks()")):
        link = page.evaluate("(i) => __oxProbe.focusInPageLink(i)", index)
        steps = [("focused by script", link)]
        page.keyboard.press("Enter")
        steps.append(("after Enter", page.evaluate("() => __oxProbe.checkActive()")))
        keys.send("Input.dispatchKeyEvent", TAB)
        steps.append(("after Enter, then Tab", page.evaluate("() => __oxProbe.checkActive()")))
        problems += [f"{link['name']} {when}: {found['name']}: {found['problem']}"
                     for when, found in steps if found["problem"]]
    return problems


def click_then_tab(page) -> dict | None:
    """Click on text deep in <main>, press Tab: where does focus go? (a11y_probe.js)"""
    target = page.evaluate("() => __oxProbe.clickTarget()")
    if not target:
        return None
    page.mouse.click(target["x"], target["y"])
    target["after_click_main"] = page.evaluate("() => __oxProbe.activeIsMain()")
    page.keyboard.press("Tab")
    target.update(page.evaluate("() => __oxProbe.afterClickTab()"))
    return target


@pytest.fixture(scope="module")
def sweep(browser, site_server, site_index, page_scripts) -> Sweep:
    return Sweep(browser, site_server, site_index, page_scripts)


def report(problems: list[str], rule: str) -> None:
    if problems:
        pytest.fail(f"{rule}: {len(problems)} problem(s)\n  - " + "\n  - ".join(problems), pytrace=False)


# ------------------------------------------------------------------- every page


@pytest.mark.parametrize("width", WIDTHS, ids=[f"{w}px" for w in WIDTHS])
def test_axe_finds_no_violations_on_any_page(sweep, width):
    # Group by rule, then by the elements it found, so a theme-wide problem reads once.
    rules: dict[str, dict] = {}
    for entry in sweep.at(width):
        for v in entry["violations"]:
            rule = rules.setdefault(v["id"], {"v": v, "where": {}})
            targets = ", ".join(v["targets"][:3]) + (
                f" (+{len(v['targets']) - 3} more)" if len(v["targets"]) > 3 else ""
            )
            rule["where"].setdefault(targets, []).append(entry["page"])
    problems = []
    for rule_id, rule in rules.items():
        v = rule["v"]
        lines = [f"[{v['impact']}] {rule_id}: {v['help']} ({v['helpUrl'].split('?')[0]})", f"    why: {v['summary']}"]
        for targets, pages in rule["where"].items():
            lines.append(f"    on {targets}")
            total = len(sweep.at(width))
            shown = "every page tested" if len(pages) == total else ", ".join(pages[:10]) + (
                f" and {len(pages) - 10} more" if len(pages) > 10 else "")
            lines.append(f"       in {len(pages)} of {total} page(s): {shown}")
        problems.append("\n".join(lines))
    report(problems, f"axe-core ({', '.join(AXE_TAGS)}) at {width}px: violated rules")


@pytest.mark.parametrize("width", WIDTHS, ids=[f"{w}x{WINDOWS[w]}" for w in WIDTHS])
def test_focus_is_never_hidden_under_anything_walking_every_page_with_tab_and_shift_tab(sweep, width):
    """WCAG 2.2 2.4.11 Focus Not Obscured: each element Tab or Shift+Tab moves focus to is on
    screen and nothing (the sticky Exit this page bar above all) is drawn over any corner;
    the same for links within the page (the skip link): focused by script, followed, Tab."""
    problems, stops, seconds = [], 0, 0.0
    for entry in sweep.at(width):
        if "walk" not in entry:
            continue
        seconds += entry["walk_seconds"]
        forward, backward = entry["walk"]["forward"], entry["walk"]["backward"]
        stops += len(forward["entries"]) + len(backward["entries"])
        problems += [f"{entry['page']}: in-page link {p}" for p in entry["in_page"]]
        for direction, key in ((forward, "Tab"), (backward, "Shift+Tab")):
            if not direction["done"]:
                problems.append(f"{entry['page']}: {key} did not get through the page in {direction['presses']} presses")
            seen = set()
            for e in direction["entries"]:
                if e["problem"] and e["name"] not in seen:
                    seen.add(e["name"])
                    problems.append(f"{entry['page']}: {key} to {e['name']}: {e['problem']}")
    print(f"\nkeyboard walk at {width}x{WINDOWS[width]}: {stops} focus stops in {seconds:.1f} s")
    report(problems, f"focused element hidden at {width}x{WINDOWS[width]} (WCAG 2.4.11)")


@pytest.mark.parametrize("width", WIDTHS, ids=[f"{w}x{WINDOWS[w]}" for w in WIDTHS])
def test_text_contrast_is_enhanced_in_every_state_on_every_page(sweep, width):
    """WCAG 1.4.6 Contrast (Enhanced) in the states axe-core cannot see: hover, visited,
    focus and their mixes (7:1, large text 4.5:1); and focus always changes how a link or
    control looks (WCAG 2.4.7)."""
    problems = []
    for entry in sweep.at(width):
        for p in entry.get("states", []):
            if p.get("indicator") is False:
                line = f"{p['state']}: {p['name']} looks the same with focus as without (no focus indicator)"
            else:
                line = (f"{p['state']}: {p['name']}: {p['ratio']}:1 ({p['fg']} on {p['bg']}, "
                        f"{p['size']}px{' bold' if p['bold'] else ''}); needs {p['need']}:1")
            problems.append(f"{entry['page']}: {line}")
    report(sorted(set(problems)), f"text contrast in every state at {width}px (WCAG 1.4.6, 2.4.7)")


@pytest.mark.parametrize("width", WIDTHS, ids=[f"{w}x{WINDOWS[w]}" for w in WIDTHS])
def test_after_a_click_on_the_page_tab_goes_on_from_there(sweep, width):
    """Focus order after a pointer click follows the page (WCAG 2.4.3): a click on text does
    not give <main> focus, so the next Tab goes to what follows the click, not back to the
    top of <main>."""
    problems, checked = [], 0
    for entry in sweep.at(width):
        click = entry.get("click")
        if not click:
            continue
        checked += 1
        if click["after_click_main"] or not click["follows"]:
            problems.append(f"{entry['page']}: clicked on {click['name']}, pressed Tab: focus went to "
                            f"{click['focused']}, which comes before it"
                            + (" (the click gave <main> focus)" if click["after_click_main"] else ""))
    assert checked >= 10, f"only {checked} pages had text to click on after something focusable"
    report(problems, f"Tab after a click at {width}px")


def test_no_horizontal_scroll_at_320px(sweep):
    problems = []
    for entry in sweep.at(320):
        o = entry["overflow"]
        if o["scrollWidth"] > o["clientWidth"]:
            problems.append(
                f"{entry['page']}: page is {o['scrollWidth']}px wide in a {o['clientWidth']}px window; "
                f"too wide: {'; '.join(o['wide']) or '(no single element found)'}"
            )
    report(problems, "no horizontal scrolling at 320px (WCAG 1.4.10 reflow)")


@pytest.mark.parametrize("width", WIDTHS, ids=[f"{w}px" for w in WIDTHS])
def test_pages_load_cleanly_and_only_from_this_site(sweep, width):
    problems = []
    for entry in sweep.at(width):
        problems += [f"{entry['page']} at {width}px: {e}" for e in entry["events"]]
        problems += [f"{entry['page']} at {width}px: request to another host blocked: {u}" for u in entry["outside"]]
    report(problems, "pages must load with no errors and no third-party request")


@pytest.mark.parametrize("width", WIDTHS, ids=[f"{w}px" for w in WIDTHS])
def test_exit_this_page_is_visible_without_scrolling_on_every_page(sweep, width, exit_url):
    problems = []
    for entry in sweep.at(width):
        e = entry["exit"]
        if e is None:
            problems.append(f"{entry['page']} at {width}px: no Exit this page link")
        elif e["width"] < 24 or e["height"] < 24:
            problems.append(f"{entry['page']} at {width}px: Exit this page is {e['width']:.0f}x{e['height']:.0f}px (hidden or under 24x24)")
        elif e["top"] < 0 or e["bottom"] > e["viewport"]:
            problems.append(f"{entry['page']} at {width}px: Exit this page is not in the first screen (top {e['top']:.0f}px)")
        elif e["href"] != exit_url:
            problems.append(f"{entry['page']} at {width}px: Exit this page goes to {e['href']}, expected {exit_url}")
    report(problems, "Exit this page must be visible at the top of every page")


@pytest.mark.parametrize("width", WIDTHS, ids=[f"{w}px" for w in WIDTHS])
def test_no_page_leaves_anything_on_the_device(sweep, width):
    """Privacy: after a page is read, clicked and walked through with the keyboard, nothing is
    stored on the device (no cookie, web storage, IndexedDB, cache or service worker): someone
    else may pick up a parent's phone."""
    problems = [f"{entry['page']}: {what}" for entry in sweep.at(width) for what in entry["left_behind"]]
    report(problems, f"something left on the device at {width}px")


def test_text_only_pages_make_at_most_3_requests_in_a_real_browser(sweep):
    """The browser's own count, to back up tests/test_page_weight.py's reading of the HTML
    (fonts, CSS imports and scripts that load more on start are all seen here)."""
    problems = []
    for entry in sweep.at(320):
        if entry["text_only"] and len(entry["fetched"]) > 3:
            names = [u.split("/", 3)[-1] or "/" for u in entry["fetched"]]
            problems.append(f"{entry['page']}: {len(entry['fetched'])} requests: {', '.join(names)}")
    report(problems, "a text-only page may make at most 3 requests (HTML included)")


# ------------------------------------------------------------------ exit this page


def exit_context(browser, exit_url, **options):
    """A context where the exit site is answered locally; returns (context, requests)."""
    context = browser.new_context(viewport={"width": 390, "height": HEIGHT}, **options)
    host = urlsplit(exit_url).hostname
    seen: list[dict] = []

    def fulfil(route):
        seen.append({"url": route.request.url, "headers": route.request.headers})
        route.fulfill(status=200, content_type="text/html", body=EXIT_BODY)

    context.route(lambda url: urlsplit(url).hostname == host, fulfil)
    context.route(
        lambda url: urlsplit(url).hostname not in (host, "127.0.0.1"),
        lambda route: route.abort(),
    )
    return context, seen


def press_shift(page, times: int = 3, apart_ms: int = 60) -> None:
    """Shift pressed and let go ``times`` times, ``apart_ms`` apart (the Exit shortcut is 3 within a second)."""
    for _ in range(times):
        page.keyboard.press("Shift")
        page.wait_for_timeout(apart_ms)


def wait_for_exit(page, exit_url, seen, how: str, started_on: str):
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any(s["url"] == exit_url for s in seen):
        page.wait_for_timeout(50)
    assert any(s["url"] == exit_url for s in seen), (
        f"{how} on {started_on} did not navigate to {exit_url}; "
        f"requests to the exit host: {[s['url'] for s in seen] or 'none'}; page is at {page.url}"
    )
    page.wait_for_url(exit_url, timeout=20000)


def test_exit_this_page_click_leaves_and_replaces_history(browser, site_server, exit_url):
    context, seen = exit_context(browser, exit_url)
    try:
        page = context.new_page()
        page.goto(site_server)
        page.goto(site_server + "get-support/")
        page.get_by_role("link", name="Exit this page").click()
        wait_for_exit(page, exit_url, seen, "clicking Exit this page", "/get-support/")
        referer = seen[-1]["headers"].get("referer")
        assert not referer, f"the exit site was told where the visitor came from (Referer: {referer})"
        page.go_back(wait_until="load")
        assert not page.url.endswith("/get-support/"), (
            "after Exit this page, the browser's Back button returns to /get-support/: "
            "leave with location.replace() so the page is not left in the history"
        )
    finally:
        context.close()


@pytest.mark.parametrize("path", ["", "stories/"], ids=["home", "stories"])
def test_pressing_shift_three_times_exits(browser, site_server, exit_url, path):
    context, seen = exit_context(browser, exit_url)
    try:
        page = context.new_page()
        page.goto(site_server + path)
        page.wait_for_load_state("load")
        press_shift(page)
        wait_for_exit(page, exit_url, seen, "pressing Shift 3 times within a second", f"/{path}")
    finally:
        context.close()


def test_pressing_shift_three_times_while_typing_an_answer_exits(browser, site_server, exit_url):
    """Someone may walk in while a parent is writing: three Shift presses work in a text box too."""
    context, seen = exit_context(browser, exit_url)
    try:
        page = context.new_page()
        page.goto(site_server + "get-support/refer-yourself/")
        box = page.locator("#worries")
        box.click()
        page.keyboard.type("I feel far from my baby")
        press_shift(page)
        wait_for_exit(page, exit_url, seen, "pressing Shift 3 times in a text box", "/get-support/refer-yourself/")
    finally:
        context.close()


def shift_presses_do_not_exit(browser, site_server, exit_url, press, what: str):
    """The other side: ``press(page)`` happens while a parent writes in the form; nothing
    may leave the page, and what she wrote stays."""
    context, seen = exit_context(browser, exit_url)
    try:
        page = context.new_page()
        page.goto(site_server + "get-support/refer-yourself/")
        box = page.locator("#worries")
        box.click()
        page.keyboard.type("It is hard")
        press(page)
        page.wait_for_timeout(1500)  # longer than the shortcut's one second
        assert not seen, f"{what} left the page (the exit site was asked for {seen[0]['url']})"
        assert page.url.endswith("/get-support/refer-yourself/"), f"{what} moved the page to {page.url}"
        assert box.input_value().startswith("It is hard"), f"{what} lost what was typed"
    finally:
        context.close()


def test_two_shift_presses_do_not_exit(browser, site_server, exit_url):
    shift_presses_do_not_exit(browser, site_server, exit_url, lambda page: press_shift(page, times=2),
                              "pressing Shift twice")


def test_shift_for_capital_letters_while_typing_does_not_exit(browser, site_server, exit_url):
    """Capitals typed with Shift (one at a time, or Shift held across a word) are typing,
    not the shortcut: the key pressed with Shift breaks the count."""
    def capitals(page):
        for letter in "NHS":
            page.keyboard.press(f"Shift+Key{letter}")
        page.keyboard.type(" and ")
        page.keyboard.down("Shift")
        for letter in "GP":
            page.keyboard.press(f"Key{letter}")
        page.keyboard.up("Shift")
        page.keyboard.press("Shift+KeyI")
    shift_presses_do_not_exit(browser, site_server, exit_url, capitals, "typing capital letters")


def test_three_shift_presses_far_apart_do_not_exit(browser, site_server, exit_url):
    """The three presses must come within one second: three slow ones, as a parent resting a
    finger on Shift now and then might make, do not leave."""
    shift_presses_do_not_exit(browser, site_server, exit_url, lambda page: press_shift(page, apart_ms=650),
                              "pressing Shift 3 times over 1.3 seconds")


def test_exit_this_page_works_without_javascript_on_every_page(browser, site_server, site_index, exit_url):
    context, seen = exit_context(browser, exit_url, java_script_enabled=False)
    problems = []
    try:
        page = context.new_page()
        for site_page in site_index.public_pages:
            if site_index.redirect_target(site_page):
                continue  # a meta refresh stub moves on at once; its target is checked
            page.goto(site_server + page_address(site_page))
            link = page.locator("a#exit-this-page")  # its words are in the page's language
            if link.count() != 1:
                problems.append(f"{site_page.url}: {link.count()} Exit this page links with JavaScript off")
                continue
            if not link.is_visible():
                problems.append(f"{site_page.url}: Exit this page is not visible with JavaScript off")
            if not link.inner_text().strip():
                problems.append(f"{site_page.url}: Exit this page has no words with JavaScript off")
            if link.get_attribute("href") != exit_url:
                problems.append(f"{site_page.url}: Exit this page href is {link.get_attribute('href')}, expected {exit_url}")
        page.goto(site_server + "get-help-now/")
        page.get_by_role("link", name="Exit this page").click()
        wait_for_exit(page, exit_url, seen, "clicking Exit this page with JavaScript off", "/get-help-now/")
    finally:
        context.close()
    report(problems, "Exit this page without JavaScript")


# ----------------------------------------------------------------------- keyboard


@pytest.mark.parametrize("path", ["", "services/therapy-sessions/"], ids=["home", "service"])
def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(browser, site_server, path):
    context = browser.new_context(viewport={"width": 1280, "height": HEIGHT})
    try:
        page = context.new_page()
        page.goto(site_server + path)
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => { const el = document.activeElement; const r = el.getBoundingClientRect();
                 return {tag: el.tagName, text: el.textContent.trim(), href: el.getAttribute('href'),
                         visible: r.width > 1 && r.height > 1 && r.bottom > 0 && r.top < innerHeight}; }"""
        )
        assert focused["tag"] == "A" and "skip" in focused["text"].lower(), (
            f"/{path}: the first Tab stop is <{focused['tag'].lower()}> \"{focused['text'][:40]}\", not the skip link"
        )
        assert focused["visible"], f"/{path}: the skip link is not visible when it has focus"
        page.keyboard.press("Enter")
        inside_main = page.evaluate(
            "() => !!document.activeElement.closest('main') || document.activeElement.tagName === 'MAIN'"
        )
        assert inside_main, f"/{path}: after Enter on the skip link, focus is not in <main>"
    finally:
        context.close()
