"""Search: a Pagefind index of page bodies, built after the site.

After every build (``finalized``), Pagefind (the binary from the ``pagefind[bin]`` PyPI
package) indexes the written site in place: the pages that visitors read (not 404.html,
redirect pages, drafts or the search page itself). Only each page's <main> (marked
data-pagefind-body in theme/templates/base.html) is indexed, so menus and footers never
match. The bundle is written to ``/pagefind/`` and used only by the search page (/search/). That page's small script (static/search.js) is
given to templates as ``SEARCH_SCRIPT`` and written inline, so the page needs no extra
request; plugins/host_headers allows it by its hash on /search/ only.

Settings: SEARCH_INDEX (False skips indexing), SEARCH_SKIP_PATHS.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

from markupsafe import Markup
from pelican import signals

from .pages import mark_output

logger = logging.getLogger(__name__)
SCRIPT = Path(__file__).parent / "static" / "search.js"


UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-component-ui.js", "pagefind-component-ui.css",
          "pagefind-modular-ui.js", "pagefind-modular-ui.css", "pagefind-highlight.js")


def pagefind_binary() -> Path:
    """The Pagefind binary from PyPI (pagefind[bin]); PAGEFIND_BINARY_PATH overrides it."""
    from pagefind.service import get_executable

    binary = get_executable()
    if binary is None:
        raise FileNotFoundError("no Pagefind binary (the pagefind[bin] package)")
    return Path(binary)


def build_index(output: Path, skip: list[str]) -> int:
    """Index the built site in ``output`` into ``output/pagefind``; returns the page count.

    The written pages are indexed where they are, in one run of the Pagefind binary (a
    fraction of a second; the Python API's one-call-per-page service is ten times slower).
    The templates mark <main> with data-pagefind-body, so Pagefind indexes only the pages
    that have it, and only their <main>; ``mark_output`` takes the mark off the pages that
    must stay out (404.html, the search page, drafts, redirect pages, the admin).
    """
    bundle = output / "pagefind"
    if bundle.exists():
        shutil.rmtree(bundle)
    count = mark_output(output, skip)
    result = subprocess.run(
        [str(pagefind_binary()), "--site", str(output.resolve()), "--output-path", str(bundle.resolve()),
         "--force-language", "en", "--quiet"],
        capture_output=True, text=True, timeout=120)
    if result.returncode != 0 or not (bundle / "pagefind.js").is_file():
        raise RuntimeError(f"Pagefind failed ({result.returncode}): {(result.stderr or result.stdout)[-2000:]}")
    for name in UNUSED:  # Pagefind's own UIs: our search page has its own script
        (bundle / name).unlink(missing_ok=True)
    return count


def _setup(pelican) -> None:
    text = SCRIPT.read_text(encoding="utf-8")
    if "</script" in text.lower():
        raise ValueError("plugins/search/static/search.js must not contain '</script'")
    pelican.settings["SEARCH_SCRIPT"] = Markup(text)


def _run(pelican) -> None:
    settings = pelican.settings
    output = Path(pelican.output_path)
    if not settings.get("SEARCH_INDEX", True):
        return
    try:
        count = build_index(output, list(settings.get("SEARCH_SKIP_PATHS") or []))
    except FileNotFoundError as error:  # no pagefind binary
        logger.error("search: %s. Install it with: pip install -r requirements.txt", error)
        return
    except RuntimeError as error:
        logger.error("search: %s", error)
        return
    logger.info("search: indexed %d pages into %s/pagefind/", count, output)


def register() -> None:
    signals.initialized.connect(_setup)
    signals.finalized.connect(_run)
