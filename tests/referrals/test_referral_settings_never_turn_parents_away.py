"""No setting a deployer can plausibly get wrong silently turns parents away.

- A reverse proxy that REFERRALS_TRUSTED_PROXIES does not list makes every parent look like
  one client: the service says so at once (log and /healthz), and the per-client limit
  marks referrals instead of refusing them.
- Only a flood over all clients (REFERRALS_FLOOD_LIMIT, clean and marked counted apart) is
  held back, with every answer kept and a phone number.
- An allow-list that lacks the site's own address does not refuse the site's own posts.
- A trusted proxy written as a name (which could never match) stops the service at start-up.
(The same misconfiguration behind the real nginx: test_referral_proxies.py.)
"""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from referrals.settings import SettingsError, from_env
from referrals.spam import FloodGuard, forwarded_by_untrusted_peer, origin_verdict

from referral_helpers import app_client, db_rows, submit, valid_answers


def flags(settings):
    return [row[0] for row in db_rows(settings.database, "SELECT flags FROM referrals ORDER BY rowid")]


def test_behind_an_untrusted_proxy_every_parent_is_still_kept_and_the_service_says_why(settings, data_dir, caplog):
    """Issue input: 20 posts in 10 minutes from anyone used to turn every later parent away (429)."""
    caplog.set_level(logging.WARNING, logger="referrals")
    no_proxy_trusted = replace(settings, rate_limit_count=20, rate_limit_window_seconds=600, trusted_proxies=())
    with app_client(no_proxy_trusted, peer=("127.0.0.1", 40000)) as c:
        statuses = [
            submit(c, valid_answers(full_name=f"Parent {n}"), headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
            for n in range(25)
        ]
        health = c.get("/healthz")
    assert statuses == [303] * 25, statuses
    assert flags(settings) == [""] * 20 + ["rate-limit"] * 5
    warnings = [r.getMessage() for r in caplog.records if "REFERRALS_TRUSTED_PROXIES" in r.getMessage()]
    assert len(warnings) == 1, "said once, as soon as it was seen"
    assert "requests from 127.0.0.1 carry X-Forwarded-For" in warnings[0]
    assert "REFERRALS_TRUSTED_PROXIES=127.0.0.1" in warnings[0]
    assert health.status_code == 200
    assert any("REFERRALS_TRUSTED_PROXIES" in w for w in health.json()["warnings"])


def test_a_trusted_proxy_gives_no_warning_and_each_parent_their_own_limit(settings, data_dir, caplog):
    caplog.set_level(logging.WARNING, logger="referrals")
    with app_client(replace(settings, rate_limit_count=1, trusted_proxies=("127.0.0.1",)), peer=("127.0.0.1", 1)) as c:
        c.headers["X-Forwarded-For"] = "203.0.113.1"
        assert submit(c, valid_answers()).status_code == 303
        assert submit(c, valid_answers()).status_code == 303
        c.headers["X-Forwarded-For"] = "203.0.113.2"
        assert submit(c, valid_answers()).status_code == 303
        assert c.get("/healthz").json() == {"status": "ok"}
    assert flags(settings) == ["", "rate-limit", ""]
    assert not [r for r in caplog.records if "SETTINGS PROBLEM" in r.getMessage()]


def test_only_a_flood_is_held_back_with_every_answer_kept(settings, data_dir):
    with app_client(replace(settings, rate_limit_count=1, flood_limit_count=3, flood_limit_window_seconds=3600)) as c:
        results = [submit(c, valid_answers(full_name=f"Parent {n}")).status_code for n in range(4)]
        held = submit(c, valid_answers(full_name="Held Back", safe_times="After 3pm"))
        health = c.get("/healthz").json()
    # One client: the first is clean, the next three are marked (over 1 per client) and kept,
    # up to the flood bound of 3 marked; the fifth is held back.
    assert results == [303, 303, 303, 303]
    assert held.status_code == 429
    assert 'value="Held Back"' in held.text and 'value="After 3pm"' in held.text
    assert 'href="tel:+441865000000"' in held.text and "Your answers are still here" in held.text
    assert flags(settings) == ["", "rate-limit", "rate-limit", "rate-limit"]
    assert any("REFERRALS_FLOOD_LIMIT" in w for w in health["warnings"]), "a bound set too low is not silent"


def test_a_flood_of_marked_spam_does_not_crowd_out_clean_referrals():
    guard = FloodGuard(2, 60)
    assert guard.allow(marked=True, now=0) and guard.allow(marked=True, now=1)
    assert not guard.allow(marked=True, now=2)
    assert guard.allow(marked=False, now=2) and guard.allow(marked=False, now=3)
    assert not guard.allow(marked=False, now=4)
    assert guard.allow(marked=True, now=60.5), "the window slides"
    assert FloodGuard(0, 60).allow(marked=True), "0 turns it off"


def test_the_sites_own_address_is_accepted_even_if_the_allow_list_lacks_it(settings, data_dir, caplog):
    caplog.set_level(logging.WARNING, logger="referrals")
    with app_client(replace(settings, allowed_origins=("https://oxpip.example",))) as c:
        ours = submit(c, valid_answers(), headers={"Origin": "http://testserver"})
        forged = submit(c, valid_answers(), headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "same-origin"})
        health = c.get("/healthz").json()
    assert ours.status_code == 303
    assert forged.status_code == 403
    assert flags(settings) == [""]
    assert any("REFERRALS_ALLOWED_ORIGINS" in w and "http://testserver" in w for w in health["warnings"])
    assert sum("REFERRALS_ALLOWED_ORIGINS" in r.getMessage() for r in caplog.records) == 1


def test_origin_verdicts_with_the_request_host():
    allowed = ("https://www.oxpip.org.uk",)
    host = "www.oxpip.org.uk"
    assert origin_verdict("https://www.oxpip.org.uk", None, allowed, host) == "ok"
    assert origin_verdict("https://oxpip.org.uk", None, ("https://oxpip.org.uk",), host) == "ok"
    assert origin_verdict("https://www.oxpip.org.uk", None, ("https://oxpip.org.uk",), host) == "unlisted"
    assert origin_verdict("https://evil.example", "same-origin", allowed, host) == "foreign"
    assert origin_verdict("https://evil.example", None, allowed, host) == "foreign"
    assert origin_verdict("https://www.oxpip.org.uk:8443", None, allowed, host) == "foreign"
    assert origin_verdict("null", "cross-site", allowed, host) == "foreign"


def test_proxy_headers_from_an_untrusted_peer_are_noticed():
    assert forwarded_by_untrusted_peer("127.0.0.1", {"x-forwarded-for"}, ()) == "X-Forwarded-For"
    assert forwarded_by_untrusted_peer("127.0.0.1", {"forwarded"}, ("10.0.0.0/8",)) == "Forwarded"
    assert forwarded_by_untrusted_peer("127.0.0.1", {"x-forwarded-for"}, ("127.0.0.1",)) is None
    assert forwarded_by_untrusted_peer("203.0.113.9", {"accept"}, ()) is None


@pytest.mark.parametrize("value", ["proxy.internal", "localhost", "127.0.0.1,nginx", "10.0.0.0/33"])
def test_a_trusted_proxy_that_could_never_match_stops_the_service_at_start(value):
    with pytest.raises(SettingsError, match="REFERRALS_TRUSTED_PROXIES.*IP address or network"):
        from_env({"REFERRALS_TRUSTED_PROXIES": value})
    assert from_env({"REFERRALS_TRUSTED_PROXIES": "127.0.0.1, ::1, 10.0.0.0/24"}).trusted_proxies == (
        "127.0.0.1", "::1", "10.0.0.0/24",
    )


def test_the_flood_limit_setting():
    assert (from_env({}).flood_limit_count, from_env({}).flood_limit_window_seconds) == (500, 3600.0)
    s = from_env({"REFERRALS_FLOOD_LIMIT": "50/60"})
    assert (s.flood_limit_count, s.flood_limit_window_seconds) == (50, 60.0)
    assert from_env({"REFERRALS_FLOOD_LIMIT": "0"}).flood_limit_count == 0
    with pytest.raises(SettingsError, match="REFERRALS_FLOOD_LIMIT"):
        from_env({"REFERRALS_FLOOD_LIMIT": "many"})


@pytest.mark.parametrize("name, value", [("MAX_CONNECTIONS", "1"), ("REQUEST_TIMEOUT_SECONDS", "1")])
def test_connection_bounds_too_tight_for_parents_stop_the_service_at_start(name, value):
    with pytest.raises(SettingsError, match=f"REFERRALS_{name} must be at least"):
        from_env({f"REFERRALS_{name}": value})
