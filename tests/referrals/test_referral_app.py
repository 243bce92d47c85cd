"""The service through its test client: errors, answers kept, one sealed row, headers."""

import re

from bs4 import BeautifulSoup

from referrals import crypto
from referrals.form_definition import PAGE_PATH, RECEIVED_PATH

from referral_helpers import app_client, db_rows, form_token, submit, valid_answers


def soup(response):
    return BeautifulSoup(response.text, "lxml")


def test_the_form_page_is_the_built_page_with_a_fresh_token(client, referral_site):
    page = client.get(PAGE_PATH)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    token = form_token(page.text)
    assert client.app.state.service.trap.check(token).flag is None
    static = (referral_site / "get-support/refer-yourself/index.html").read_text()
    assert 'name="form_token" value=""' in static, "the static copy carries no token"
    assert soup(page).title.string.startswith("Refer yourself")
    assert soup(page).find("h1").get_text() == "Refer yourself"


def test_errors_re_render_the_same_page_with_every_answer_kept(client):
    answers = valid_answers(email="zoe@", location="", worries="<b>not bold</b> & 'quotes'", consent="")
    response = submit(client, answers)
    assert response.status_code == 400
    assert response.headers["cache-control"] == "no-store"
    page = soup(response)
    assert page.title.string.startswith("Error: Refer yourself")
    summary = page.select_one(".ox-error-summary")
    assert summary.select_one("h2").get_text() == "There is a problem"
    links = [(a.get_text(), a["href"]) for a in summary.select("a")]
    assert links == [
        ("Enter an email address in the correct format, like name@example.com", "#email"),
        ("Enter your town or postcode", "#location"),
        ("Select that you agree we can store your details and contact you", "#consent"),
    ]
    for _, href in links:
        target = page.select_one(href)
        assert target is not None, f"the summary links to {href}, which is not on the page"
    # Each error sits by its question and is announced with it.
    email = page.select_one("#email")
    assert "ox-input--error" in email["class"]
    assert "email-error" in email["aria-describedby"].split()
    assert page.select_one("#email-error").get_text(" ", strip=True).startswith("Error: Enter an email")
    # Every answer is still there, exactly as typed (escaped, never run as markup).
    assert email["value"] == "zoe@"
    assert page.select_one("#full_name")["value"] == answers["full_name"]
    assert page.select_one("#phone")["value"] == "07700 900 982"
    assert page.select_one("#worries").get_text() == "<b>not bold</b> & 'quotes'"
    assert page.select_one("#preferred_contact")["checked"] is not None
    assert page.select_one("#leave_message-2").has_attr("checked")
    assert page.select_one("#baby_status").has_attr("checked")
    assert page.select_one("#due_date-month")["value"] == answers["due_date-month"]
    assert page.select_one("#relationship").has_attr("checked")
    assert not page.select_one("#consent").has_attr("checked")
    assert "<b>not bold</b>" not in response.text
    # The rest of the page is the site's own page: header, footer, relative links.
    assert page.select_one("main#main-content") and page.select_one("footer")
    assert page.select_one('link[rel="stylesheet"]')["href"] == "../../theme/css/site.css"
    assert db_rows(client.app.state.service.settings.database) == []


def test_success_stores_exactly_one_sealed_row_and_redirects_with_a_reference(client, settings, keys):
    answers = valid_answers()
    response = submit(client, answers)
    assert response.status_code == 303
    location = response.headers["location"]
    match = re.fullmatch(re.escape(RECEIVED_PATH) + r"\?ref=([0-9A-Z]{4}-[0-9A-Z]{4})", location)
    assert match, location
    reference = match.group(1)
    rows = db_rows(settings.database)
    assert len(rows) == 1
    stored_ref, sealed, flags, status = rows[0]
    assert (stored_ref, flags, status) == (reference, "", "new")
    # The row is ciphertext: no answer appears in it, in any encoding we might slip into.
    for value in answers.values():
        if len(value) > 3:
            for encoded in (value.encode(), value.encode("utf-16-le"), value.encode("unicode_escape")):
                assert encoded not in sealed
    # Only the private key opens it, and it holds exactly what was typed.
    document = crypto.open_sealed(crypto.load_private_key(keys[0]), sealed)
    assert document["reference"] == reference
    for name, value in answers.items():
        assert document["answers"][name] == value
    # Nothing personal anywhere in the database's files (main file, WAL, shared memory).
    from pathlib import Path

    data_files = b"".join(p.read_bytes() for p in Path(settings.database).parent.iterdir())
    for value in (answers["full_name"], answers["email"], answers["worries"]):
        assert value.encode() not in data_files


def test_the_confirmation_page_shows_the_reference_and_what_happens_next(client):
    response = submit(client, valid_answers())
    page = client.get(response.headers["location"])
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    reference = response.headers["location"].rsplit("=", 1)[1]
    html = soup(page)
    assert html.select_one(".ox-referral-panel__reference").get_text() == reference
    assert html.find("h1").get_text() == "Referral sent"
    assert "What happens next" in page.text


def test_the_confirmation_page_refuses_made_up_references(client):
    for query in ("", "?ref=", "?ref=abcd-efgh", "?ref=ILOU-0000", "?ref=%3Cscript%3E", "?ref=ABCD-EFGH&name=Zoe", "?ref=ABCDEFGH"):
        response = client.get(RECEIVED_PATH + query)
        assert response.status_code == 404, query
        assert "<script>" not in response.text


def test_outside_oxfordshire_is_kept_and_told_kindly(client, settings):
    response = submit(client, valid_answers(location="Leeds LS1 4AP".split(" ", 1)[1]))
    assert response.status_code == 303
    assert len(db_rows(settings.database)) == 1
    assert "LS1" not in response.headers["location"]
    page = client.get(response.headers["location"])
    assert "live outside Oxfordshire" in " ".join(n.get_text() for n in soup(page).select(".ox-referral-note"))


def test_an_older_child_is_kept_and_told_kindly(client, settings):
    answers = valid_answers(baby_status="born", **{"birth_date-day": "1", "birth_date-month": "1", "birth_date-year": "2015"})
    response = submit(client, answers)
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert "older than 2" in " ".join(n.get_text() for n in soup(page).select(".ox-referral-note"))


def test_security_headers_on_every_response(client):
    for response in (
        client.get(PAGE_PATH),
        submit(client, valid_answers(full_name="")),
        submit(client, valid_answers()),
        client.get("/healthz"),
        client.get("/no-such-page/"),
    ):
        h = response.headers
        assert h["content-security-policy"] == (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        )
        assert h["x-content-type-options"] == "nosniff"
        assert h["referrer-policy"] == "no-referrer"
        assert "strict-transport-security" not in h, "no HSTS over plain HTTP"
        assert "server" not in h


def test_hsts_only_over_https(settings, data_dir):
    from dataclasses import replace

    with app_client(replace(settings, allowed_origins=("https://testserver",))) as c:
        c.base_url = "https://testserver"
        assert c.get(PAGE_PATH).headers["strict-transport-security"].startswith("max-age=")


def test_hsts_when_a_trusted_proxy_says_https():
    from referrals.app import is_https

    scope = {"scheme": "http", "client": ("10.0.0.5", 1234), "headers": [(b"x-forwarded-proto", b"https")]}
    assert is_https(scope, ("10.0.0.0/24",))
    assert not is_https(scope, ("127.0.0.1",)), "an untrusted peer cannot claim HTTPS"
    assert not is_https(scope, ())


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_no_personal_data_in_logs(client, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    answers = valid_answers(full_name="Unique Name Qwzx", email="qwzx@example.com", worries="secret worry qwzx")
    submit(client, {**answers, "location": ""})
    submit(client, answers)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "referral" in logged
    assert "qwzx" not in logged.lower()


def test_the_error_page_is_the_same_whatever_the_error_order(client):
    a = soup(submit(client, {}))
    assert len(a.select(".ox-error-summary li")) == 8
    assert len(a.select(".ox-error-message")) == 8
