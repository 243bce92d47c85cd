"""Changed first: while `make serve` rebuilds, the page a volunteer just edited is written first.

Pelican writes every page on every rebuild, in its own order; at 1,000 stories the page
that was edited could appear seconds after the save. With ``WRITE_CHANGED_FIRST = True``
(scripts/serve.py sets it, with Pelican's content cache, for the rebuilding process), once
every file is read, every plugin has finished with them and Pelican has refreshed their
links (when it asks for its writer: ``get_writer``), the pages of the stories, news posts
and pages whose files changed since the previous build in this process are written at
once; then Pelican writes everything as usual, those pages again with the same bytes. The early writes send no
``content_written`` (search and host headers take each page once, from the normal pass).
The first build of a process, and any build after a change outside content files (a
template, a data file), writes nothing early.
"""

from __future__ import annotations

import os
import time
from functools import partial

from pelican import signals
from pelican.generators import ArticlesGenerator, PagesGenerator
from pelican.writers import Writer

_state: dict = {"started": None, "previous": None}  # this process's builds (ns since the epoch)


class _OnlyChanged:
    """A writer that writes only the pages of the given source files."""

    def __init__(self, writer: Writer, sources: set[str]):
        self.writer, self.sources = writer, sources
        self.written: list[str] = []

    def write_file(self, name, template, context, **kwargs):
        item = kwargs.get("article") or kwargs.get("page")
        if item is not None and getattr(item, "source_path", None) in self.sources:
            self.writer.write_file(name, template, context, **kwargs)
            self.written.append(name)


def _start(pelican) -> None:
    _state["previous"], _state["started"] = _state["started"], time.time_ns()


def changed_since(items, since_ns: int) -> set[str]:
    """The source files among ``items`` modified at or after ``since_ns``."""
    changed = set()
    for item in items:
        try:
            if os.stat(item.source_path).st_mtime_ns >= since_ns:
                changed.add(item.source_path)
        except (OSError, AttributeError, TypeError):
            continue
    return changed


def _keep(generators) -> None:
    _state["generators"] = list(generators)


def _write_changed(pelican) -> None:
    generators, _state["generators"] = _state.get("generators") or [], None
    settings = pelican.settings
    if not settings.get("WRITE_CHANGED_FIRST") or _state["previous"] is None:
        return
    articles = next((g for g in generators if isinstance(g, ArticlesGenerator)), None)
    pages = next((g for g in generators if isinstance(g, PagesGenerator)), None)
    contents = []
    if articles is not None:
        contents += articles.articles + articles.translations + articles.hidden_articles + \
            articles.hidden_translations + articles.drafts + articles.drafts_translations
    if pages is not None:
        contents += pages.pages + pages.translations + pages.hidden_pages + pages.hidden_translations + \
            pages.draft_pages + pages.draft_translations
    changed = changed_since(contents, _state["previous"])
    if not changed:
        return
    only = _OnlyChanged(Writer(pelican.output_path, settings=settings), changed)
    with signals.content_written.muted():
        if articles is not None:
            write = partial(only.write_file, relative_urls=settings["RELATIVE_URLS"])
            articles.generate_articles(write)
            articles.generate_drafts(write)
        if pages is not None:
            with signals.page_writer_finalized.muted():
                pages.generate_output(only)


def register() -> None:
    signals.get_generators.connect(_start)
    signals.all_generators_finalized.connect(_keep)
    signals.get_writer.connect(_write_changed)
