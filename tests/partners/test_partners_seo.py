"""Canonical links, Open Graph / Twitter tags, JSON-LD, sitemap.xml, robots.txt and feeds."""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from partners_helpers import LIVE, json_ld, read

ROOT = Path(__file__).resolve().parents[2]
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def public_pages(site: Path) -> list[str]:
    pages = []
    for file in sorted(site.rglob("index.html")):
        rel = file.relative_to(site).as_posix()
        html = file.read_text(encoding="utf-8")
        if rel.startswith(("admin/", "drafts/")) or 'content="noindex"' in html:
            continue
        pages.append("/" + rel[: -len("index.html")])
    return pages


def test_every_page_has_a_canonical_link_and_share_tags(built_site):
    for path in public_pages(built_site):
        soup = BeautifulSoup(read(built_site, path), "html.parser")
        canonical = soup.find("link", rel="canonical")
        assert canonical and canonical["href"] == LIVE + path, path
        meta = {m.get("property") or m.get("name"): m.get("content") for m in soup.find_all("meta")}
        assert meta["og:url"] == LIVE + path
        assert meta["og:title"] and meta["og:description"] and meta["twitter:title"]
        assert meta["og:image"] == LIVE + "/theme/img/share.png"
        assert meta["og:image:alt"] and meta["twitter:image:alt"]
        assert meta["twitter:card"] == "summary_large_image"
        from seo.meta import og_locale

        assert meta["og:locale"] == og_locale(soup.html["lang"])  # en_GB; pl on a Polish page
        feeds = soup.find_all("link", rel="alternate", type="application/atom+xml")
        assert len(feeds) == 2, path


def test_the_404_page_has_no_canonical_and_is_not_indexed(built_site):
    soup = BeautifulSoup((built_site / "404.html").read_text(encoding="utf-8"), "html.parser")
    assert soup.find("link", rel="canonical") is None
    assert soup.find("meta", attrs={"name": "robots"})["content"] == "noindex"


def test_every_page_has_json_ld_that_parses(built_site):
    for path in public_pages(built_site):
        nodes = json_ld(read(built_site, path))
        if path != "/":
            crumbs = [n for n in nodes if n["@type"] == "BreadcrumbList"]
            assert crumbs, f"{path} has no BreadcrumbList"
            items = crumbs[0]["itemListElement"]
            assert [i["position"] for i in items] == list(range(1, len(items) + 1))
            assert items[0]["item"] == LIVE + "/" and items[-1]["item"] == LIVE + path


def test_home_and_about_describe_the_charity_as_an_ngo(built_site):
    for path in ("/", "/about/"):
        ngo = next(n for n in json_ld(read(built_site, path)) if n["@type"] == "NGO")
        assert ngo["name"] == "Oxford Parent-Infant Project" and ngo["alternateName"] == "OXPIP"
        assert ngo["url"] == LIVE + "/" and ngo["@id"] == LIVE + "/#organisation"
        assert ngo["areaServed"]["name"] == "Oxfordshire"
        assert ngo["logo"].startswith(LIVE)


def test_service_pages_are_services(built_site):
    node = next(n for n in json_ld(read(built_site, "/services/therapy-sessions/")) if n["@type"] == "Service")
    assert node["name"] == "Therapy sessions for you and your baby"
    assert node["provider"]["@id"] == LIVE + "/#organisation"
    assert node["areaServed"] == [{"@type": "AdministrativeArea", "name": "Oxfordshire"}]
    assert node["isAccessibleForFree"] is True and node["offers"]["price"] == "0"
    assert "Pregnancy to 2 years" in node["audience"]["audienceType"]


@pytest.mark.parametrize("path,kind", [("/news/powerhouse-grant-2024/", "NewsArticle"),
                                       ("/stories/daniel-and-his-son/", "Article")])
def test_stories_and_news_are_articles(built_site, path, kind):
    node = next(n for n in json_ld(read(built_site, path)) if n["@type"] == kind)
    assert node["url"] == LIVE + path and node["mainEntityOfPage"] == LIVE + path
    datetime.fromisoformat(node["datePublished"])
    datetime.fromisoformat(node["dateModified"])
    assert node["headline"] and node["description"] and node["image"]
    assert node["publisher"]["name"] == "Oxford Parent-Infant Project"
    if kind == "NewsArticle":
        assert node["funder"] == [{"@type": "Organization", "name": "Didcot Powerhouse Fund"}]


def test_json_ld_cannot_break_out_of_its_script():
    from seo.meta import json_ld_script

    text = str(json_ld_script([{"@type": "Thing", "name": "</script><script>alert(1)</script> & more"}]))
    assert text.count("</script>") == 1 and "\\u003c/script\\u003e" in text and "\\u0026" in text


def test_sitemap_lists_every_public_page_and_nothing_else(built_site):
    tree = ET.parse(built_site / "sitemap.xml")
    locs = [u.find(f"{SITEMAP}loc").text for u in tree.getroot()]
    assert sorted(locs) == sorted(LIVE + p for p in public_pages(built_site))
    assert LIVE + "/about-us/" not in locs and LIVE + "/404.html" not in locs
    lastmods = [u.find(f"{SITEMAP}lastmod") for u in tree.getroot()]
    assert any(m is not None for m in lastmods)


def test_robots_txt_points_to_the_sitemap(built_site):
    text = (built_site / "robots.txt").read_text(encoding="utf-8")
    assert "User-agent: *" in text and f"Sitemap: {LIVE}/sitemap.xml" in text


@pytest.mark.parametrize("section,count", [("news", 5), ("stories", 3)])
def test_atom_feeds_parse_and_have_entries(built_site, section, count):
    root = ET.parse(built_site / section / "feed.xml").getroot()
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) >= count
    for entry in entries:
        link = entry.find(f"{ATOM}link").get("href")
        assert link.startswith(f"{LIVE}/{section}/")
        assert (built_site / link[len(LIVE) + 1:] / "index.html").is_file()
        assert entry.find(f"{ATOM}title").text
        content = entry.find(f"{ATOM}content").text
        assert content
        for url in re.findall(r'(?:href|src)="([^"]+)"', content):
            assert url.startswith((LIVE + "/", "mailto:", "tel:", "https://")), f"relative link in a feed: {url}"
        datetime.fromisoformat(entry.find(f"{ATOM}updated").text)
    dates = [e.find(f"{ATOM}published").text for e in entries]
    assert dates == sorted(dates, reverse=True), "newest first"
    self_link = [l.get("href") for l in root.findall(f"{ATOM}link") if l.get("rel") == "self"]
    assert self_link == [f"{LIVE}/{section}/feed.xml"]


def test_the_share_image_is_a_1200_by_630_png():
    data = (ROOT / "theme/static/img/share.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1200, 630)
    assert len(data) < 150_000


def test_meta_helpers():
    from seo.meta import areas_of, og_locale, path_of_output

    assert og_locale("en-gb") == "en_GB" and og_locale("en") == "en"
    assert path_of_output("index.html") == "" and path_of_output("news/index.html") == "news/"
    assert path_of_output(None) is None and path_of_output("404.html") == "404.html"
    assert areas_of("Oxford, Didcot and Abingdon") == ["Oxford", "Didcot", "Abingdon"]
