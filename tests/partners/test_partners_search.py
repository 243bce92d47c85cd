"""Search: a plain list of every page without JavaScript; Pagefind results with it."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from partners_helpers import read

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def test_without_javascript_the_search_page_lists_every_page_by_section(built_site):
    soup = BeautifulSoup(read(built_site, "/search/"), "html.parser")
    assert soup.select_one("[data-module=ox-search]").has_attr("hidden"), "the form needs JavaScript"
    sitemap = soup.select_one(".ox-sitemap")
    assert [h.get_text() for h in sitemap.find_all("h3")] == ["Main pages", "Services", "Stories", "News"]
    listed = {(built_site / "search" / a["href"]).resolve() for a in sitemap.find_all("a")}
    for path in ("", "about/", "about/funders/", "about/impact/", "for-professionals/partner-kit/",
                 "get-help-now/", "get-support/refer-yourself/", "services/therapy-sessions/",
                 "stories/daniel-and-his-son/", "news/powerhouse-grant-2024/", "news/", "stories/"):
        assert (built_site / path).resolve() in listed, path


def test_the_search_script_and_index_load_only_on_the_search_page(built_site):
    for file in built_site.rglob("*.html"):
        if file.relative_to(built_site).as_posix() == "search/index.html" or "admin" in file.parts:
            continue
        html = file.read_text(encoding="utf-8")
        assert "ox-search" not in html and "pagefind.js" not in html, file
    page = BeautifulSoup(read(built_site, "/search/"), "html.parser")
    assert page.select_one("[data-module=ox-search]")["data-pagefind"].endswith("pagefind/pagefind.js")
    inline = [s for s in page.find_all("script") if not s.get("src") and s.get("type") != "application/ld+json"]
    assert len(inline) == 1 and "ox-search" in inline[0].string, "the search script is inline (no extra request)"
    assert not page.find_all("script", src=lambda v: v and "search" in v)
    assert (built_site / "pagefind" / "pagefind.js").is_file()
    assert not (built_site / "pagefind" / "pagefind-ui.js").exists(), "Pagefind's own UI is not used"


def test_the_index_holds_the_pages_people_read_and_only_their_main(built_site):
    """Pagefind indexes the pages whose <main> carries data-pagefind-body, and only that part."""
    marked, unmarked = set(), set()
    for file in built_site.rglob("*.html"):
        rel = file.relative_to(built_site).as_posix()
        if rel.startswith(("admin/", "pagefind/")):
            continue
        soup = BeautifulSoup(file.read_text(encoding="utf-8"), "html.parser")
        assert [tag.name for tag in soup.select("[data-pagefind-body]")] in ([], ["main"]), rel
        (marked if soup.select("main[data-pagefind-body]") else unmarked).add(rel)
    for rel in ("index.html", "stories/index.html", "stories/daniel-and-his-son/index.html",
                "services/therapy-sessions/index.html", "news/powerhouse-grant-2024/index.html",
                "get-help-now/index.html", "about/funders/index.html"):
        assert rel in marked, f"{rel} should be found by search"
    for rel, why in (("404.html", "the not-found page"), ("search/index.html", "the search page"),
                     ("news/page/2/index.html", "a later page of a list"),
                     ("about-us/index.html", "a redirect page")):
        assert rel in unmarked, f"{rel} is {why}: it should not be in search results"
    entry = json.loads((built_site / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert entry["languages"]["en"]["page_count"] == len(marked)


def _fragments(bundle: Path) -> dict[str, dict]:
    """Each indexed page's record (address, text, title, anchors), by address."""
    found = {}
    for file in (bundle / "fragment").iterdir():
        raw = gzip.decompress(file.read_bytes())
        assert raw.startswith(b"pagefind_dcd"), file
        record = json.loads(raw[len(b"pagefind_dcd"):])
        found[record["url"]] = record
    return found


def test_pages_fed_while_writing_make_the_index_pagefind_itself_makes_of_the_output(built_site, tmp_path):
    """The build hands each page to Pagefind as it is written: the index must hold exactly
    the pages and words Pagefind's own command line finds in the finished output."""
    from search import UNUSED, pagefind_binary

    site = tmp_path / "site"
    shutil.copytree(built_site, site, ignore=shutil.ignore_patterns("pagefind"))
    subprocess.run([str(pagefind_binary()), "--site", str(site), "--output-path", str(tmp_path / "cli"),
                    "--force-language", "en", "--quiet"], check=True, capture_output=True, timeout=300)
    built, cli = _fragments(built_site / "pagefind"), _fragments(tmp_path / "cli")
    assert sorted(built) == sorted(cli)
    assert built == cli
    # The rest (Pagefind's scripts and WebAssembly) is the same, byte for byte; the page order
    # differs (pages are numbered as they are written), so the hashed file names do too.
    def fixed(bundle):
        return {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()
                and p.parent.name not in ("fragment", "index") and p.suffix != ".pf_meta"}

    assert fixed(built_site / "pagefind") == fixed(tmp_path / "cli") - set(UNUSED)
    for name in fixed(built_site / "pagefind") - {"pagefind-entry.json"}:
        assert (built_site / "pagefind" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name


def test_without_javascript_a_search_link_says_why_no_search_box_is_shown(browser, served_site):
    """A shared /search/?q=... link opened with JavaScript off is not silently ignored."""
    note = "Searching needs JavaScript"
    for enabled, shown in ((False, True), (True, False)):
        context = browser.new_context(viewport={"width": 320, "height": 800}, java_script_enabled=enabled)
        try:
            page = context.new_page()
            page.goto(served_site + "search/?q=bond")
            # Playwright's text search skips <noscript>; with JavaScript off its content is a real <p>.
            notes = page.locator("noscript p", has_text=note)
            assert (notes.count() == 1 and notes.is_visible()) is shown, f"JavaScript {'on' if enabled else 'off'}"
            assert page.locator("#search-input").is_visible() is enabled
        finally:
            context.close()


@pytest.fixture()
def search_page(browser, served_site, request):
    """The search page as `make serve` serves it, with the headers the live host sends."""
    # axe-core is injected as an inline script, which our own policy rightly blocks.
    bypass = request.node.name.startswith("test_search_results_have_no_axe")
    context = browser.new_context(viewport={"width": 320, "height": 800}, bypass_csp=bypass)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(served_site + "search/")
    yield page, errors
    context.close()


def test_with_javascript_pagefind_finds_bond(search_page):
    page, errors = search_page
    page.fill("#search-input", "bond")
    page.press("#search-input", "Enter")
    page.wait_for_selector(".ox-search__result a", timeout=60000)
    status = page.inner_text("#search-status")
    assert "found for \u2018bond\u2019" in status
    first = page.locator(".ox-search__result a").first
    href = first.get_attribute("href")
    assert href.startswith("/") and not href.startswith("//")
    assert page.locator(".ox-search__result mark").count() > 0, "matches are highlighted"
    texts = " ".join(page.locator(".ox-search__result").all_inner_texts())
    assert "Exit this page" not in texts and "Skip to main content" not in texts
    assert page.url.endswith("?q=bond")
    first.click()
    page.wait_for_load_state()
    assert page.locator("h1").count() == 1
    assert errors == []


def test_a_search_with_no_results_says_so_and_points_to_the_list(search_page):
    page, _ = search_page
    page.goto(page.url.split("?")[0] + "?q=zzqxv")
    page.locator("#search-status", has_text="No pages").wait_for(timeout=60000)
    assert "list of all pages" in page.inner_text("#search-status")


def test_search_results_have_no_axe_violations(search_page):
    if not AXE.is_file():
        pytest.fail("node_modules/axe-core is missing: run `npm ci`", pytrace=False)
    page, _ = search_page
    page.fill("#search-input", "bond")
    page.press("#search-input", "Enter")
    page.wait_for_selector(".ox-search__result a", timeout=60000)
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("""async () => {
      const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a','wcag2aa','wcag21a','wcag21aa','wcag22aa','wcag2aaa','wcag21aaa','wcag22aaa']}});
      return r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '));
    }""")
    assert result == []
