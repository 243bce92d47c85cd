"""The confirmation page says what happens next in the way the parent asked, and forgets it.

The parent's choices (phone or email first, whether a message may be left, that they gave
safe times, outside Oxfordshire, child over 2) reach the page in a short-lived signed
cookie that holds fixed keys only, never what they typed; it is deleted as soon as the
page has been shown. The reply and waiting times come from content/data/times.yml.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import yaml
from bs4 import BeautifulSoup

from referrals import confirmation
from referrals.app import NOTES_COOKIE, NOTES_MAX_AGE
from referrals.form_definition import RECEIVED_PATH
from referrals.pages import NOTE_TEMPLATE, RECEIVED_PAGE

from referral_helpers import ROOT, submit, valid_answers

TIMES = yaml.safe_load((ROOT / "content" / "data" / "times.yml").read_text(encoding="utf-8"))


def contact_box(page) -> list[str]:
    html = BeautifulSoup(page.text, "lxml")
    box = next((n for n in html.select(".ox-referral-note") if n.find("h2")), None)
    return [p.get_text(" ", strip=True) for p in box.find_all("p")] if box else []


def cookie_payload(response) -> list:
    """The keys in the notes cookie: itsdangerous signs its JSON payload, it does not hide it."""
    value = response.cookies[NOTES_COOKIE]
    body = value.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def test_phone_first_no_message_and_safe_times(client):
    answers = valid_answers(preferred_contact="phone", leave_message="no", safe_times="Only after 9pm, he's out")
    sent = submit(client, answers)
    assert sent.status_code == 303
    assert cookie_payload(sent) == ["by_phone", "no_message", "safe_times"]
    page = client.get(sent.headers["location"])
    reply = TIMES["reply_time"]["value"]
    assert contact_box(page) == [
        f"We will try to phone you first, within {reply}.",
        "You told us it is not safe to leave a message. So we will not leave a voicemail or send a text. "
        "If we cannot reach you, we will try again another time.",
        "We will only try at the times you told us are safe.",
    ]
    assert "after 9pm" not in page.text, "what the parent typed is never shown back on this page"


def test_email_first_and_a_message_may_be_left(client):
    sent = submit(client, valid_answers(preferred_contact="email", leave_message="yes", safe_times=""))
    assert cookie_payload(sent) == ["by_email", "message_ok"]
    reply = TIMES["reply_time"]["value"]
    assert contact_box(client.get(sent.headers["location"])) == [
        f"We will try to email you first, within {reply}.",
        "You told us it is safe to leave a message. If you do not answer, we may leave a short one.",
    ]


def test_the_cookie_holds_choices_only_and_is_short_lived_and_path_limited(client):
    answers = valid_answers(location="Leeds LS1 4AP", safe_times="Weekday mornings")
    sent = submit(client, answers)
    header = sent.headers["set-cookie"]
    assert f"Max-Age={NOTES_MAX_AGE}" in header and NOTES_MAX_AGE <= 600
    assert f"Path={RECEIVED_PATH}" in header and "HttpOnly" in header and "SameSite=lax" in header
    keys = cookie_payload(sent)
    assert set(keys) <= set(confirmation.ALL_KEYS) and "outside" in keys
    for typed in ("Leeds", "LS1", "Weekday", answers["full_name"], answers["phone"], answers["email"]):
        assert typed not in header


def test_the_cookie_is_deleted_once_the_page_is_shown_and_a_reload_is_plain(client):
    sent = submit(client, valid_answers())
    first = client.get(sent.headers["location"])
    assert contact_box(first)
    deleted = first.headers["set-cookie"]
    assert deleted.startswith(f'{NOTES_COOKIE}=""') and "Max-Age=0" in deleted and f"Path={RECEIVED_PATH}" in deleted
    assert NOTES_COOKIE not in client.cookies
    again = client.get(sent.headers["location"])
    assert again.status_code == 200 and contact_box(again) == []
    assert "set-cookie" not in again.headers
    text = BeautifulSoup(again.text, "lxml").get_text(" ", strip=True)
    assert f"We contact you within {TIMES['reply_time']['value']}" in text, "the general steps still say when"


def test_a_forged_or_unknown_key_shows_nothing_extra(client):
    signer = client.app.state.service.notes_signer
    client.cookies.set(NOTES_COOKIE, signer.dumps(["by_phone", "<script>", "call_her_husband"]), path=RECEIVED_PATH)
    page = client.get(f"{RECEIVED_PATH}?ref=7KQ2-M9XD")
    assert contact_box(page) == [f"We will try to phone you first, within {TIMES['reply_time']['value']}."]
    assert "call_her_husband" not in page.text and "<script>" not in page.text.split("<main", 1)[1]


def test_the_page_says_what_happens_next_when_we_will_be_in_touch_and_what_if_things_get_worse(client):
    sent = submit(client, valid_answers())
    html = BeautifulSoup(client.get(sent.headers["location"]).text, "lxml")
    main = html.find("main")
    text = main.get_text(" ", strip=True)
    steps = [li.get_text(" ", strip=True) for li in main.select(".ox-prose ol li")]
    assert len(steps) == 4 and steps[1].startswith(f"We contact you within {TIMES['reply_time']['value']}")
    checked = TIMES["checked"]
    assert (f"most families wait {TIMES['waiting_time']['value']} for their first session with a therapist. "
            f"We last checked this on {checked.day} {checked:%B %Y}.") in text
    headings = [h.get_text(strip=True) for h in main.find_all("h2")]
    assert "If you have not heard from us" in headings and "If things get worse while you wait" in headings
    assert main.select_one("section.ox-care--immediate") and main.select_one("section.ox-care--urgent")
    assert main.find("a", href="../../../get-help-now/")


def test_outside_oxfordshire_links_to_help_near_you(client):
    sent = submit(client, valid_answers(location="LS1 4AP"))
    html = BeautifulSoup(client.get(sent.headers["location"]).text, "lxml")
    note = next(n for n in html.select(".ox-referral-note") if "outside Oxfordshire" in n.get_text())
    assert note.find("a", string="help near you")["href"] == "../../../help-near-you/"


def test_the_built_page_has_a_note_for_every_key_and_shows_none_of_them_by_itself(referral_site):
    html = (referral_site / RECEIVED_PAGE).read_text(encoding="utf-8")
    notes = dict(NOTE_TEMPLATE.findall(html))
    assert set(notes) == {confirmation.CONTACT_BOX, *confirmation.ALL_KEYS}
    shown = BeautifulSoup(html, "lxml").find("main").get_text(" ", strip=True)  # <template> content is inert
    for words in ("How we will contact you", "outside Oxfordshire", "older than 2", "phone you first"):
        assert words not in shown


def test_choices_never_carry_what_was_typed():
    keys = confirmation.choices({"preferred_contact": "phone", "leave_message": "no", "safe_times": "x"},
                                {"area": "outside", "child_age": "over_2"})
    assert keys == ["by_phone", "no_message", "safe_times", "outside", "over_2"]
    assert confirmation.choices({"preferred_contact": "fax", "leave_message": "maybe"}, {"area": "oxfordshire"}) == []
    assert confirmation.known(["over_2", "by_phone", "x", 3, "by_phone"]) == ("by_phone", "over_2")
