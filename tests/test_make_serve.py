"""`make serve`: what it depends on, and that it sends what the live host sends.

The server under test is scripts/serve.py's own command (``served_site``), over the
session's build: each file of the site must come with exactly the headers that the build
wrote for its path in ``_headers`` (the live host's), the referral service's own pages with
the service's, and the web editor's backend must answer its own site only.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from host_headers.policy import headers_for, parse_headers_file

ROOT = Path(__file__).resolve().parent.parent
SECURITY = ("content-security-policy", "strict-transport-security", "x-content-type-options", "referrer-policy",
            "permissions-policy", "cross-origin-opener-policy", "x-frame-options", "access-control-allow-origin",
            "cross-origin-resource-policy")
PATHS = ["/", "/about/", "/search/", "/search/index.html", "/pagefind/pagefind.js", "/admin/", "/admin/config.js",
         "/open-referral/services.json", "/theme/css/site.css", "/sitemap.xml", "/no-such-page/"]


@pytest.fixture(scope="module")
def host_rules(built_site):
    return parse_headers_file((built_site / "_headers").read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", PATHS)
def test_every_file_of_the_site_gets_exactly_the_live_hosts_headers(served_site, host_rules, path):
    response = httpx.get(served_site.rstrip("/") + path)
    assert response.status_code == (404 if path == "/no-such-page/" else 200)
    want = {name.lower(): value for name, value in headers_for(host_rules, path).items()}
    got = {name: response.headers[name] for name in SECURITY if name in response.headers}
    assert got == want
    assert len(response.headers.get_list("content-security-policy")) == 1, "one policy, not two"
    assert "x-oxpip-host-headers" not in response.headers


def test_the_referral_service_keeps_its_own_headers(served_site):
    """Its pages are proxied to the service in production, which sends its own headers."""
    response = httpx.get(served_site + "get-support/refer-yourself/")
    policy = response.headers.get_list("content-security-policy")
    assert len(policy) == 1 and "form-action 'self'" in policy[0]
    assert response.headers["cache-control"] == "no-store"


def test_the_editor_backend_answers_its_own_site_and_nothing_else(served_site):
    """Another website open in the same browser must not write into content/ through it."""
    api = served_site + "admin/api/v1"
    for headers in ({"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
                    {"Origin": "https://evil.example"}):
        response = httpx.post(api, json={"action": "info"}, headers=headers)
        assert response.status_code == 403, headers
    # Same origin, but the session's server has no backend: a clear answer, not a crash.
    response = httpx.post(api, json={"action": "info"}, headers={"Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 404 and "make serve" in response.json()["error"]


def test_make_serve_installs_the_web_editor_first():
    """On a fresh clone `make serve` runs `npm ci` (node_modules/.installed) before it starts,
    so /admin/ works; and `make publish` too (it ships the editor)."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("serve", "publish"):
        rule = re.search(rf"^{target}:([^#\n]*)", makefile, re.M)
        assert rule and "node_modules/.installed" in rule.group(1).split(), f"make {target} does not run npm ci first"
