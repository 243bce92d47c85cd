"""What the world can find: sitemap.xml, the feeds and site search list the public pages,
and never a draft, a page marked ``Status: hidden`` (one that only makes sense after an
action, such as "Referral sent") or any other noindex page. Both sides are tested: the
public pages are there, the others are not, in the real build and in a build with drafts
and hidden pages of every kind (issue 10, items 5 and 10).
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup

from site_testkit import ROOT, run_pelican

FIXTURE = ROOT / "plugins" / "content_checks" / "fixtures" / "site" / "content"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"
LIVE = "https://www.oxpip.org.uk"


# ----------------------------------------------------------------------------- readers

def sitemap_paths(site: Path) -> set[str]:
    root = ET.parse(site / "sitemap.xml").getroot()
    return {u.find(f"{SITEMAP}loc").text.removeprefix(LIVE) for u in root}


def feed_paths(site: Path) -> set[str]:
    found = set()
    for feed in site.glob("*/feed.xml"):
        for entry in ET.parse(feed).getroot().findall(f"{ATOM}entry"):
            found.add(entry.find(f"{ATOM}link").get("href").removeprefix(LIVE))
    return found


def search_index_paths(site: Path) -> set[str]:
    """The address of every page in the Pagefind index, read from the index itself."""
    found = set()
    for fragment in (site / "pagefind" / "fragment").glob("*.pf_fragment"):
        data = gzip.decompress(fragment.read_bytes())
        found.add(json.loads(data[data.index(b"{"):])["url"])
    assert found, f"no pages in the search index of {site}"
    return found


def robots(site: Path, path: str) -> str | None:
    file = site / (path.lstrip("/") + "index.html" if path.endswith("/") else path.lstrip("/"))
    tag = BeautifulSoup(file.read_text(encoding="utf-8"), "html.parser").find("meta", attrs={"name": "robots"})
    return tag["content"] if tag else None


def hidden_pages(content: Path) -> dict[str, str]:
    """Content files marked Status: hidden -> the address they are published at."""
    found = {}
    for file in sorted(content.rglob("*.md")):
        head = file.read_text(encoding="utf-8").split("\n\n", 1)[0]
        fields = dict(re.findall(r"^([A-Za-z_]+):\s*(.*)$", head, re.M))
        if fields.get("Status", "").strip().lower() != "hidden":
            continue
        save_as = fields.get("Save_as") or f"{fields.get('Slug') or file.stem}/index.html"
        found[file.relative_to(content).as_posix()] = "/" + save_as.removesuffix("index.html")
    return found


# ------------------------------------------------------------------- the real build

def test_hidden_pages_such_as_referral_sent_are_noindex_and_found_nowhere(built_site):
    hidden = hidden_pages(ROOT / "content")
    assert "/get-support/refer-yourself/received/" in hidden.values(), "the confirmation page is Status: hidden"
    sitemap, feeds, index = sitemap_paths(built_site), feed_paths(built_site), search_index_paths(built_site)
    for source, path in hidden.items():
        assert robots(built_site, path) == "noindex", f"{source} ({path}) is not noindex"
        for name, listed in (("sitemap.xml", sitemap), ("a feed", feeds), ("the search index", index)):
            assert path not in listed, f"{source} ({path}) is in {name}"
    listing = BeautifulSoup((built_site / "search" / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert not listing.select('.ox-sitemap a[href*="received"]'), "the no-JavaScript list of pages names it"


def test_every_sitemap_address_answers_200_from_the_served_site(built_site, served_site):
    paths = sitemap_paths(built_site)
    assert len(paths) > 20 and "/" in paths and "/get-support/refer-yourself/" in paths
    with httpx.Client(base_url=served_site) as http:
        failing = [f"{path}: {status}" for path in sorted(paths)
                   if (status := http.get(path.lstrip("/")).status_code) != 200]
    assert not failing, "sitemap addresses that do not answer 200:\n" + "\n".join(failing)


def test_every_public_page_is_in_the_sitemap_and_the_search_index(built_site):
    """The other side: hiding must not hide what people should find."""
    sitemap, index = sitemap_paths(built_site), search_index_paths(built_site)
    for path in ("/", "/get-support/", "/get-support/refer-yourself/", "/get-help-now/", "/services/therapy-sessions/",
                 "/stories/daniel-and-his-son/", "/news/powerhouse-grant-2024/"):
        assert path in sitemap and path in index, path


@pytest.mark.parametrize("query", ["referral", "Referral sent", "reference"])
def test_no_hidden_page_is_a_search_result(browser, served_site, query):
    """The issue's input: searching for "referral" showed "Referral sent" first."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto(served_site + "search/?q=" + query.replace(" ", "+"))
        page.locator("#search-status").filter(has_text=re.compile("found|No pages")).wait_for(timeout=60000)
        links = page.locator(".ox-search__result a").evaluate_all("links => links.map(a => a.pathname)")
    finally:
        page.close()
    assert "/get-support/refer-yourself/received/" not in links, links
    if query == "referral":  # the other side: search works, and finds the form itself
        assert "/get-support/refer-yourself/" in links or links, "nothing found for 'referral': search is broken"


# ------------------------------------------- a build with drafts and hidden pages of every kind

KEPT_OUT = {
    # file: (what it is, the address it is written at in a preview build)
    "stories/draft-story.md": ("a draft story (it may still wait for consent)", "/drafts/stories/draft-story/"),
    "stories/hidden-story.md": ("a hidden story", "/stories/hidden-story/"),
    "news/draft-news.md": ("a draft news post", "/drafts/news/draft-news/"),
    "news/scheduled-news.md": ("a news post scheduled for later", "/drafts/news/scheduled-news/"),
    "pages/draft-page.md": ("a draft page", "/drafts/draft-page/"),
    "pages/hidden-page.md": ("a hidden page", "/hidden-page/"),
}
PUBLISHED = ["/stories/good-story/", "/news/good-news/", "/get-support/", "/services/therapy-sessions/"]


@pytest.fixture(scope="module")
def with_drafts(tmp_path_factory) -> Path:
    """The content checks' fixture site, plus one file of every kind kept out, built for preview."""
    root = tmp_path_factory.mktemp("drafts-and-hidden")
    content = root / "content"
    shutil.copytree(FIXTURE, content)
    story = (content / "stories" / "good-story.md").read_text(encoding="utf-8")
    news = (content / "news" / "good-news.md").read_text(encoding="utf-8")
    page = "Title: {title}\nSlug: {slug}\nStatus: {status}\nSummary: A page kept out.\n\nSee our help for parents.\n"
    files = {
        "stories/draft-story.md": story.replace("Slug: good-story", "Slug: draft-story\nStatus: draft"),
        "stories/hidden-story.md": story.replace("Slug: good-story", "Slug: hidden-story\nStatus: hidden"),
        "news/draft-news.md": news.replace("Slug: good-news", "Slug: draft-news\nStatus: draft"),
        "news/scheduled-news.md": news.replace("Slug: good-news", "Slug: scheduled-news\nScheduled: yes")
                                      .replace("Date: 2026-02-01", "Date: 2999-01-01"),
        "pages/draft-page.md": page.format(title="Draft page", slug="draft-page", status="draft"),
        "pages/hidden-page.md": page.format(title="Hidden page", slug="hidden-page", status="hidden"),
    }
    for name, text in files.items():
        (content / name).write_text(text, encoding="utf-8")
    result = run_pelican(content, root / "output")
    assert result.returncode == 0, result.log[-3000:]
    return root / "output"


def test_the_fixture_build_writes_every_kind_kept_out(with_drafts):
    for source, (what, path) in KEPT_OUT.items():
        assert (with_drafts / path.lstrip("/") / "index.html").is_file(), f"{what} ({source}) was not built at {path}"


@pytest.mark.parametrize("source", list(KEPT_OUT))
def test_a_draft_or_hidden_page_is_noindex_and_in_no_sitemap_feed_or_search_index(with_drafts, source):
    what, path = KEPT_OUT[source]
    assert robots(with_drafts, path) == "noindex", f"{what} is not noindex"
    assert path not in sitemap_paths(with_drafts), f"{what} is in sitemap.xml"
    assert path not in feed_paths(with_drafts), f"{what} is in a feed"
    assert path not in search_index_paths(with_drafts), f"{what} is in the search index"
    main = BeautifulSoup((with_drafts / path.lstrip("/") / "index.html").read_text(encoding="utf-8"),
                         "html.parser").find("main")
    assert not main.has_attr("data-pagefind-body"), f"{what} is marked for the search index"


def test_the_published_pages_of_that_build_are_in_the_sitemap_feeds_and_search_index(with_drafts):
    sitemap, feeds, index = sitemap_paths(with_drafts), feed_paths(with_drafts), search_index_paths(with_drafts)
    for path in PUBLISHED:
        assert path in sitemap and path in index, path
        assert robots(with_drafts, path) is None, path
    assert {"/stories/good-story/", "/news/good-news/"} <= feeds
