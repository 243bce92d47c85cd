"""Search: a Pagefind index of page bodies, built after the site.

base.html asks ``in_search_index()`` (a Jinja global) whether to mark a page's <main> with
data-pagefind-body as it renders it: the pages that visitors read are marked, not
404.html, redirect pages, drafts, later pages of a list or the search page itself. After
every build (``finalized``), Pagefind (the binary from the ``pagefind[bin]`` PyPI package)
indexes the written site in place; it takes only marked pages, and only their <main>, so
menus and footers never match. The bundle is written to ``/pagefind/`` and used only by
the search page (/search/). That page's small script (static/search.js) is given to
templates as ``SEARCH_SCRIPT`` and written inline, so the page needs no extra request;
plugins/host_headers allows it by its hash on /search/ only.

Settings: SEARCH_INDEX (False skips indexing), SEARCH_SKIP_PATHS.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
from pathlib import Path

from jinja2 import pass_context
from markupsafe import Markup
from pelican import signals

from content_problems import report, text_line

from .pages import indexed

logger = logging.getLogger(__name__)
SCRIPT = Path(__file__).parent / "static" / "search.js"


UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-component-ui.js", "pagefind-component-ui.css",
          "pagefind-modular-ui.js", "pagefind-modular-ui.css", "pagefind-highlight.js")


def pagefind_binary() -> Path:
    """The Pagefind binary from PyPI (pagefind[bin]); PAGEFIND_BINARY_PATH overrides it."""
    from pagefind.service import get_executable

    binary = get_executable()
    if binary is None or not Path(binary).is_file():
        raise FileNotFoundError(f"no Pagefind binary{f' at {binary}' if binary else ''} (the pagefind[bin] package)")
    return Path(binary)


def build_index(output: Path) -> int:
    """Index the built site in ``output`` into ``output/pagefind``; returns the page count.

    The written pages are indexed where they are, in one run of the Pagefind binary (a
    fraction of a second; the Python API's one-call-per-page service is ten times slower).
    """
    bundle = output / "pagefind"
    if bundle.exists():
        shutil.rmtree(bundle)
    result = subprocess.run(
        [str(pagefind_binary()), "--site", str(output.resolve()), "--output-path", str(bundle.resolve()),
         "--force-language", "en", "--quiet"],
        capture_output=True, text=True, timeout=120)
    if result.returncode != 0 or not (bundle / "pagefind.js").is_file():
        raise RuntimeError(f"Pagefind failed ({result.returncode}): {(result.stderr or result.stdout)[-2000:]}")
    for name in UNUSED:  # Pagefind's own UIs: our search page has its own script
        (bundle / name).unlink(missing_ok=True)
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    return sum(language.get("page_count", 0) for language in entry.get("languages", {}).values())


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


def _run(pelican) -> None:
    settings = pelican.settings
    output = Path(pelican.output_path)
    if not settings.get("SEARCH_INDEX", True):
        return
    try:
        count = build_index(output)
    except (FileNotFoundError, ImportError):
        return  # reported by _check_installed, before anything was written
    except RuntimeError as error:
        _missing_index(str(error))
        return
    logger.info("search: indexed %d pages into %s/pagefind/", count, output)


def register() -> None:
    signals.initialized.connect(_setup)
    signals.get_generators.connect(_check_installed)
    signals.finalized.connect(_run)
