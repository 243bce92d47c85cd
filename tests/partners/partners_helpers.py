"""Helpers for the partners, discoverability and impact tests (tests/partners/).

- ``serve_with_headers(folder)``: a built site served on 127.0.0.1 (site_testkit's server)
  with the headers from its own ``_headers`` file on every response (read as Netlify does:
  every matching rule applies, later rules replace earlier values), so browser tests see
  the real policy.
- ``json_ld(html)``, ``read(site, path)``: read a built page.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "plugins") not in sys.path:
    sys.path.insert(0, str(ROOT / "plugins"))

from host_headers.policy import headers_for, parse_headers_file  # noqa: E402
from site_testkit import SiteHandler, serve_directory  # noqa: E402

LIVE = "https://www.oxpip.org.uk"


def json_ld(html: str) -> list[dict]:
    """Every node of every JSON-LD block in a page (the @graph items, flattened)."""
    from bs4 import BeautifulSoup

    nodes = []
    for script in BeautifulSoup(html, "html.parser").find_all("script", type="application/ld+json"):
        data = json.loads(script.string)
        assert data["@context"] == "https://schema.org"
        nodes.extend(data.get("@graph", [data]))
    return nodes


def read(site: Path, path: str) -> str:
    rel = path.lstrip("/")
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    return (site / rel).read_text(encoding="utf-8")


class _HeadersHandler(SiteHandler):
    rules: list = []

    def end_headers(self):
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        for name, value in headers_for(self.rules, path).items():
            self.send_header(name, value)
        super().end_headers()


@contextlib.contextmanager
def serve_with_headers(directory: Path):
    rules = parse_headers_file((directory / "_headers").read_text(encoding="utf-8"))
    with serve_directory(directory, type("Handler", (_HeadersHandler,), {"rules": rules})) as url:
        yield url
