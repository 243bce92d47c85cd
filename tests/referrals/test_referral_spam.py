"""Spam signals: kept and marked, never a dead end for a parent; foreign sites refused.
(Flood bound and proxy trust: test_referral_settings_never_turn_parents_away.py.)"""

import time
from dataclasses import replace

from referrals.form_definition import PAGE_PATH
from referrals.spam import RETRY_VIEW, RateLimiter, TimeTrap, client_address, origin_verdict

from referral_helpers import app_client, db_rows, form_token, submit, valid_answers


def flags_of(settings):
    return [row[0] for row in db_rows(settings.database, "SELECT flags FROM referrals")]


def test_a_good_token_leaves_no_mark(client, settings):
    assert submit(client, valid_answers()).status_code == 303
    assert flags_of(settings) == [""]


def test_too_fast_is_kept_and_marked(settings, data_dir):
    with app_client(replace(settings, token_min_seconds=30)) as c:
        assert submit(c, valid_answers()).status_code == 303
    assert flags_of(settings) == ["fast"]


def test_no_token_forged_token_and_stale_token_are_kept_and_marked(client, settings):
    assert submit(client, valid_answers(), token="").status_code == 303
    assert submit(client, valid_answers(), token="InYi.forged.signature").status_code == 303
    old = TimeTrap("test-secret-not-for-production", 0, 0.5).issue()
    time.sleep(1.1)
    with app_client(replace(settings, token_max_age_seconds=0)) as c:
        assert submit(c, valid_answers(), token=old).status_code == 303
    assert flags_of(settings) == ["no-token", "bad-token", "old-token"]


def test_honeypot_is_kept_and_marked(client, settings):
    response = submit(client, {**valid_answers(), "website": "http://spam.example"})
    assert response.status_code == 303, "a bot sees the same success as a parent"
    assert flags_of(settings) == ["honeypot"]


def test_the_honeypot_is_hidden_from_people_and_assistive_technology(client):
    from bs4 import BeautifulSoup

    page = BeautifulSoup(client.get(PAGE_PATH).text, "lxml")
    trap = page.select_one("#website")
    wrapper = trap.find_parent("div")
    assert wrapper["aria-hidden"] == "true"
    assert "ox-referral-hp" in wrapper["class"]
    assert trap["tabindex"] == "-1" and trap["autocomplete"] == "off"


def test_a_foreign_origin_is_refused_and_nothing_stored(client, settings):
    for headers in (
        {"Origin": "https://evil.example"},
        {"Origin": "http://testserver.evil.example"},
        {"Origin": "http://testserver:8080"},
        {"Origin": "HTTP://TESTSERVER"},
        {"Origin": "https://evil.example", "Sec-Fetch-Site": "same-origin"},
        {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
        {"Origin": "null", "Sec-Fetch-Site": "same-site"},
    ):
        response = submit(client, valid_answers(), headers=headers)
        origin = headers
        assert response.status_code == 403, origin
        assert "Please send the form from our website" in response.text
        assert "Zo\u00eb" not in response.text, "the forged answers are not echoed back"
    assert db_rows(settings.database) == []


def test_a_missing_origin_is_kept_and_marked(client, settings):
    del client.headers["Origin"]
    assert submit(client, valid_answers()).status_code == 303
    assert submit(client, valid_answers(), headers={"Origin": "null"}).status_code == 303
    assert flags_of(settings) == ["no-origin", "no-origin"]


def test_a_null_origin_from_our_own_page_is_fine(client, settings):
    """Under Referrer-Policy no-referrer browsers send Origin: null with Sec-Fetch-Site: same-origin."""
    response = submit(client, valid_answers(), headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 303
    assert flags_of(settings) == [""]


def test_over_the_rate_limit_a_referral_is_kept_and_marked(settings, data_dir):
    """A shared address (a family hub, or everyone behind an untrusted proxy) never turns a parent away."""
    with app_client(replace(settings, rate_limit_count=2, rate_limit_window_seconds=60)) as c:
        statuses = [submit(c, valid_answers(full_name=f"Try {n}")).status_code for n in range(3)]
    assert statuses == [303, 303, 303]
    assert flags_of(settings) == ["", "", "rate-limit"]


def test_a_retry_after_an_error_is_not_marked_fast(settings, data_dir):
    with app_client(replace(settings, token_min_seconds=2)) as c:
        token = form_token(c.get(PAGE_PATH).text)
        time.sleep(2.1)
        error = submit(c, valid_answers(full_name=""), token=token)
        retry_token = form_token(error.text)
        assert submit(c, valid_answers(), token=retry_token).status_code == 303  # at once: fine
    assert flags_of(settings) == [""]


def test_time_trap_unit():
    trap = TimeTrap("s", min_seconds=5, max_age_seconds=100)
    token = trap.issue()
    now = time.time()
    assert trap.check(token, now=now).flag == "fast"
    assert trap.check(token, now=now + 6).flag is None
    assert trap.check(trap.issue(RETRY_VIEW), now=now).flag is None
    assert TimeTrap("other", 5, 100).check(token).flag == "bad-token"
    assert trap.check("").flag == "no-token"


def test_rate_limiter_is_a_sliding_window_and_bounded():
    limiter = RateLimiter(2, 10, max_clients=3)
    assert limiter.allow("a", now=0) and limiter.allow("a", now=1)
    assert not limiter.allow("a", now=2)
    assert limiter.allow("a", now=10.5)
    for i in range(10):
        limiter.allow(f"c{i}", now=3)
    assert len(limiter._hits) == 3


def test_origin_and_client_address_helpers():
    allowed = ("https://a.example",)
    assert origin_verdict("https://a.example", None, allowed) == "ok"
    assert origin_verdict("https://a.example/", None, allowed) == "foreign"
    assert origin_verdict(None, None, allowed) == "missing"
    assert origin_verdict("null", "same-origin", allowed) == "ok"
    assert origin_verdict("null", "cross-site", allowed) == "foreign"
    assert origin_verdict("https://b.example", "same-origin", allowed) == "foreign"
    assert origin_verdict("https://b.example", "same-origin", allowed, host="b.example") == "unlisted"
    assert client_address("127.0.0.1", "203.0.113.9, 127.0.0.1", ("127.0.0.1",)) == "203.0.113.9"
    assert client_address("198.51.100.1", "203.0.113.9", ("127.0.0.1",)) == "198.51.100.1", "untrusted peers cannot spoof"
    assert client_address("127.0.0.1", "garbage, 203.0.113.9", ("127.0.0.0/8",)) == "203.0.113.9"
