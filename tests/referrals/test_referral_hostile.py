"""Hostile input: 4xx or the error page, never a 500, and nothing stored that should not be."""

from urllib.parse import urlencode

import pytest

from referrals.form_definition import PAGE_PATH, RECEIVED_PATH

from referral_helpers import db_rows, form_token, submit, valid_answers

FORM = "application/x-www-form-urlencoded"


def body_of(answers, token=""):
    return urlencode({**answers, "form_token": token}).encode()


def post_raw(client, body, content_type=FORM, **headers):
    return client.post(PAGE_PATH, content=body, headers={"Content-Type": content_type, **headers})


SCRIPT = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


def test_script_tags_in_every_field_are_shown_back_as_text(client, settings):
    answers = {k: SCRIPT for k in valid_answers()}
    response = submit(client, answers)
    assert response.status_code == 400
    assert "<script>alert(1)" not in response.text
    assert "onerror=alert(2)>" not in response.text.replace("&gt;", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert db_rows(settings.database) == []


def test_script_tags_in_free_text_are_stored_sealed_as_typed(client, settings, keys):
    from referrals import crypto

    response = submit(client, valid_answers(full_name=SCRIPT, worries=SCRIPT * 10))
    assert response.status_code == 303
    (sealed,) = [r[1] for r in db_rows(settings.database)]
    assert b"<script>" not in sealed
    doc = crypto.open_sealed(crypto.load_private_key(keys[0]), sealed)
    assert doc["answers"]["full_name"] == SCRIPT


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://x\",\"click\")", "+441865000000", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_strings_are_accepted_as_text(client, settings, value):
    response = submit(client, valid_answers(full_name=value, heard_about=value))
    assert response.status_code == 303
    assert len(db_rows(settings.database)) == 1


def test_a_1mb_body_is_refused_before_reading_it(client, settings):
    body = body_of(valid_answers(worries="a" * 1_000_000))
    assert len(body) > 1_000_000
    response = post_raw(client, body)
    assert response.status_code == 413
    assert "could not read the form" in response.text
    assert db_rows(settings.database) == []


def test_a_1mb_streamed_body_without_length_is_refused(client, settings):
    def chunks():
        yield body_of(valid_answers())
        for _ in range(64):
            yield b"&worries=" + b"a" * 16384

    response = client.post(PAGE_PATH, content=chunks(), headers={"Content-Type": FORM})
    assert response.status_code == 413
    assert db_rows(settings.database) == []


def test_a_lying_content_length_is_refused(client, settings):
    response = post_raw(client, b"full_name=x", **{"Content-Length": "99999999"})
    assert response.status_code == 413


@pytest.mark.parametrize(
    "body",
    [
        b"full_name=%FF%FE&consent=yes",  # percent-encoded bytes that are not UTF-8
        b"full_name=\xff\xfe\xfd&consent=yes",  # raw bytes that are not even ASCII
        b"full_name=Zo%C3",  # a cut-off multi-byte character
        b"&".join(b"f%d=1" % i for i in range(5000)),  # thousands of fields
    ],
    ids=["percent-invalid-utf8", "raw-invalid-bytes", "truncated-utf8", "field-flood"],
)
def test_unreadable_bodies_get_a_400_page_and_nothing_stored(client, settings, body):
    response = post_raw(client, body)
    assert response.status_code == 400
    assert "could not read the form" in response.text
    assert "01865 000000" in response.text, "a phone number is always offered"
    assert db_rows(settings.database) == []


@pytest.mark.parametrize(
    "content_type",
    ["multipart/form-data; boundary=x", "application/json", "text/plain", "", "application/x-www-form-urlencoded; charset=iso-8859-1"],
)
def test_wrong_content_types_are_refused(client, settings, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post(PAGE_PATH, content=body_of(valid_answers()), headers=headers)
    assert response.status_code == 415
    assert db_rows(settings.database) == []


def test_json_body_is_refused(client, settings):
    response = client.post(PAGE_PATH, json=valid_answers())
    assert response.status_code == 415
    assert db_rows(settings.database) == []


def test_utf8_charset_label_is_fine(client, settings):
    token = form_token(client.get(PAGE_PATH).text)
    response = post_raw(client, body_of(valid_answers(), token), FORM + "; charset=UTF-8")
    assert response.status_code == 303


def test_repeated_fields_take_the_first_value(client, settings, keys):
    from referrals import crypto

    body = body_of(valid_answers()) + b"&full_name=Second+Name&consent=no"
    assert post_raw(client, body).status_code == 303
    (sealed,) = [r[1] for r in db_rows(settings.database)]
    assert crypto.open_sealed(crypto.load_private_key(keys[0]), sealed)["answers"]["full_name"] == "Zoë Ødegård-Nguyễn"


def test_control_characters_and_nul_bytes_are_removed(client, settings, keys):
    from referrals import crypto

    response = submit(client, valid_answers(full_name="Amy\x00\x07 \u202eSmith\ufeff", worries="a\x00b\x1bc"))
    assert response.status_code == 303
    (sealed,) = [r[1] for r in db_rows(settings.database)]
    doc = crypto.open_sealed(crypto.load_private_key(keys[0]), sealed)
    assert doc["answers"]["full_name"] == "Amy \u202eSmith"
    assert doc["answers"]["worries"] == "abc"


def test_extra_unknown_and_weird_field_names_are_ignored(client, settings):
    body = body_of(valid_answers()) + b"&" + b"x" * 5000 + b"=1&%00=2&__proto__=3&sealed=4"
    assert post_raw(client, body).status_code == 303
    assert len(db_rows(settings.database)) == 1


def test_radio_values_outside_the_choices_are_errors_not_stored(client, settings):
    response = submit(client, valid_answers(preferred_contact=SCRIPT, relationship="' OR 1=1 --"))
    assert response.status_code == 400
    assert db_rows(settings.database) == []


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_not_allowed(client, method):
    assert client.request(method, PAGE_PATH).status_code == 405


@pytest.mark.parametrize(
    "query",
    ["?ref=../../etc/passwd", "?ref=ABCD-EFGH%0d%0aSet-Cookie:x=1", "?ref=" + "A" * 5000, "?ref=ABCD-EFGH&ref=ABCD-EFGH"],
)
def test_confirmation_page_rejects_tampered_references(client, query):
    response = client.get(RECEIVED_PATH + query)
    assert response.status_code == 404
    assert "set-cookie" not in response.headers


def test_a_forged_notes_cookie_is_ignored(client):
    client.cookies.set("oxpip_referral_notes", "outside.forged.sig", path=RECEIVED_PATH)
    response = client.get(RECEIVED_PATH + "?ref=ABCD-EFGH")
    assert response.status_code == 200
    assert "live outside Oxfordshire" not in response.text.split("What happens next")[0]


def test_emoji_and_right_to_left_text_everywhere_is_fine(client, settings):
    response = submit(client, valid_answers(full_name="👶🏽 مريم", safe_times="🕘 صباحا", heard_about="💬"))
    assert response.status_code == 303
