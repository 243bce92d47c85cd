"""Pure helpers: which built pages go into the search index, and their body."""

from __future__ import annotations

import re
from pathlib import Path

NOINDEX_BYTES = re.compile(rb'<meta\s+name="robots"\s+content="[^"]*noindex', re.I)
MAIN_TAG = re.compile(r"<main\b(?![^>]*data-pagefind-body)", re.I)
BODY_MARK = b"data-pagefind-body"
MARKED_MAIN = re.compile(rb'(<main\b[^>]*?)\s+data-pagefind-body(?:="[^"]*")?', re.I)


def left_out(rel: str, skip: list[str]) -> bool:
    """Whether a file (path relative to output) is never indexed: files in ``skip``
    (404.html, the search page), drafts, the admin and the search bundle itself."""
    return rel in skip or rel.startswith(("drafts/", "pagefind/", "admin/"))


def mark_output(output: Path, skip: list[str]) -> int:
    """Get the written site ready for Pagefind in place; returns how many pages it will index.

    The templates mark each page's <main> with ``data-pagefind-body``; Pagefind then
    indexes only those pages, and only their <main>. Pages that must stay out of the index
    (``skip``, drafts, the admin, pages that ask not to be indexed such as redirect pages)
    have the mark taken off again, so they are left out just as before.
    """
    count = 0
    for file in sorted(output.rglob("*.html")):
        rel = file.relative_to(output).as_posix()
        if rel.startswith("pagefind/"):
            continue
        data = file.read_bytes()
        if BODY_MARK not in data:
            continue
        if left_out(rel, skip) or NOINDEX_BYTES.search(data[:6000]):
            file.write_bytes(MARKED_MAIN.sub(rb"\1", data))
            continue
        count += 1
    return count


def body_only(html: str) -> str:
    """Mark <main> as the only part to index (Pagefind's data-pagefind-body), unless the
    template already does. Header, menus, breadcrumbs and footer stay out of results."""
    return MAIN_TAG.sub("<main data-pagefind-body", html, count=1)
