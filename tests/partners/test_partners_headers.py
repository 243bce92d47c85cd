"""Host security headers: _headers and the nginx snippet, and no CSP violation in Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest

import partners_helpers  # noqa: F401  (puts plugins/ on sys.path)
from host_headers.policy import headers_for, parse_headers_file, scan, sha256_source

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def rules(built_site):
    return parse_headers_file((built_site / "_headers").read_text(encoding="utf-8"))


def test_every_page_gets_the_security_headers(rules):
    headers = headers_for(rules, "/about/")
    csp = headers["Content-Security-Policy"]
    for directive in ("default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self'",
                      "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "wasm" not in csp
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert int(headers["Strict-Transport-Security"].split("=")[1].split(";")[0]) >= 31536000
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "camera=()" in headers["Permissions-Policy"] and "geolocation=()" in headers["Permissions-Policy"]
    assert headers["X-Frame-Options"] == "DENY"


def test_only_search_allows_webassembly_and_open_referral_allows_any_origin(rules):
    for path in ("/search/", "/pagefind/pagefind-worker.js"):
        assert "'wasm-unsafe-eval'" in headers_for(rules, path)["Content-Security-Policy"]
        assert "unsafe-inline" not in headers_for(rules, path)["Content-Security-Policy"]
    assert headers_for(rules, "/open-referral/services.json")["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in headers_for(rules, "/about/")


def test_nginx_snippet_has_the_same_policy(built_site, rules):
    conf = (built_site / "nginx-security-headers.conf").read_text(encoding="utf-8")
    assert f'add_header Content-Security-Policy "{headers_for(rules, "/")["Content-Security-Policy"]}" always;' in conf
    assert "location = /search/ {" in conf and "location /pagefind/ {" in conf
    assert "location /open-referral/ {" in conf and "try_files $uri $uri.json" in conf
    assert conf.count("{") == conf.count("}")


def test_inline_code_is_found_and_hashed():
    found = scan([("/a", '<script>go()</script><script type="application/ld+json">{}</script>'
                         '<style>p{}</style><p style="color:red" onclick="x()">'
                         '<link rel="icon" href="data:image/svg+xml,x">')])
    assert found.data_images == {"/a"}
    assert found.scripts == {sha256_source("go()")} and found.styles == {sha256_source("p{}")}
    assert found.style_attributes == [("/a", "color:red")] and found.event_handlers == [("/a", "onclick")]


def test_only_the_search_page_has_inline_script_and_only_its_policy_allows_it(built_site, rules):
    from bs4 import BeautifulSoup

    pages = [(f.as_posix(), f.read_text(encoding="utf-8")) for f in built_site.rglob("*.html")
             if "admin" not in f.relative_to(built_site).parts and f != built_site / "search" / "index.html"]
    found = scan(pages)
    assert not (found.scripts or found.styles or found.style_attributes or found.event_handlers)
    soup = BeautifulSoup((built_site / "search" / "index.html").read_text(encoding="utf-8"), "html.parser")
    script = next(s for s in soup.find_all("script") if not s.get("src") and s.get("type") != "application/ld+json")
    digest = sha256_source(script.string)
    assert digest in headers_for(rules, "/search/")["Content-Security-Policy"]
    for path in ("/", "/about/", "/pagefind/pagefind.js"):
        assert "sha256-" not in headers_for(rules, path)["Content-Security-Policy"], path


def is_redirect_page(site: Path, path: str) -> bool:
    file = site / path.lstrip("/")
    file = file / "index.html" if path.endswith("/") else file
    return 'http-equiv="refresh"' in file.read_text(encoding="utf-8")


CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  window.__reportCsp(location.pathname + ': ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline'));
});
"""


def test_no_page_breaks_the_content_security_policy(browser, built_site, headers_server):
    """Every page of the build, served with its own _headers, in Chromium: no violation
    event and no "Refused to ..." console message. The search page also runs a search
    (WebAssembly, a worker and fetches under the policy); the web editor starts up under
    its own policy."""
    pages = sorted("/" + f.relative_to(built_site).as_posix().removesuffix("index.html")
                   for f in built_site.rglob("*.html"))
    violations: list[str] = []
    context = browser.new_context()
    context.expose_function("__reportCsp", lambda text: violations.append(text))
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    page.on("console", lambda m: violations.append(f"{page.url}: {m.text}") if "Refused to" in m.text
            or "Content Security Policy" in m.text else None)
    for path in pages:
        url = headers_server + path.lstrip("/")
        page.goto(url, wait_until="load")
        if is_redirect_page(built_site, path):
            page.wait_for_url(lambda current: current != url)  # a redirect page forwards at once
            page.wait_for_load_state("load")
        if path == "/admin/":  # the web editor starts itself after load
            page.get_by_text("Login with GitHub").wait_for(timeout=60000)
        if path == "/search/":
            page.fill("#search-input", "bond")
            page.press("#search-input", "Enter")
            page.wait_for_selector(".ox-search__result", timeout=60000)
    page.wait_for_timeout(200)
    context.close()
    assert len(pages) > 30
    assert violations == []
