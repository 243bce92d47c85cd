"""Pure helpers: which section a file belongs to, its template, URL and breadcrumbs, and
what a service page's Areas and Cost fields say (read the same way for schema.org and
Open Referral)."""

from __future__ import annotations

import os
import re

# section -> (template, breadcrumb trail above it as (label, url))
SECTION_RULES = {
    "stories": ("story", [("Home", ""), ("Stories", "stories/")]),
    "news": ("news_post", [("Home", ""), ("News", "news/")]),
    "services": ("service", [("Home", ""), ("Services", "services/")]),
    "pages": ("page", [("Home", "")]),
    # Versions of a page: plugins/languages gives them their English page's trail and address.
    "translations": ("page", [("Home", "")]),
    "easy-read": ("easy_read", [("Home", "")]),
}


def section_of(source_path: str, content_root: str) -> str:
    """The top folder under content/ (stories, news, services or pages)."""
    relative = os.path.relpath(source_path, content_root)
    return relative.split(os.sep, 1)[0]


def nav_key(section: str, url: str) -> str:
    """The menu entry a page belongs to, so the header can mark it as current."""
    if section in ("stories", "news", "services"):
        return f"{section}/"
    top = url.split("/", 1)[0]
    return f"{top}/" if top else ""


def adjacent(items):
    """(previous, next) pairs for a list in reading order."""
    for index, item in enumerate(items):
        previous = items[index - 1] if index > 0 else None
        following = items[index + 1] if index + 1 < len(items) else None
        yield item, previous, following


def areas_of(text: str) -> list[str]:
    """"Oxfordshire" or "Oxford, Didcot and Abingdon" -> ["Oxford", "Didcot", "Abingdon"]."""
    parts = re.split(r",|\band\b", text or "")
    return [p.strip() for p in parts if p.strip()]


def is_free(cost: str) -> bool:
    return (cost or "").strip().lower().startswith("free")
