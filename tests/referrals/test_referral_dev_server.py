"""`python -m referrals dev` (what `make serve` runs): site and form on one origin."""

import time

import httpx

from referrals.crypto import load_private_key, load_public_key, key_id


def test_dev_serves_the_site_and_the_form_on_one_origin(dev_server):
    with httpx.Client(base_url=dev_server.url) as http:
        home = http.get("/")
        assert home.status_code == 200 and "<main" in home.text
        css = http.get("/theme/css/site.css")
        assert css.status_code == 200 and css.headers["x-content-type-options"] == "nosniff"
        missing = http.get("/no-such-page/")
        assert missing.status_code == 404 and "<main" in missing.text, "the site's own 404 page"
        form = http.get("/get-support/refer-yourself/")
        assert form.headers["cache-control"] == "no-store"
        assert 'name="form_token" value=""' not in form.text, "the service put a token in"
        assert http.get("/healthz").json() == {"status": "ok"}


def test_dev_makes_a_clearly_labelled_development_key_pair_and_says_where(dev_server):
    keys = dev_server.data_dir / "dev-keys"
    private = keys / "DEVELOPMENT-ONLY-private.key"
    public = keys / "DEVELOPMENT-ONLY-public.key"
    assert key_id(load_private_key(private).public_key) == key_id(load_public_key(public))
    assert oct(private.stat().st_mode & 0o777) == "0o600"
    assert f"DEVELOPMENT-ONLY private key: {private}" in dev_server.log()
    assert (dev_server.data_dir / "referrals-dev.sqlite3").exists()


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"  # Chromium's, for a page


def test_the_inbox_opened_at_127_0_0_1_moves_to_localhost_where_passkeys_work(dev_server):
    """uvicorn announces http://127.0.0.1:PORT; a passkey cannot be made for an IP address."""
    inbox_port = dev_server.inbox_port
    with httpx.Client(follow_redirects=False) as http:
        deadline = time.monotonic() + 30  # the inbox starts beside the site
        while True:
            try:
                http.get(f"http://127.0.0.1:{inbox_port}/healthz", headers={"Host": f"localhost:{inbox_port}"})
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the inbox did not start"
                time.sleep(0.1)
        for host in ("127.0.0.1", "[::1]"):
            moved = http.get(f"http://127.0.0.1:{inbox_port}/sign-in?next=%2F",
                             headers={"Host": f"{host}:{inbox_port}", "Accept": BROWSER_ACCEPT})
            assert moved.status_code == 308, host
            assert moved.headers["location"] == f"http://localhost:{inbox_port}/sign-in?next=%2F"
        page = http.get(f"http://127.0.0.1:{inbox_port}/sign-in",
                        headers={"Host": f"localhost:{inbox_port}", "Accept": BROWSER_ACCEPT})
        assert page.status_code == 200 and "Sign in" in page.text
        health = http.get(f"http://127.0.0.1:{inbox_port}/healthz")  # a health check is answered where it asks
        assert health.status_code == 200
