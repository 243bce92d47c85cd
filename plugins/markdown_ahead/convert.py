"""What a build worker runs for one file: Pelican's own Markdown conversion, nothing else."""

from __future__ import annotations

from markdown import Markdown
from pelican.utils import pelican_open


def convert(path: str, config: dict) -> tuple[str, dict | None]:
    """Convert one Markdown file as Pelican's MarkdownReader does (a new ``Markdown(**config)``,
    the file read with ``pelican_open``): its HTML, and its front matter as the ``meta``
    extension left it (field name -> list of lines), or None if there was none."""
    md = Markdown(**config)
    with pelican_open(path) as text:
        html = md.convert(text)
    return html, getattr(md, "Meta", None)
