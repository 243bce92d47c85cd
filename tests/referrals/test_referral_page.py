"""The static form page that the build makes from the one form definition."""

from urllib.parse import urljoin

import pytest
from bs4 import BeautifulSoup

from referrals.form_definition import FIELDS, GROUPS, HONEYPOT_FIELD, TOKEN_FIELD
from referrals.pages import FORM_END, FORM_PAGE, FORM_START, NOTES_END, NOTES_START, RECEIVED_PAGE, REF_END, REF_START


@pytest.fixture(scope="module")
def page(referral_site):
    return BeautifulSoup((referral_site / FORM_PAGE).read_text(encoding="utf-8"), "lxml")


def test_the_form_posts_to_its_own_page_and_leaves_checking_to_us(page):
    (form,) = page.select("main form")
    assert form["method"] == "post"
    assert form.has_attr("novalidate")
    assert form["action"] == "./"
    assert form.select_one('button[type="submit"]').get_text(strip=True) == "Send referral"


def test_every_question_in_the_definition_is_on_the_page_with_its_words(page):
    for f in FIELDS:
        names = f.part_names()
        for name in names:
            assert page.select(f'[name="{name}"]'), f"{name} is missing"
        if f.kind in ("text", "tel", "email", "textarea"):
            label = page.select_one(f'label[for="{f.name}"]')
            assert label.get_text(strip=True) == f.label
        else:
            legend = page.select_one(f'[name="{names[0]}"]').find_parent("fieldset").find("legend")
            assert legend.get_text(strip=True) == f.label
        if f.hint:
            assert page.select_one(f"#{f.name}-hint").get_text(strip=True) == f.hint
    for g in GROUPS:
        assert page.select_one(f"#{g.name}-hint").get_text(strip=True) == g.hint


def test_inputs_follow_govuk_rules(page):
    form = page.select_one("main form")
    assert not form.select("[placeholder]"), "no placeholders"
    assert not form.select("[maxlength]"), "no maxlength: a character count instead"
    assert not form.select("[required]"), "the service checks answers, the browser does not"
    assert not form.select("[style]"), "no inline styles (CSP)"
    for field in form.select("input:not([type=hidden]):not([type=radio]):not([type=checkbox]), textarea"):
        if field["name"] == HONEYPOT_FIELD:
            continue
        assert page.select_one(f'label[for="{field["id"]}"]'), field["id"]
        for described in field.get("aria-describedby", "").split():
            assert page.select_one(f"#{described}"), f"{field['id']} points at missing #{described}"


@pytest.mark.parametrize(
    "name, token",
    [("full_name", "name"), ("phone", "tel"), ("email", "email"), ("location", "postal-code")],
)
def test_autocomplete_tokens(page, name, token):
    assert page.select_one(f"#{name}")["autocomplete"] == token


def test_ids_are_unique(page):
    ids = [el["id"] for el in page.select("[id]")]
    assert len(ids) == len(set(ids))


def test_the_static_page_carries_an_empty_token_and_the_hidden_honeypot(page):
    assert page.select_one(f'input[name="{TOKEN_FIELD}"]')["value"] == ""
    trap = page.select_one(f'input[name="{HONEYPOT_FIELD}"]')
    assert trap.find_parent(attrs={"aria-hidden": "true"}) is not None


def test_consent_links_to_the_privacy_notice_that_the_build_made(page, referral_site):
    link = page.select_one("#consent-hint a")
    assert "privacy notice" in link.get_text()
    target = urljoin("http://x/get-support/refer-yourself/", link["href"])
    assert target == "http://x/privacy/"
    assert (referral_site / "privacy" / "index.html").exists()


def test_the_page_marks_the_nav_loads_its_script_and_offers_a_phone_number(page):
    assert page.select_one('nav a[aria-current="page"]').get_text(strip=True) == "Get support"
    assert [s["src"] for s in page.select("script[src]")] == ["../../theme/js/site.js"]
    phone = page.select_one("a[data-referral-phone]")
    assert phone["href"].startswith("tel:")


def test_markers_are_there_once_for_the_service(referral_site):
    form_html = (referral_site / FORM_PAGE).read_text(encoding="utf-8")
    assert form_html.count(FORM_START) == 1 and form_html.count(FORM_END) == 1
    received = (referral_site / RECEIVED_PAGE).read_text(encoding="utf-8")
    for marker in (REF_START, REF_END, NOTES_START, NOTES_END):
        assert received.count(marker) == 1


def test_the_confirmation_page_is_not_listed_anywhere(referral_site):
    for html_file in referral_site.rglob("*.html"):
        if "received" in html_file.parts:
            continue
        assert "refer-yourself/received/" not in html_file.read_text(encoding="utf-8"), html_file
