"""Partner kit (links, QR codes, crib sheet), the impact chart and the funders page."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from bs4 import BeautifulSoup

import partners_helpers  # noqa: F401  (puts plugins/ on sys.path)
from partner_kit import kit
from partners_helpers import LIVE, read

ROOT = Path(__file__).resolve().parents[2]
KIT = "/for-professionals/partner-kit/"
LINKS = {"refer-yourself": "/get-support/refer-yourself/", "therapy-sessions": "/services/therapy-sessions/"}


def test_qr_code_files_encode_the_right_addresses(built_site):
    for slug, path in LINKS.items():
        svg = (built_site / KIT.strip("/") / "qr" / f"{slug}.svg").read_text(encoding="utf-8")
        assert svg.startswith("<?xml") and "<svg" in svg
        assert f"<desc>{LIVE}{path}</desc>" in svg
        # segno cannot read QR codes back, so encode the address again and compare.
        title = re.search(r"<title>(.*?)</title>", svg).group(1).replace("&amp;", "&")
        assert svg == kit.qr_file(LIVE + path, title)
        assert kit.qr(LIVE + path).version <= 5, "a small code scans easily from paper"


def test_the_kit_page_has_copyable_links_and_inline_qr_codes(built_site):
    soup = BeautifulSoup(read(built_site, KIT), "html.parser")
    items = soup.select(".ox-kit__item")
    assert len(items) == len(LINKS)
    for item, (slug, path) in zip(items, LINKS.items()):
        assert item.select_one(".ox-kit__url").get_text() == LIVE + path
        svg = item.select_one("svg.ox-qr__code")
        assert svg["role"] == "img" and LIVE + path in svg["aria-label"]
        assert str(svg) and str(kit.qr_inline(LIVE + path, svg["aria-label"])) in read(built_site, KIT)
        download = item.select_one(".ox-kit__download a")["href"]
        assert download.endswith(f"qr/{slug}.svg")
    hrefs = [a["href"] for a in soup.select("main a")]
    assert any(h.endswith("open-referral/services.json") for h in hrefs)
    assert any(h.endswith("crib-sheet/") for h in hrefs)
    assert any(h.endswith("news/feed.xml") for h in hrefs)


def test_the_crib_sheet_has_the_criteria_contact_and_a_qr_code(built_site):
    soup = BeautifulSoup(read(built_site, KIT + "crib-sheet/"), "html.parser")
    text = soup.select_one("main").get_text(" ")
    for words in ("pregnant or have a child under 2", "live in Oxfordshire", "hard to bond", "free",
                  "They must agree", "01865 000000", "call 999"):
        assert words in text, words
    assert soup.select_one(".ox-crib svg.ox-qr__code")["aria-label"].endswith(LIVE + LINKS["refer-yourself"])
    assert "ox-template-crib-sheet" in soup.body["class"]
    css = (ROOT / "theme/static/css/site.css").read_text(encoding="utf-8")
    assert "@page crib { size: A5" in css and ".ox-crib { page: crib;" in css


def test_impact_chart_matches_the_data_file(built_site):
    impact = yaml.safe_load((ROOT / "content/data/impact.yml").read_text(encoding="utf-8"))
    soup = BeautifulSoup(read(built_site, "/about/impact/"), "html.parser")
    chart = soup.select_one("figure.ox-chart")
    assert chart.select_one(".ox-chart__bars")["aria-hidden"] == "true"
    rows = [[c.get_text(strip=True) for c in tr.find_all(["th", "td"])] for tr in chart.select("tbody tr")]
    assert rows == [["Closer bond with their child", impact["bond_improved"]["value"]],
                    ["Better mental health scores", impact["mental_health_improved"]["value"]]]
    widths = [float(r["width"]) for r in chart.select("rect.ox-chart__bar")]
    assert widths == [91.0, 75.0]
    stats = [s.get_text(" ", strip=True) for s in soup.select(".ox-stat__value")]
    for key in ("bond_improved", "mental_health_improved", "families_affected", "didcot_families_2024"):
        assert any(impact[key]["value"] in s for s in stats), key


def test_chart_items_keep_only_percentages():
    impact = {"a": {"value": "91%", "text": "t"}, "b": {"value": "23", "text": "n"}}
    assert [i["key"] for i in kit.chart_items(impact, ["a", "b", "missing"])] == ["a"]


def test_funders_page_says_what_each_funded_and_links_its_news(built_site):
    funders = yaml.safe_load((ROOT / "content/data/funders.yml").read_text(encoding="utf-8"))
    soup = BeautifulSoup(read(built_site, "/about/funders/"), "html.parser")
    for key, funder in funders.items():
        section = soup.find(id=f"funder-{key}").find_parent("section")
        assert funder["funded"] in section.get_text(" ")
        links = [a["href"] for a in section.select(".ox-funder__posts a")]
        assert links, f"{key}: no news post is linked"
        for href in links:
            target = (built_site / "about" / "funders" / href).resolve()
            assert (target / "index.html").is_file(), href
    powerhouse = soup.find(id="funder-didcot-powerhouse-fund").find_parent("section")
    assert "23" in powerhouse.select_one(".ox-stat__value").get_text()


def test_the_crib_sheet_pdf_is_one_a5_page_with_the_page_text(built_site):
    data = (built_site / KIT.strip("/") / "oxpip-referral-crib-sheet.pdf").read_bytes()
    assert data.startswith(b"%PDF-")
    assert b"/MediaBox [0 0 419.53 595.28]" in data, "A5 portrait"
    assert b"/Count 1" in data and data.count(b"/MediaBox") == 1, "one page"
    kit_page = BeautifulSoup(read(built_site, KIT), "html.parser")
    assert any(a["href"].endswith("oxpip-referral-crib-sheet.pdf") for a in kit_page.select("main a"))


def test_the_pdf_uses_the_page_text_and_stops_if_it_grows_too_long():
    import pytest
    from partner_kit.pdf import crib_sheet_pdf

    common = dict(org="OXPIP", title="Crib", lead="Lead", qr_url=LIVE + "/x/", contact_line="01865")
    assert crib_sheet_pdf(body_html="<h2>Who</h2><ul><li>parents \u2019 carers</li></ul>", **common).startswith(b"%PDF")
    with pytest.raises(ValueError):
        crib_sheet_pdf(body_html="<p>words words words</p>" * 200, **common)
