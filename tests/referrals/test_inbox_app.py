"""The inbox app through Starlette's test client, over HTTPS as in production: headers, sign-in
rules, rate limits, sessions' time-outs, one-time sign-up links, staff removal, CSRF, and
what the JSON holds. (The browser tests drive the same app in Chromium.)"""

from __future__ import annotations

import base64
import re
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pyotp
import pytest
from nacl.public import SealedBox

from referral_helpers import app_client, submit, valid_answers
from referrals import crypto
from referrals.inbox import staff
from referrals.inbox.app import create_app
from referrals.inbox.settings import InboxSettings, check_origin
from referrals.settings import SettingsError
from referrals.stores import open_inbox

ORIGIN = "https://intake.oxpip.example"
PASSWORD = "orchard pebble lantern"


class Clock:
    def __init__(self):
        self.now = datetime.now(timezone.utc)

    def __call__(self):
        return self.now


@contextmanager
def inbox_client(settings, **inbox_options):
    from starlette.testclient import TestClient  # imported late, as referral_helpers does, after the warning filter is set

    app = create_app(settings, InboxSettings(origin=ORIGIN, **inbox_options))
    clock = Clock()
    app.state.inbox.now = clock
    with TestClient(app, base_url=ORIGIN, follow_redirects=False) as client:
        client.headers["Origin"] = ORIGIN
        client.clock = clock
        client.store = app.state.inbox.store
        yield client


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def signed_up(client, staff_id="sam", name="Sam Taylor") -> pyotp.TOTP:
    link = staff.add(client.store, staff_id, name, ORIGIN, 72, client.clock(), "cli:test")
    page = client.get(link.removeprefix(ORIGIN))
    secret = re.search(r'id="totp-secret">([A-Z0-9 ]+)<', page.text).group(1).replace(" ", "")
    totp = pyotp.TOTP(secret)
    done = client.post(link.removeprefix(ORIGIN) + "/password", data={
        "csrf": csrf_of(page.text), "password": PASSWORD, "password_confirm": PASSWORD, "code": totp.at(client.clock())})
    assert done.status_code == 303 and done.headers["location"] == "/sign-in?reason=signed-up", done.text[:300]
    client.clock.now += timedelta(seconds=31)  # the next code
    return totp


def sign_in(client, totp, staff_id="sam", password=PASSWORD, code=None):
    page = client.get("/sign-in")
    return client.post("/sign-in", data={
        "csrf": csrf_of(page.text), "staff_id": staff_id, "password": password,
        "code": totp.at(client.clock()) if code is None else code})


@pytest.fixture
def client(settings, data_dir):
    with inbox_client(settings) as c:
        yield c


def test_every_answer_has_the_inbox_headers(client):
    for path in ("/sign-in", "/", "/robots.txt", "/static/inbox.css", "/no-such-page", "/api/me"):
        response = client.get(path)
        assert response.headers["x-robots-tag"] == "noindex, nofollow, noarchive", path
        csp = response.headers["content-security-policy"]
        assert "script-src 'self' 'wasm-unsafe-eval';" in csp and "style-src 'self';" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
        assert response.headers["cache-control"] == ("no-cache" if path.startswith("/static/") else "no-store"), path
        assert response.headers["strict-transport-security"].startswith("max-age=")
        assert response.headers["referrer-policy"] == "no-referrer"
    assert client.get("/robots.txt").text == "User-agent: *\nDisallow: /\n"
    page = client.get("/sign-in").text
    assert '<meta name="robots" content="noindex, nofollow, noarchive">' in page
    assert "<script>" not in page and "style=" not in page


def test_the_session_cookie_is_secure_httponly_strict_and_host_only(client):
    totp = signed_up(client)
    response = sign_in(client, totp)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-oxpip-inbox=")
    for part in ("HttpOnly", "Secure", "SameSite=strict", "Path=/"):
        assert part in cookie
    assert "Domain" not in cookie
    assert client.get("/").status_code == 200


def test_no_second_factor_no_entry_and_a_code_works_once(client):
    totp = signed_up(client)
    for code, message in (("", "Enter the 6-digit code"), ("12345", "must be the 6 numbers"), ("000000", "not right")):
        if code == "000000" and totp.at(client.clock()) == code:
            code = "111111"
        response = sign_in(client, totp, code=code)
        assert response.status_code == 400 and message in response.text
        assert response.text.count("<title>Error: Sign in") == 1
    assert sign_in(client, totp, password="wrong password here").status_code == 400
    used = totp.at(client.clock())
    assert sign_in(client, totp, code=used).status_code == 303
    client.post("/sign-out", data={"csrf": re.search(r'content="([^"]+)"', client.get("/").text.split('csrf-token')[1]).group(1)})
    again = sign_in(client, totp, code=used)
    assert again.status_code == 400 and "That code was used already" in again.text
    details = [e.detail for e in client.store.audit_trail() if e.action == "sign-in-failed"]
    assert details[-1] == "password and code: code already used" and "password and code: wrong password" in details


def test_sign_in_is_rate_limited_per_account_and_per_address(settings, data_dir):
    with inbox_client(settings, signin_account_limit=3, signin_address_limit=100) as client:
        totp = signed_up(client)
        for _ in range(3):
            assert sign_in(client, totp, password="wrong password here").status_code == 400
        limited = sign_in(client, totp)
        assert limited.status_code == 400 and "Too many sign-in attempts" in limited.text
        client.clock.now += timedelta(minutes=16)
        assert sign_in(client, totp).status_code == 303, "the window passes"
    with inbox_client(settings, signin_address_limit=4) as client:
        totp = signed_up(client, "pat", "Pat")
        for _ in range(4):
            sign_in(client, totp, staff_id="nobody-here")
        limited = sign_in(client, totp, staff_id="pat")
        assert "Too many sign-in attempts" in limited.text


def test_sessions_end_after_the_idle_and_the_absolute_time_out(settings, data_dir):
    with inbox_client(settings, session_idle_minutes=30, session_hours=2) as client:
        totp = signed_up(client)
        assert sign_in(client, totp).status_code == 303
        client.clock.now += timedelta(minutes=29)
        assert client.get("/").status_code == 200
        client.clock.now += timedelta(minutes=31)
        expired = client.get("/api/me")
        assert expired.status_code == 401 and expired.json()["next"] == "/sign-in?reason=expired-idle"
        assert client.get("/").headers["location"] == "/sign-in", "the session is gone"

        client.clock.now += timedelta(seconds=31)
        assert sign_in(client, totp).status_code == 303
        for _ in range(4):  # busy all along
            client.clock.now += timedelta(minutes=25)
            assert client.get("/api/me").status_code == 200
        client.clock.now += timedelta(minutes=25)  # 2 hours and 5 minutes after sign-in
        assert client.get("/").headers["location"] == "/sign-in?reason=expired-absolute"


def test_a_sign_up_link_works_once_and_expires(client):
    link = staff.add(client.store, "lee", "Lee", ORIGIN, 72, client.clock(), "cli:test").removeprefix(ORIGIN)
    assert client.get(link).status_code == 200
    client.clock.now += timedelta(hours=73)
    assert client.get(link).status_code == 404 and "does not work" in client.get(link).text
    fresh = staff.reset(client.store, "lee", ORIGIN, 72, client.clock(), "cli:test").removeprefix(ORIGIN)
    assert client.get(link).status_code == 404, "the old link stays dead"
    page = client.get(fresh)
    secret = re.search(r'id="totp-secret">([A-Z0-9 ]+)<', page.text).group(1).replace(" ", "")
    short = client.post(fresh + "/password", data={"csrf": csrf_of(page.text), "password": "short", "password_confirm": "short", "code": "1"})
    assert short.status_code == 400 and "at least 12 characters" in short.text
    ok = client.post(fresh + "/password", data={
        "csrf": csrf_of(page.text), "password": PASSWORD, "password_confirm": PASSWORD, "code": pyotp.TOTP(secret).at(client.clock())})
    assert ok.status_code == 303
    assert client.get(fresh).status_code == 404, "used"


def test_a_removed_member_is_signed_out_and_cannot_sign_in(client):
    totp = signed_up(client)
    assert sign_in(client, totp).status_code == 303
    client.store.remove_staff("sam", client.clock(), "cli:test")
    assert client.get("/api/me").status_code == 401
    client.clock.now += timedelta(seconds=31)
    assert sign_in(client, totp).status_code == 400


def test_changes_need_the_csrf_token_and_our_own_origin(settings, data_dir, client):
    with app_client(settings) as public:
        assert submit(public, valid_answers()).status_code == 303
    totp = signed_up(client)
    sign_in(client, totp)
    reference = client.get("/api/referrals").json()["referrals"][0]["reference"]
    token = re.search(r'<meta name="csrf-token" content="([^"]+)">', client.get("/").text).group(1)
    url = f"/api/referrals/{reference}/status"
    assert client.post(url, json={"status": "contacted"}).status_code == 403
    assert client.post(url, json={"status": "contacted"}, headers={"X-CSRF-Token": "forged"}).json()["reason"] == "csrf"
    assert client.post(url, json={"status": "contacted"}, headers={"X-CSRF-Token": token, "Origin": "https://evil.example"}).status_code == 403
    assert client.post("/sign-out", data={"csrf": "forged"}).status_code == 403
    ok = client.post(url, json={"status": "contacted"}, headers={"X-CSRF-Token": token})
    assert ok.status_code == 200 and ok.json()["status"] == "contacted"
    assert [e.action for e in client.store.audit_trail(reference)] == ["status"]


def test_the_json_holds_only_sealed_copies_and_metadata_and_notes_must_be_sealed(settings, data_dir, keys, client):
    with app_client(settings) as public:
        assert submit(public, valid_answers(full_name="Json Checkname", location="LS1 4AP")).status_code == 303
    totp = signed_up(client)
    sign_in(client, totp)
    listing = client.get("/api/referrals")
    assert "Checkname" not in listing.text and "LS1" not in listing.text
    (summary,) = listing.json()["referrals"]
    assert set(summary) == {"reference", "received", "received_text", "status", "status_text", "assignee", "assignee_name", "spam", "copies"}
    private = crypto.load_private_key(keys[0])
    (key_id, sealed), = summary["copies"].items()
    assert key_id == crypto.key_id(private.public_key)
    assert crypto.open_sealed(private, base64.b64decode(sealed))["answers"]["full_name"] == "Json Checkname"
    me = client.get("/api/me").json()
    assert me["keys"]["team"]["key_id"] == key_id and "recovery" not in me["keys"]
    token = re.search(r'<meta name="csrf-token" content="([^"]+)">', client.get("/").text).group(1)
    notes = f"/api/referrals/{summary['reference']}/notes"
    plain = client.post(notes, json={"copies": {key_id: base64.b64encode(b"not sealed at all").decode()}}, headers={"X-CSRF-Token": token})
    assert plain.status_code == 400
    wrong_key = client.post(notes, json={"copies": {"000000000000": "AAAA"}}, headers={"X-CSRF-Token": token})
    assert wrong_key.status_code == 400 and "sealed to the team's key" in wrong_key.json()["message"]
    note = SealedBox(private.public_key).encrypt(b'{"text": "sealed in the browser"}')
    added = client.post(notes, json={"copies": {key_id: base64.b64encode(note).decode()}}, headers={"X-CSRF-Token": token})
    assert added.status_code == 200 and len(added.json()["notes"]) == 1
    stored = client.store.notes(summary["reference"])[0]
    assert stored.copies == {key_id: note}


def test_the_inbox_origin_must_be_its_own_and_secure():
    assert check_origin("https://intake.oxpip.org.uk/") == "https://intake.oxpip.org.uk"
    assert check_origin("http://localhost:8001") == "http://localhost:8001"
    for bad, message in (
        ("http://intake.oxpip.org.uk", "must be https://"),
        ("https://www.oxpip.org.uk", "must not be the public form's origin"),
        ("intake.oxpip.org.uk", "is not an origin"),
    ):
        with pytest.raises(SettingsError, match=message):
            check_origin(bad, ("https://www.oxpip.org.uk",))
    assert InboxSettings(origin="http://localhost:8001").rp_id == "localhost"


def test_the_inbox_store_cannot_add_or_delete_referrals():
    import inspect

    from referrals.inbox_store import InboxBase

    public = {n for n in dir(InboxBase) if not n.startswith("_")}
    assert not {"add", "purge", "delete"} & public
    assert all("INSERT INTO referrals" not in line and "DELETE FROM referrals" not in line
               for line in inspect.getsource(InboxBase).splitlines())


def test_open_inbox_on_a_fresh_database(tmp_path):
    store = open_inbox(str(tmp_path / "new.sqlite3"))
    assert store.referrals() == [] and store.staff() == []
    store.close()


def test_each_history_row_is_worded_for_a_person_not_as_stored():
    from referrals.inbox.api import trail_text

    names = {"kim": "Kim Park"}
    assert trail_text("status", "new -> signposted", names) == "Status changed from New to Not for us, signposted"
    assert trail_text("assigned", "to kim", names) == "Assigned to Kim Park"
    assert trail_text("assigned", "to nobody", names) == "Assigned to nobody"
    assert trail_text("assigned", "to sam", names) == "Assigned to sam"  # a removed colleague keeps their id
    assert trail_text("note", "sealed note added", names) == "Note added"
    assert trail_text("export", "CSV of 3", names) == "Downloaded in a spreadsheet: CSV of 3"
    assert trail_text("opened", "", names) == "Opened"
