"""Search: a Pagefind index of page bodies, fed to Pagefind while Pelican writes the pages.

base.html asks ``in_search_index()`` (a Jinja global) whether to mark a page's <main> with
data-pagefind-body as it renders it: the pages that visitors read are marked, not
404.html, redirect pages, drafts, later pages of a list or the search page itself.
Pagefind (the binary from the ``pagefind[bin]`` PyPI package) takes only marked pages,
and only their <main>, so menus and footers never match. The bundle is written to
``/pagefind/`` and used only by the search page (/search/). That page's small script
(static/search.js) is given to templates as ``SEARCH_SCRIPT`` and written inline, so the
page needs no extra request; plugins/host_headers allows it by its hash on /search/ only.

How Pagefind is fed (pagefind_feed.py): one ``pagefind --service`` process per build is
handed each page as soon as Pelican has written it (``content_written``), so Pagefind
reads and parses pages on another core while Pelican renders the rest; at ``finalized``
any other HTML file in the output (written by a plugin) is handed over too, and the
bundle is written. With ``BUILD_WORKERS = 0`` (plugins/build_workers) the same pages go
to Pagefind in the same order at ``finalized`` instead: the serial build, whose bundle is
byte-for-byte the same. Without Pagefind, or when it fails, the search index is a content
problem (so `make publish` stops), reported before anything is written where possible.

Settings: SEARCH_INDEX (False skips indexing), SEARCH_SKIP_PATHS.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from jinja2 import pass_context
from markupsafe import Markup
from pelican import signals

import build_workers
from content_problems import report, text_line

from .pagefind_feed import PagefindFeed, html_files
from .pages import indexed

logger = logging.getLogger(__name__)
SCRIPT = Path(__file__).parent / "static" / "search.js"
_state: dict = {}  # this build's Pagefind feed and the pages written so far


UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-component-ui.js", "pagefind-component-ui.css",
          "pagefind-modular-ui.js", "pagefind-modular-ui.css", "pagefind-highlight.js")


def pagefind_binary() -> Path:
    """The Pagefind binary from PyPI (pagefind[bin]); PAGEFIND_BINARY_PATH overrides it."""
    from pagefind.service import get_executable

    binary = get_executable()
    if binary is None or not Path(binary).is_file():
        raise FileNotFoundError(f"no Pagefind binary{f' at {binary}' if binary else ''} (the pagefind[bin] package)")
    return Path(binary)


def start_index(output: Path) -> PagefindFeed:
    """A Pagefind process ready to index pages written under ``output`` into
    ``output/pagefind``. Raises FileNotFoundError without a Pagefind binary."""
    return PagefindFeed(pagefind_binary(), output, output / "pagefind", language="en")


def finish_index(feed: PagefindFeed, sent: set[str]) -> int:
    """Hand over the HTML files in the output that were not sent yet (written by plugins,
    or left from an earlier build), write the bundle; the number of pages indexed."""
    bundle = feed.bundle
    for path in html_files(feed.output):
        if path not in sent:
            feed.add(path)
    if bundle.exists():
        shutil.rmtree(bundle)
    count = feed.finish()
    for name in UNUSED:  # Pagefind's own UIs: our search page has its own script
        (bundle / name).unlink(missing_ok=True)
    return count


def build_index(output: Path) -> int:
    """Index every HTML file already in ``output`` (in a stable order); the page count."""
    return finish_index(start_index(output), set())


@pass_context
def in_search_index(ctx, public: bool) -> bool:
    """For base.html: whether the page being rendered goes into the search index; ``public``
    is seo_meta()'s answer for the page."""
    if not ctx.get("SEARCH_INDEX", True):
        return False
    list_page = ctx.get("articles_page")
    return indexed(ctx.get("output_file"), public=bool(public),
                   list_page=list_page.number if list_page is not None else 1,
                   skip=list(ctx.get("SEARCH_SKIP_PATHS") or []))


def _setup(pelican) -> None:
    text = SCRIPT.read_text(encoding="utf-8")
    if "</script" in text.lower():
        raise ValueError("plugins/search/static/search.js must not contain '</script'")
    pelican.settings["SEARCH_SCRIPT"] = Markup(text)
    pelican.settings.setdefault("JINJA_GLOBALS", {})["in_search_index"] = in_search_index


REQUIREMENTS = Path(__file__).resolve().parents[2] / "requirements.txt"


def _missing_index(message: str) -> None:
    """Site search without its index is a problem like a content problem: `make publish` fails."""
    report(str(REQUIREMENTS), "pagefind", f"the search index (/pagefind/) cannot be made: {message}",
           "Run `make publish` (it installs what the build needs) or `.venv/bin/pip install -r requirements.txt`, "
           "then build again", line=text_line(str(REQUIREMENTS), "pagefind"))


def _check_installed(pelican) -> None:
    """Before anything is written: is the Pagefind binary there?"""
    if pelican.settings.get("SEARCH_INDEX", True) and not pelican.settings.get("CONTENT_CHECK_ONLY"):
        try:
            pagefind_binary()
        except (FileNotFoundError, ImportError) as error:
            _missing_index(f"Pagefind is not installed ({error})")


def _new_run(pelican) -> None:
    """Each build (and each `make serve` rebuild) starts a new index."""
    feed = _state.pop("feed", None)
    if isinstance(feed, PagefindFeed):
        feed.stop()  # the last build stopped before finishing
    _state.update(settings=pelican.settings, output=Path(pelican.output_path), sent=[], feed=None,
                  live=build_workers.count(pelican.settings) > 0)


def _feed() -> PagefindFeed | Exception:
    if _state.get("feed") is None:
        try:
            _state["feed"] = start_index(_state["output"])
        except (OSError, ImportError) as error:  # no Pagefind (FileNotFoundError), or it cannot start
            _state["feed"] = error
    return _state["feed"]


def _written(path, context=None) -> None:
    """A page is written: Pagefind reads it now, beside Pelican (or at the end, serially)."""
    if "output" not in _state or not _state["settings"].get("SEARCH_INDEX", True) or not path.endswith(".html"):
        return
    _state["sent"].append(os.path.abspath(path))
    if _state["live"]:
        feed = _feed()
        if isinstance(feed, PagefindFeed):
            feed.add(os.path.abspath(path))


def _run(pelican) -> None:
    settings = pelican.settings
    output = Path(pelican.output_path)
    if not settings.get("SEARCH_INDEX", True) or "output" not in _state:
        return
    sent = _state["sent"]
    feed = _feed()
    if isinstance(feed, PagefindFeed) and not _state["live"]:
        for path in sent:
            feed.add(path)
    _state["feed"] = None
    try:
        if isinstance(feed, Exception):
            raise feed
        count = finish_index(feed, set(sent))
    except (FileNotFoundError, ImportError):
        return  # reported by _check_installed, before anything was written
    except (OSError, RuntimeError) as error:
        _missing_index(str(error))
        return
    logger.info("search: indexed %d pages into %s/pagefind/", count, output)


def register() -> None:
    signals.initialized.connect(_setup)
    signals.get_generators.connect(_check_installed)
    signals.get_generators.connect(_new_run)
    signals.content_written.connect(_written)
    signals.finalized.connect(_run)
