"""Pure helpers: where a translation or an Easy Read page is published, and which pages
are versions of one another.

A translation is ``content/translations/<lang>/<name>.md`` with ``Lang: pl`` and
``Translation_of: get-support`` (the English file's name in content/pages/ or
content/services/, without .md). It is published at the English page's address with the
language in front: /get-support/ -> /pl/get-support/, /get-support/refer-yourself/ ->
/pl/get-support/refer-yourself/, the home page -> /pl/. Partners can link to that address
and it never changes, because the English page's address does not.

An Easy Read page is ``content/easy-read/<name>.md`` with ``Easy_read_of: get-support``,
published at /easy-read/get-support/.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from content_checks.frontmatter import read

TRANSLATIONS = "translations"  # content/translations/<lang>/*.md
EASY_READ = "easy-read"  # content/easy-read/*.md, published under /easy-read/
TRANSLATABLE = ("pages", "services")  # the sections whose pages can have versions


@dataclass(frozen=True)
class Original:
    """An English page other versions can point at: its file, slug and address."""

    name: str  # the file name without .md ("get-support")
    path: str  # content/pages/get-support.md
    section: str
    slug: str
    url: str  # "get-support/", "" for the home page
    save_as: str  # "get-support/index.html"
    template: str  # its Template:, or ""
    status: str  # its Status:, or ""


def _address(section: str, slug: str, fields) -> tuple[str, str]:
    """The URL and file an English page is written to (the site's PAGE_URL rule, the
    services folder, or its own URL/Save_as lines)."""
    url = fields.value("url")
    save_as = fields.value("save_as")
    if section == "services":
        default_url = f"services/{slug}/"
    else:
        default_url = f"{slug}/"
    if url is None and save_as is None:
        return default_url, default_url + "index.html"
    url = (url or "").strip()
    save_as = (save_as or "").strip() or (url + "index.html" if url.endswith("/") or not url else url)
    return url, save_as


def scan_originals(content_root: str | Path) -> dict[str, Original]:
    """Every page that may be translated, by file name (and by slug, if it differs)."""
    found: dict[str, Original] = {}
    root = Path(content_root)
    for section in TRANSLATABLE:
        for path in sorted((root / section).glob("*.md")):
            try:
                src = read(str(path))
            except (OSError, UnicodeDecodeError):
                continue
            slug = (src.value("slug") or path.stem).strip()
            url, save_as = _address(section, slug, src)
            original = Original(path.stem, str(path), section, slug, url, save_as,
                                (src.value("template") or "").strip(), (src.value("status") or "").strip().lower())
            found.setdefault(path.stem, original)
            found.setdefault(slug, original)
    return found


def version_folder(source_path: str, content_root: str) -> tuple[str, str] | None:
    """("translations", "pl") or ("easy-read", "") for a file of those folders, else None."""
    relative = os.path.relpath(source_path, content_root).replace(os.sep, "/")
    parts = relative.split("/")
    if parts[0] == TRANSLATIONS:
        return TRANSLATIONS, parts[1] if len(parts) > 2 else ""
    if parts[0] == EASY_READ:
        return EASY_READ, ""
    return None


def translated_address(lang: str, original: Original) -> tuple[str, str]:
    """(url, save_as) of a translation: the English page's address under /<lang>/."""
    return f"{lang}/{original.url}", f"{lang}/{original.save_as}"


def easy_read_address(original: Original) -> tuple[str, str]:
    url = f"{EASY_READ}/{original.url}" if original.url else f"{EASY_READ}/"
    return url, url + "index.html"
