"""Old addresses land on pages that exist (content/data/redirects.yml)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import partners_helpers  # noqa: F401  (puts plugins/ on sys.path)
from redirects.rules import Redirect, check, netlify_redirects, nginx_map, parse

ROOT = Path(__file__).resolve().parents[2]
REDIRECTS = yaml.safe_load((ROOT / "content/data/redirects.yml").read_text(encoding="utf-8"))["redirects"]


def test_the_redirects_file_lists_old_addresses():
    assert REDIRECTS, "content/data/redirects.yml has no redirects"


@pytest.mark.parametrize("old,new", sorted(REDIRECTS.items()))
def test_every_old_address_lands_on_a_page_that_exists(built_site, old, new):
    target = built_site / new.lstrip("/") / "index.html"
    assert target.is_file(), f"{old} redirects to {new}, but the build has no {new}"
    assert 'name="robots" content="noindex"' not in target.read_text(encoding="utf-8"), \
        f"{old} redirects to {new}, which is itself a redirect page"
    stub = (built_site / old.lstrip("/") / "index.html").read_text(encoding="utf-8")
    refresh = re.search(r'<meta http-equiv="refresh" content="0; url=([^"]+)">', stub)
    assert refresh, f"the redirect page for {old} does not forward"
    # Relative in a local build: resolve it against the old address.
    landed = (built_site / old.lstrip("/") / refresh.group(1)).resolve()
    assert landed == target.parent.resolve(), f"{old} forwards to {refresh.group(1)}, not {new}"
    assert f'<link rel="canonical" href="https://www.oxpip.org.uk{new}">' in stub
    assert f'href="{refresh.group(1)}"' in stub, "the redirect page needs a link for people to follow"
    assert 'name="robots" content="noindex"' in stub


def test_host_files_list_every_redirect(built_site):
    netlify = (built_site / "_redirects").read_text(encoding="utf-8")
    nginx = (built_site / "nginx-redirects.map").read_text(encoding="utf-8")
    for old, new in REDIRECTS.items():
        assert f"{old} {new} 301" in netlify
        assert f"{old.rstrip('/')} {new} 301" in netlify
        assert f'"{old}" "{new}";' in nginx
    assert nginx.count("{") == nginx.count("}")


def test_problems_are_found_before_anything_is_written():
    redirects = parse("redirects:\n  /old/: /missing/\n  /a/: /b/\n  /b/: /c/\n  /same/: /same/\n  /about/: /c/\n")
    pages = {"/about/", "/c/"}
    found = {r.old: message for r, message, _ in check(redirects, pages.__contains__, pages.__contains__)}
    assert "is not a page on the site" in found["/old/"]
    assert "is itself an old address" in found["/a/"]
    assert "redirects to itself" in found["/same/"]
    assert "still a page" in found["/about/"]
    assert "/b/" not in found


def test_host_rules_can_be_forced_and_extended():
    rules = [Redirect("/x/", "/y/", 1)]
    text = netlify_redirects(rules, force=True, extra=[("/api/services", "/api/services.json", 200)])
    assert "/x/ /y/ 301!" in text and "/api/services /api/services.json 200" in text
    assert '"/x" "/y/";' in nginx_map(rules)


def test_old_addresses_that_a_static_host_cannot_serve_get_host_rules_only():
    assert Redirect("/old.php", "/about/", 1).stub_file is None
    assert Redirect("/old.html", "/about/", 1).stub_file == "old.html"
    assert Redirect("/old", "/about/", 1).stub_file == "old/index.html"
