"""Pure helpers: which built pages go into the search index, and their body."""

from __future__ import annotations

import re
from pathlib import Path

NOINDEX = re.compile(r'<meta\s+name="robots"\s+content="[^"]*noindex', re.I)
MAIN_TAG = re.compile(r"<main\b(?![^>]*data-pagefind-body)", re.I)


def searchable(output: Path, skip: list[str]) -> list[tuple[str, str, str]]:
    """(site path, file path relative to output, HTML) of each page to index.

    Left out: files in ``skip`` (404.html, the search page), drafts, the search bundle,
    pages that ask not to be indexed (redirect pages) and pages without a <main>.
    """
    found = []
    for file in sorted(output.rglob("*.html")):
        rel = file.relative_to(output).as_posix()
        if rel in skip or rel.startswith(("drafts/", "pagefind/", "admin/")):
            continue
        html = file.read_text(encoding="utf-8")
        if NOINDEX.search(html[:6000]) or "<main" not in html:
            continue
        url = "/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)
        found.append((url, rel, body_only(html)))
    return found


def body_only(html: str) -> str:
    """Mark <main> as the only part to index (Pagefind's data-pagefind-body), unless the
    template already does. Header, menus, breadcrumbs and footer stay out of results."""
    return MAIN_TAG.sub("<main data-pagefind-body", html, count=1)
