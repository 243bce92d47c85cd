"""Built-site tests for what happens next, staying safe and pages kept up to date:

- the Get support and confirmation pages show the reply and waiting times, and the day they
  were checked, from content/data/times.yml (the one place they live);
- "Using this site safely" is linked from the Exit bar of every page, from the form and
  from Get help now, and says plainly what Exit this page does not do;
- "Help near you" lists every service in content/data/help_near_you.yml;
- pages with review dates show them at their foot ("Page last reviewed ... Next review due").
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from site_testkit import words_of

ROOT = Path(__file__).resolve().parent.parent
TIMES = yaml.safe_load((ROOT / "content" / "data" / "times.yml").read_text(encoding="utf-8"))
HELP = yaml.safe_load((ROOT / "content" / "data" / "help_near_you.yml").read_text(encoding="utf-8"))
SAFETY = "using-this-site-safely/index.html"


def text(el) -> str:
    return " ".join(el.get_text(" ", strip=True).replace("\xa0", " ").split())


def main_text(site_index, rel: str) -> str:
    page = site_index.page(rel)
    assert page is not None, f"/{rel} was not built"
    return text(page.soup.find("main"))


def links_to(site_index, page, el, rel: str) -> bool:
    return any(site_index.resolve(page.base, a["href"]).file == site_index.root / rel
               for a in el.find_all("a", href=True))


@pytest.mark.parametrize("rel", ["get-support/index.html", "get-support/refer-yourself/received/index.html"])
def test_reply_and_waiting_times_come_from_the_data_file(site_index, rel):
    shown = main_text(site_index, rel)
    checked = TIMES["checked"]
    assert f"within {TIMES['reply_time']['value']}" in shown
    assert f"most families wait {TIMES['waiting_time']['value']} for their first session" in shown
    assert f"We last checked this on {checked.day} {checked:%B %Y}." in shown
    assert "{times:" not in shown


def test_the_safety_page_is_linked_from_every_exit_bar(site_index):
    missing = []
    for page in site_index.public_pages:
        if site_index.redirect_target(page):
            continue
        bar = page.soup.select_one(".ox-exit")
        if bar is None or not links_to(site_index, page, bar, SAFETY):
            missing.append(page.url)
    assert not missing, f"no link to /using-this-site-safely/ in the Exit bar of: {missing}"


@pytest.mark.parametrize("rel", ["get-support/refer-yourself/index.html", "get-help-now/index.html"])
def test_the_safety_page_is_linked_from_the_form_and_get_help_now(site_index, rel):
    page = site_index.page(rel)
    assert links_to(site_index, page, page.soup.find("main"), SAFETY), f"/{rel} does not link to the safety page"


def test_the_safety_page_is_honest_about_what_exit_this_page_does_not_do(site_index):
    shown = main_text(site_index, SAFETY)
    for words in ("It does not delete your history", "Back may still show other pages from our website",
                  "It does not close other tabs", "private window", "0808 2000 247", "999"):
        assert words in shown, words


def test_help_near_you_lists_every_service_in_the_data_file(site_index):
    page = site_index.page("help-near-you/index.html")
    main = page.soup.find("main")
    headings = [text(h) for h in main.find_all("h2")]
    names = [text(h) for h in main.find_all("h3")]
    assert [g["heading"] for g in HELP["groups"]] == [h for h in headings if h in {g["heading"] for g in HELP["groups"]}]
    assert names == [s["name"] for g in HELP["groups"] for s in g["services"]]
    for service in (s for g in HELP["groups"] for s in g["services"]):
        if service.get("link"):
            assert main.find("a", href=service["link"]), service["name"]
        if service.get("phone"):
            assert main.find("a", href=f"tel:{service['phone_href']}"), service["name"]


def test_the_confirmation_page_links_to_help_near_you_for_parents_we_may_not_cover(site_index):
    page = site_index.page("get-support/refer-yourself/received/index.html")
    notes = "".join(str(t) for t in page.soup.find_all("template"))
    assert 'href="../../../help-near-you/"' in notes
    get_support = site_index.page("get-support/index.html")
    assert links_to(site_index, get_support, get_support.soup.find("main"), "help-near-you/index.html")


def test_review_dates_are_shown_at_the_foot_of_reviewed_pages(site_index):
    for rel in ("get-support/index.html", "get-help-now/index.html", "services/therapy-sessions/index.html",
                SAFETY, "help-near-you/index.html"):
        page = site_index.page(rel)
        foot = page.soup.find("main").select(".ox-review-dates")
        assert len(foot) == 1, rel
        words = text(foot[0])
        assert words.startswith("Page last reviewed: ") and " Next review due: " in words, words
        times = [t["datetime"] for t in foot[0].find_all("time")]
        assert len(times) == 2 and times[0] < times[1], rel
    for rel in ("search/index.html", "get-support/refer-yourself/received/index.html", "index.html"):
        assert not site_index.page(rel).soup.select(".ox-review-dates"), f"/{rel} shows review dates"


def test_every_page_asks_was_this_page_helpful_about_itself(site_index):
    """One feedback form per page (not on redirect stubs, the thank-you page or the page shown
    when feedback cannot be taken), posting to the service at /feedback/ and naming the page
    by its own path; no other field."""
    problems = []
    for page in site_index.public_pages:
        forms = page.soup.select("form.ox-feedback__form")
        if site_index.redirect_target(page) or page.rel in ("feedback/thank-you/index.html",
                                                            "feedback/unavailable/index.html"):
            if forms:
                problems.append(f"{page.url}: has a feedback form")
            continue
        if len(forms) != 1:
            problems.append(f"{page.url}: {len(forms)} feedback forms")
            continue
        form = forms[0]
        target = site_index.resolve(page.base, form["action"])
        if form["method"] != "post" or target.host is not None or not target.absolute.endswith("/feedback/"):
            problems.append(f"{page.url}: the form posts to {form['action']}")
        own = "/" + page.rel.removesuffix("index.html")
        if form.select_one('input[name="page"]')["value"] != own:
            problems.append(f"{page.url}: the form names {form.select_one('input[name=page]')['value']}, not {own}")
        names = sorted({el["name"] for el in form.find_all(["input", "textarea", "button"], attrs={"name": True})})
        if names != ["comment", "helpful", "page"]:
            problems.append(f"{page.url}: the form asks for {names}")
        hint = form.select_one("#feedback-comment-hint")
        leave_out = words_of(page)("Do not write your name, phone number, email address or anything else that shows "
                                   "who you are. We read every comment but cannot reply. To ask for help, %(link)s.")
        if hint is None or leave_out.split(".")[0] not in text(hint):
            problems.append(f"{page.url}: the comment box does not say to leave out personal details")
    assert not problems, "\n".join(problems)


def test_the_thank_you_page_stands_alone_and_is_not_found_by_search(site_index):
    page = site_index.page("feedback/thank-you/index.html")
    assert page.soup.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    assert not page.soup.find("main").has_attr("data-pagefind-body")
    sitemap = (site_index.root / "sitemap.xml").read_text(encoding="utf-8")
    assert "/feedback/thank-you/" not in sitemap and "/refer-yourself/received/" not in sitemap
    main = page.soup.find("main")
    assert links_to(site_index, page, main, "get-support/index.html")
    assert links_to(site_index, page, main, "get-help-now/index.html")
    assert links_to(site_index, page, main, "index.html")
