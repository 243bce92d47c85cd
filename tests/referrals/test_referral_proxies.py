"""Every failure path behind the documented proxies: the parent sees our page with the phone
number, and wherever the service is alive, every answer kept.

The real nginx and Caddy run the configs of docs/referrals.md (proxies.py) in front of the
real `python -m referrals serve`, and a parent's requests go through them: service up,
service up with its database failing (its own 503 must pass through, not be replaced),
service stopped, service frozen (SIGSTOP: the proxy times out), a body over the service's
limit and over the proxy's, and a proxy the service was not told to trust (issue 11.6).
Issue 11.1's input: the old nginx config answered a POST with "405 Not Allowed".
"""

from __future__ import annotations

import os
import signal
import socket
import threading
from urllib.parse import urlencode

import httpx
import pytest
from playwright.sync_api import expect

from proxies import PROXIES
from referral_helpers import db_rows, form_token, free_port, serve_env, start_server, valid_answers
from referrals.form_definition import PAGE_PATH, RECEIVED_PATH
from site_testkit import ARTIFACTS

PHONE = 'href="tel:+441865000000"'
ANSWERS = dict(full_name="Mariam Keptname", safe_times="After 3pm, not Fridays", worries="I feel far from my baby.")


@pytest.fixture(scope="module", params=sorted(PROXIES))
def proxy(request, tmp_path_factory, referral_site):
    """One proxy per kind for the module, always in front of the same service port."""
    folder = tmp_path_factory.mktemp(f"proxy-{request.param}")
    service_port = free_port()
    running = PROXIES[request.param](folder / "proxy", referral_site, service_port)
    running.service_port = service_port
    yield running
    running.stop()


@pytest.fixture
def service(proxy, tmp_path, referral_site, keys):
    """`python -m referrals serve` on the proxy's service port; its settings as documented."""
    servers = []

    def start(database=None, healthy=True, **settings):
        (tmp_path / "data").mkdir(exist_ok=True)
        env = serve_env(proxy.service_port, database or tmp_path / "data" / "referrals.sqlite3", keys[1], referral_site,
                        **{"allowed_origins": proxy.url, "trusted_proxies": "127.0.0.1,::1", **settings})
        server = start_server(["serve", "--port", str(proxy.service_port)], env, tmp_path / f"service-{len(servers)}.log",
                              proxy.service_port, healthy=healthy)
        server.database = database or tmp_path / "data" / "referrals.sqlite3"
        servers.append(server)
        return server

    yield start
    for server in servers:
        if server.proc.poll() is None:
            os.killpg(server.proc.pid, signal.SIGCONT)
        server.stop()


def parent(proxy) -> httpx.Client:
    return httpx.Client(base_url=proxy.url, headers={"Origin": proxy.url}, timeout=30, follow_redirects=False)


def assert_our_unavailable_page(response, proxy):
    """The built "not working" page: the site's own page, the phone number, no proxy page."""
    text = response.text
    assert "Sorry, our online form is not working" in text, f"{proxy.name} answered {response.status_code}:\n{text[:500]}"
    assert "Your referral has not been sent" in text and PHONE in text
    assert "Not Allowed" not in text and "nginx" not in text.lower() and "caddy" not in text.lower()
    assert 'class="ox-header' in text or "ox-header" in text, "in the site's look"


def test_a_parent_sends_a_referral_through_the_proxy(proxy, service):
    server = service()
    with parent(proxy) as http:
        page = http.get(PAGE_PATH)
        assert page.status_code == 200 and 'name="form_token"' in page.text
        sent = http.post(PAGE_PATH, data={**valid_answers(), "form_token": form_token(page.text)})
        assert sent.status_code == 303, sent.text[:500]
        received = http.get(sent.headers["location"])
        reference = sent.headers["location"].rsplit("=", 1)[1]
        assert received.status_code == 200 and reference in received.text
        assert http.get("/healthz").json() == {"status": "ok"}
    assert len(db_rows(str(server.database))) == 1


def test_the_services_own_503_keeps_every_answer_through_the_proxy(proxy, service, tmp_path):
    """Issue 11.1 (database case): nginx used to replace this page with a static one, or 405."""
    service(database=tmp_path / "not-there" / "referrals.sqlite3", healthy=False)
    with parent(proxy) as http:
        token = form_token(http.get(PAGE_PATH).text)
        response = http.post(PAGE_PATH, data={**valid_answers(**ANSWERS), "form_token": token})
    assert response.status_code == 503
    assert "Sorry, there is a problem with the service" in response.text
    for value in ANSWERS.values():
        assert value in response.text, f"{value!r} was not kept"
    assert PHONE in response.text


def test_service_stopped_every_path_shows_our_page_with_the_phone_number(proxy, service):
    """Issue 11.1: the service stopped, a parent posts: nginx answered "405 Not Allowed".
    Every path the proxy sends to the service gets a page of ours (feedback too)."""
    service().stop()
    with parent(proxy) as http:
        posted = http.post(PAGE_PATH, data=valid_answers(**ANSWERS))
        shown = http.get(PAGE_PATH)
        confirmed = http.get(f"{RECEIVED_PATH}?ref=7KQ2-M9XD")
        feedback = http.post("/feedback/", data={"page": "/get-support/", "helpful": "yes", "comment": "Kept?"})
    assert posted.status_code == 502, posted.status_code
    assert_our_unavailable_page(posted, proxy)
    assert shown.status_code == 502
    assert_our_unavailable_page(shown, proxy)
    assert "Referral sent" in confirmed.text, "a referral that was stored is not called unsent"
    assert "not working" not in confirmed.text
    assert feedback.status_code == 502
    assert "Sorry, we cannot take your answer right now" in feedback.text and "it was not saved" in feedback.text
    assert "Not Allowed" not in feedback.text and "Bad Gateway" not in feedback.text


def test_service_frozen_the_proxy_gives_up_with_our_page(proxy, service):
    server = service()
    with parent(proxy) as http:
        token = form_token(http.get(PAGE_PATH).text)
        os.killpg(server.proc.pid, signal.SIGSTOP)
        try:
            response = http.post(PAGE_PATH, data={**valid_answers(), "form_token": token})
        finally:
            os.killpg(server.proc.pid, signal.SIGCONT)
    assert response.status_code == 504, response.status_code
    assert_our_unavailable_page(response, proxy)


def test_bodies_over_each_limit(proxy, service):
    """Over the service's 64 KiB: the service's own page. Over the proxy's 128 KiB: ours."""
    service()
    with parent(proxy) as http:
        over_service = http.post(PAGE_PATH, data=valid_answers(worries="x" * 80_000))
    over_proxy = post_reading_as_it_sends(proxy, urlencode(valid_answers(worries="x" * 200_000)).encode())
    assert over_service.status_code == 413
    assert "Sorry, we could not read the form" in over_service.text and PHONE in over_service.text
    # Caddy 2.6 meets request_body's limit while streaming the body on, and reports it as 502.
    assert over_proxy.status_code == (413 if proxy.name == "nginx" else 502)
    assert_our_unavailable_page(over_proxy, proxy)


def post_reading_as_it_sends(proxy, body: bytes) -> httpx.Response:
    """POST the way a browser does: read the answer while still sending. A proxy answers a
    body over its limit before it has read the rest, then closes; a client that reads only
    after sending everything (httpx) can lose that answer to the connection reset."""
    head = (
        f"POST {PAGE_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{proxy.port}\r\nOrigin: {proxy.url}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=30) as conn:
        def send():
            try:
                conn.sendall(head + body)
            except OSError:
                pass  # the proxy stopped reading: it has answered

        sender = threading.Thread(target=send)
        sender.start()
        received = bytearray()
        try:
            while chunk := conn.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
        sender.join(30)
    status_line, _, rest = bytes(received).partition(b"\r\n")
    headers, _, content = rest.partition(b"\r\n\r\n")
    return httpx.Response(int(status_line.split()[1]), content=content)


def test_an_untrusted_proxy_turns_no_parent_away(proxy, service):
    """Issue 11.6 behind the real proxy: REFERRALS_TRUSTED_PROXIES unset, 25 posts."""
    server = service(trusted_proxies="", rate_limit="20/600")
    with parent(proxy) as http:
        statuses = []
        for n in range(25):
            token = form_token(http.get(PAGE_PATH).text)
            statuses.append(http.post(PAGE_PATH, data={**valid_answers(full_name=f"Parent {n}"), "form_token": token}).status_code)
        health = http.get("/healthz")
    assert statuses == [303] * 25
    flags = [r[0] for r in db_rows(str(server.database), "SELECT flags FROM referrals ORDER BY rowid")]
    assert flags == [""] * 20 + ["rate-limit"] * 5
    assert health.status_code == 200 and "REFERRALS_TRUSTED_PROXIES" in " ".join(health.json()["warnings"])
    assert server.log().count("SETTINGS PROBLEM") == 1


def test_healthz_answers_this_machine_only(proxy, service):
    """127.0.0.2 is on this machine's loopback too, but is not the allowed 127.0.0.1."""
    service()
    elsewhere = httpx.HTTPTransport(local_address="127.0.0.2")
    with httpx.Client(base_url=proxy.url, transport=elsewhere, timeout=30) as http:
        assert http.get("/healthz").status_code == 403
    assert httpx.get(f"{proxy.url}/healthz", timeout=30).json() == {"status": "ok"}


def test_a_parent_in_chromium_sees_our_page_when_the_service_stops_mid_form(proxy, service, browser):
    server = service()
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(f"{proxy.url}{PAGE_PATH}")
        page.get_by_label("Your full name").fill("Zoë Ødegård")
        server.stop()  # the service goes down while she types
        page.get_by_label("Phone number").fill("07700 900 982")
        page.get_by_role("button", name="Send referral").click()
        expect(page.locator("h1")).to_have_text("Sorry, our online form is not working")
        expect(page.get_by_text("Your referral has not been sent")).to_be_visible()
        call = page.locator(f"main a[{PHONE}]")
        expect(call).to_be_visible()
        expect(call).to_have_text("01865 000000")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"referral-service-down-{proxy.name}-390.png"), full_page=True)
    finally:
        context.close()


@pytest.mark.parametrize("code", ["pl", "ar"])
def test_the_form_in_another_language_goes_through_the_proxy_and_fails_in_it(proxy, service, code):
    """/pl/get-support/refer-yourself/ reaches the service (answered in Polish, confirmed in
    Polish); with the service stopped, the Polish "not working" page, not the English one."""
    path, received = f"/{code}{PAGE_PATH}", f"/{code}{RECEIVED_PATH}"
    server = service()
    with parent(proxy) as http:
        page = http.get(path)
        assert page.status_code == 200 and f'lang="{code}"' in page.text and 'name="form_token"' in page.text
        sent = http.post(path, data={**valid_answers(), "form_token": form_token(page.text)})
        assert sent.status_code == 303 and sent.headers["location"].startswith(f"{received}?ref="), sent.text[:300]
        confirmed = http.get(sent.headers["location"])
        assert confirmed.status_code == 200 and f'lang="{code}"' in confirmed.text
    server.stop()
    with parent(proxy) as http:
        posted = http.post(path, data=valid_answers(**ANSWERS))
        shown_received = http.get(f"{received}?ref=7KQ2-M9XD")
    assert posted.status_code == 502
    assert f'lang="{code}"' in posted.text and PHONE in posted.text
    assert "Sorry, our online form is not working" not in posted.text, "the English page was shown"
    assert f'lang="{code}"' in shown_received.text and "not working" not in shown_received.text
