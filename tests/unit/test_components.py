"""Each theme component rendered alone from its macro, as a template would call it."""

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

TEMPLATES = Path(__file__).resolve().parents[2] / "theme" / "templates"
env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(), extensions=["jinja2.ext.i18n"])
env.install_null_translations(newstyle=True)  # the words as written (the site build gives each page its language)


def render(component: str, params=None, macro: str | None = None) -> BeautifulSoup:
    module = env.get_template(f"components/{component}.html").module
    html = getattr(module, macro or component)(params or {})
    return BeautifulSoup(str(html), "html.parser")


def test_skip_link_targets_main_content_by_default():
    link = render("skip_link").a
    assert link["href"] == "#main-content"
    assert link.get_text() == "Skip to main content"


def test_exit_this_page_is_a_plain_link_to_the_neutral_site():
    soup = render("exit_this_page", {"href": "https://www.bbc.co.uk/weather"})
    link = soup.find("a", id="exit-this-page")
    assert link["href"] == "https://www.bbc.co.uk/weather"
    assert "Exit this page" in link.get_text()
    assert "noreferrer" in link["rel"]


def test_header_marks_the_current_section_and_keeps_help_link():
    soup = render("header", {
        "home_href": "/", "site_name": "OXPIP", "site_full_name": "Oxford Parent-Infant Project",
        "help_href": "/get-help-now/", "help_current": False,
        "items": [("Stories", "/stories/", True), ("News", "/news/", False)],
    })
    current = soup.select('nav a[aria-current="page"]')
    assert [a.get_text() for a in current] == ["Stories"]
    assert soup.find("a", string="Get help now")["href"] == "/get-help-now/"
    assert soup.nav["aria-label"] == "Main menu"


def test_breadcrumbs_are_an_ordered_list_and_vanish_when_empty():
    soup = render("breadcrumbs", {"items": [("Home", "/"), ("Stories", "/stories/")]})
    assert [a["href"] for a in soup.select("ol li a")] == ["/", "/stories/"]
    assert render("breadcrumbs", {"items": []}).get_text().strip() == ""


def test_story_card_uses_the_heading_level_asked_for():
    soup = render("story_card", {"href": "/stories/a/", "title": "A story", "summary": "S", "heading_level": 2})
    assert soup.h2.a["href"] == "/stories/a/"
    assert soup.find("time") is None


def test_story_card_dates_are_machine_readable():
    soup = render("story_card", {"href": "/n/", "title": "T", "date": "1 May 2025", "iso_date": "2025-05-01T00:00:00"})
    assert soup.time["datetime"] == "2025-05-01T00:00:00"
    assert soup.h3  # default level


def test_pull_quote_is_a_blockquote_with_attribution():
    soup = render("pull_quote", {"text": "It helped.", "cite": "Sam"})
    assert soup.blockquote.get_text(strip=True) == "It helped."
    assert soup.figcaption.get_text() == "Sam"


def test_stat_shows_prefix_value_and_text():
    soup = render("stat", {"value": "15%", "prefix": "about", "text": "of families", "source": "Estimate"})
    assert soup.select_one(".ox-stat__value").get_text() == "about 15%"
    assert soup.select_one(".ox-stat__source").get_text() == "Estimate"


def test_inset_text_escapes_plain_text_but_keeps_trusted_html():
    assert "&lt;b&gt;" in str(render("inset_text", {"text": "<b>"}))
    assert render("inset_text", {"html": Markup("<p><b>Free</b></p>")}).b.get_text() == "Free"


@pytest.mark.parametrize("urgency", ["urgent", "immediate"])
def test_care_callout_is_a_labelled_section(urgency):
    soup = render("care_callout", {"heading": "Call 999", "html": Markup("<p>Now</p>"), "urgency": urgency, "id": "c1"})
    section = soup.section
    assert f"ox-care--{urgency}" in section["class"]
    assert section["aria-labelledby"] == "c1" == soup.h2["id"]


def test_pagination_links_carry_rel_and_a_hidden_kind():
    soup = render("pagination", {"label": "More stories",
                                 "previous": {"href": "/a/", "text": "A", "kind": "story"},
                                 "next": {"href": "/b/", "text": "B", "kind": "story"}})
    assert soup.nav["aria-label"] == "More stories"
    assert [a["rel"] for a in soup.select("a")] == [["prev"], ["next"]]
    assert "Previous story" in soup.select("a")[0].get_text(" ", strip=True).replace("  ", " ")
    assert render("pagination", {"label": "x"}).get_text().strip() == ""


def test_button_is_a_link_not_a_fake_button():
    soup = render("button", {"href": "/get-support/", "text": "Get support"})
    assert soup.a["href"] == "/get-support/" and soup.a.get("role") is None
