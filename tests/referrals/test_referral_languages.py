"""The referral form in other languages, through the app (the browser tests are in
test_referral_languages_browser.py): each language with a translated form page has the
form at /<lang>/get-support/refer-yourself/, answers in that language (errors, the problem
pages, the confirmation), and the sealed referral says which language it was written in."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from bs4 import BeautifulSoup

from referral_helpers import app_client, db_rows, form_token, valid_answers
from referrals import crypto, rendering
from referrals.form_definition import PAGE_PATH, RECEIVED_PATH
from referrals.i18n import Words

LANGUAGES = {
    # code: (a word of its form that only that language has, its error summary title, "Your reference is")
    "pl": ("Wyślij zgłoszenie", "Jest problem", "Numer Twojego zgłoszenia to"),
    "ar": ("إرسال الطلب", "هناك مشكلة", "رقمكم المرجعي هو"),
}


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def sealed_documents(settings, keys) -> list[dict]:
    private = crypto.load_private_key(keys[0])
    return [crypto.open_sealed(private, bytes(sealed)) for _, sealed, _, _ in db_rows(settings.database)]


@pytest.mark.parametrize("code", sorted(LANGUAGES))
def test_the_form_is_served_in_each_language_with_a_form_page(client, code):
    response = client.get(f"/{code}{PAGE_PATH}")
    assert response.status_code == 200
    soup = page(response)
    assert soup.html["lang"] == code
    assert soup.html["dir"] == ("rtl" if code == "ar" else "ltr")
    send, _, _ = LANGUAGES[code]
    assert soup.find("button", attrs={"type": "submit"}, string=re.compile(send)), "the send button is not translated"
    assert form_token(response.text)


def test_a_language_without_a_form_page_is_not_found(client):
    assert client.get(f"/ro{PAGE_PATH}").status_code == 404
    assert client.get(f"/en-gb{PAGE_PATH}").status_code == 404


@pytest.mark.parametrize("code", sorted(LANGUAGES))
def test_mistakes_are_explained_in_the_language_of_the_form(client, code):
    path = f"/{code}{PAGE_PATH}"
    token = form_token(client.get(path).text)
    answers = valid_answers(full_name="", phone="", email="")
    response = client.post(path, data={**answers, "form_token": token})
    assert response.status_code == 400
    soup = page(response)
    _, problem, _ = LANGUAGES[code]
    words = Words.for_language(code)
    assert soup.title.get_text().startswith(words.gettext("Error:")), soup.title
    assert soup.select_one(".ox-error-summary__title").get_text(strip=True) == problem
    shown = [a.get_text(strip=True) for a in soup.select(".ox-error-summary__list a")]
    assert shown == [words.gettext("Enter your full name"), words.gettext("Enter a phone number or an email address")]
    assert all(text not in response.text for text in ("Enter your full name", "There is a problem"))
    assert soup.find("input", attrs={"name": "location"})["value"] == "OX11 7AB", "answers kept"


@pytest.mark.parametrize("code", sorted(LANGUAGES))
def test_a_referral_is_confirmed_in_its_language_and_sealed_with_it(client, settings, keys, code):
    path = f"/{code}{PAGE_PATH}"
    token = form_token(client.get(path).text)
    response = client.post(path, data={**valid_answers(), "form_token": token})
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(f"/{code}{RECEIVED_PATH}?ref="), location
    confirmation = client.get(location)
    assert confirmation.status_code == 200
    soup = page(confirmation)
    assert soup.html["lang"] == code
    _, _, your_reference = LANGUAGES[code]
    assert soup.select_one(".ox-referral-panel__text").get_text(strip=True) == your_reference
    reference = location.rsplit("=", 1)[1]
    documents = sealed_documents(settings, keys)
    assert [(d["reference"], d["language"]) for d in documents] == [(reference, code)]


def test_an_english_referral_is_sealed_as_english(client, settings, keys):
    token = form_token(client.get(PAGE_PATH).text)
    assert client.post(PAGE_PATH, data={**valid_answers(), "form_token": token}).status_code == 303
    assert [d["language"] for d in sealed_documents(settings, keys)] == ["en-gb"]


def test_the_service_problem_page_is_in_the_language_of_the_form(settings, tmp_path):
    """The database's folder is missing (a real fault): 503, in Arabic, answers kept, our number."""
    settings = replace(settings, database=str(tmp_path / "not-there" / "referrals.sqlite3"))
    path = f"/ar{PAGE_PATH}"
    with app_client(settings) as client:
        token = form_token(client.get(path).text)
        response = client.post(path, data={**valid_answers(), "form_token": token})
    assert response.status_code == 503
    soup = page(response)
    words = Words.for_language("ar")
    assert soup.html["lang"] == "ar"
    assert soup.select_one(".ox-error-summary__title").get_text(strip=True) == words.gettext(
        "Sorry, there is a problem with the service")
    assert soup.select_one('.ox-error-summary a[href^="tel:"]')["dir"] == "ltr"
    assert soup.find("input", attrs={"name": "location"})["value"] == "OX11 7AB"


def test_the_flood_page_is_in_the_language_of_the_form(settings, data_dir):
    settings = replace(settings, flood_limit_count=1, flood_limit_window_seconds=3600)
    path = f"/pl{PAGE_PATH}"
    with app_client(settings) as client:
        for expected in (303, 429):
            token = form_token(client.get(path).text)
            response = client.post(path, data={**valid_answers(), "form_token": token})
            assert response.status_code == expected
    soup = page(response)
    assert soup.select_one(".ox-error-summary__title").get_text(strip=True) == "Zaczekaj chwilę, zanim wyślesz formularz ponownie"
    assert soup.find("input", attrs={"name": "location"})["value"] == "OX11 7AB"


def test_problem_messages_are_translated_with_the_phone_number_readable():
    contact = rendering.Contact("01865 000000", "+441865000000", "Monday to Friday, 9am to 5pm")
    for code in LANGUAGES:
        words = Words.for_language(code)
        for problem in (rendering.service_unavailable(contact, words), rendering.too_many_attempts(contact, words),
                        rendering.could_not_read(contact, words), rendering.other_site(contact, words)):
            assert not problem.title.startswith(("Sorry", "Please")), problem.title
            assert '<a href="tel:+441865000000" dir="ltr">01865 000000</a>' in str(problem.html)


def test_digits_typed_in_arabic_script_are_understood(client, settings, keys):
    path = f"/ar{PAGE_PATH}"
    token = form_token(client.get(path).text)
    answers = valid_answers(phone="٠٧٧٠٠ ٩٠٠ ٩٨٢", baby_status="born", **{
        "birth_date-day": "١", "birth_date-month": "٣", "birth_date-year": "٢٠٢٦"})
    response = client.post(path, data={**answers, "form_token": token})
    assert response.status_code == 303, page(response).select_one(".ox-error-summary")
    document = sealed_documents(settings, keys)[0]
    assert document["answers"]["phone"] == "07700 900 982"
    assert document["answers"]["birth_date-year"] == "2026"
