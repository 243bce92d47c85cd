"""Pure helpers: find Markdown admonition blocks in rendered HTML and render components."""

from __future__ import annotations

import re
from dataclasses import dataclass

START = re.compile(r'<div class="admonition ([a-z-]+)">\s*')
TITLE = re.compile(r'^<p class="admonition-title">(.*?)</p>\s*', re.S)
DIV_TAG = re.compile(r"<(/?)div\b")


@dataclass
class Block:
    kind: str
    title: str
    html: str
    start: int
    end: int


def find_blocks(html: str):
    """Yield each top-level ``!!! kind "Title"`` block, matching nested divs correctly."""
    position = 0
    while match := START.search(html, position):
        depth, cursor = 1, match.end()
        for tag in DIV_TAG.finditer(html, cursor):
            depth += -1 if tag.group(1) else 1
            if depth == 0:
                inner = html[match.end():tag.start()]
                title = TITLE.match(inner)
                body = inner[title.end():] if title else inner
                yield Block(match.group(1), title.group(1) if title else "", body.strip(),
                            match.start(), html.index(">", tag.start()) + 1)
                position = html.index(">", tag.start()) + 1
                break
        else:
            return


def heading_id(title: str, used: set) -> str:
    base = "callout-" + (re.sub(r"[^a-z0-9]+", "-", re.sub(r"<[^>]+>", "", title).lower()).strip("-") or "help")
    candidate, number = base, 2
    while candidate in used:
        candidate, number = f"{base}-{number}", number + 1
    used.add(candidate)
    return candidate


def replace_blocks(html: str, render) -> str:
    """Swap each admonition block for ``render(block, used_ids)``, leaving the rest untouched."""
    pieces, position, used = [], 0, set()
    for block in find_blocks(html):
        pieces.append(html[position:block.start])
        pieces.append(render(block, used))
        position = block.end
    pieces.append(html[position:])
    return "".join(pieces)
