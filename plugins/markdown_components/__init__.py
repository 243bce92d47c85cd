"""Markdown components: lets volunteers use the theme's callouts without writing HTML.

    !!! care-immediate "Call 999 now if"
        - you or your baby are in danger

becomes the theme's care callout, rendered by the same Jinja macro the templates use.
Kinds: care-immediate, care-urgent, inset, and action (a link shown as a button:
``!!! action`` with one indented Markdown link under it).
"""

from __future__ import annotations

import os
import re

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from pelican import signals

from content_problems import report, text_line

from .components import heading_id, replace_blocks

KINDS = ("care-immediate", "care-urgent", "inset", "action")
LINK = re.compile(r'<a href="([^"]+)"[^>]*>(.*?)</a>', re.S)
_env: dict = {}


def _setup(pelican) -> None:
    templates = os.path.join(pelican.settings["THEME"], "templates")
    _env["jinja"] = Environment(loader=FileSystemLoader(templates), autoescape=select_autoescape())


def _macro(template: str, name: str):
    return getattr(_env["jinja"].get_template(f"components/{template}.html").module, name)


def _render_block(source: str):
    def render(block, used_ids) -> str:
        body = Markup(block.html)
        if block.kind == "inset":
            return str(_macro("inset_text", "inset_text")({"html": body}))
        if block.kind == "action":
            link = LINK.search(block.html)
            if link:
                return str(_macro("button", "button")({"href": Markup(link.group(1)), "text": Markup(link.group(2))}))
            report(source, "body", "'!!! action' has no link under it",
                   "Indent one Markdown link under it, like [Refer yourself](...)", line=text_line(source, "!!! action"))
            return body
        if block.kind in ("care-immediate", "care-urgent"):
            return str(_macro("care_callout", "care_callout")({
                "heading": Markup(block.title) if block.title else "Get help",
                "html": body,
                "urgency": block.kind.split("-", 1)[1],
                "id": heading_id(block.title, used_ids),
            }))
        report(source, "body", f"'!!! {block.kind}' is not a known callout",
               f"Use one of: {', '.join('!!! ' + k for k in KINDS)}", line=text_line(source, f"!!! {block.kind}"))
        return body

    return render


def _transform(content) -> None:
    html = getattr(content, "_content", None)
    if html and 'class="admonition' in html:
        content._content = replace_blocks(html, _render_block(content.source_path or ""))


def register() -> None:
    signals.initialized.connect(_setup)
    signals.content_object_init.connect(_transform)
