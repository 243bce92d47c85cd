"""Shared fixtures for the site's tests.

Session fixtures (reusable from any test folder, including tests/referrals):

- ``built_site``: the real ``content/`` built once per session with ``pelicanconf.py``
  into a temporary folder. A failed build, or any ERROR/CRITICAL line from Pelican,
  fails every test that uses it, with Pelican's output shown. WARNING lines do not stop
  the session; ``tests/test_built_site.py::test_build_prints_no_warnings`` fails on them.
- ``site_server``: that folder served over HTTP on 127.0.0.1 (a free port), with
  ``404.html`` sent with status 404 for anything missing, like the real host.
- ``served_site``: that folder served by `make serve`'s own server (scripts/serve.py's
  command: the referral service with the site's host headers from ``_headers``), the way
  volunteers and developers see it.
- ``browser``: one headless Debian Chromium (Playwright) for the whole session
  (/usr/bin/chromium, or $OXPIP_CHROMIUM; if missing, the tests FAIL, never skip).
- ``build_result``: the build's exit status and log records (warnings, errors).
- ``site_index``: every HTML page of the build, parsed lazily, with URL resolution.
- ``site_config``: pelicanconf.py's settings (EXIT_PAGE_URL, EXTERNAL_LINK_HOSTS, ...).

OXPIP_SITE_DIR=output runs everything over an existing build instead of building.

The plain helpers (``build_site``, ``serve_directory``, ``launch_chromium``, ``SiteIndex``)
live in ``tests/site_testkit.py``, which tests and ``scripts/screenshots.py`` import.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# Tests import the plugins' pure helpers (plugins/) and the shared testkit (tests/).
for _path in (Path(__file__).resolve().parent, Path(__file__).resolve().parent.parent / "plugins"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from site_testkit import (  # noqa: E402
    ROOT,
    ARTIFACTS,
    BuildResult,
    build_site,
    make_serve,
    site_settings,
    serve_directory,
    chromium_missing_message,
    launch_chromium,
    SiteIndex,
)


@pytest.fixture(scope="session")
def site_config() -> dict:
    """pelicanconf.py's settings (EXIT_PAGE_URL, EXTERNAL_LINK_HOSTS, ...)."""
    return site_settings()


@pytest.fixture(scope="session")
def build_result(tmp_path_factory) -> BuildResult:
    """The session's one build of content/ (never fails by itself; see built_site).

    OXPIP_SITE_DIR=output runs the tests over an existing build instead (quicker while
    editing; the build-warning test then has nothing to check)."""
    existing = os.environ.get("OXPIP_SITE_DIR")
    if existing:
        path = (ROOT / existing).resolve()
        return BuildResult(path, 0, f"(using the existing build in {path})", [])
    return build_site(tmp_path_factory.mktemp("site") / "output")


@pytest.fixture(scope="session")
def built_site(build_result) -> Path:
    """Path of a fresh build of the real content/ (built once per session)."""
    result, out = build_result, build_result.path
    if result.returncode != 0 or result.errors or not (out / "index.html").is_file():
        problems = []
        if result.returncode != 0:
            problems.append(f"pelican exited with status {result.returncode}")
        if result.errors:
            problems.append(f"{len(result.errors)} ERROR/CRITICAL log record(s)")
        if not (out / "index.html").is_file():
            problems.append("no index.html in the output")
        tail = "\n".join(result.output.splitlines()[-40:])
        pytest.fail(
            "Building content/ with pelicanconf.py failed ("
            + "; ".join(problems)
            + f").\nCommand: python -m pelican content -s pelicanconf.py -o {out}\n"
            + "".join(f"  {e.splitlines()[0]}\n" for e in result.errors)
            + f"--- last lines of Pelican's output ---\n{tail}",
            pytrace=False,
        )
    return out


@pytest.fixture(scope="session")
def site_server(built_site) -> str:
    """Base URL (ending in "/") of the built site served on 127.0.0.1."""
    with serve_directory(built_site) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def served_site(built_site, tmp_path_factory) -> str:
    """Base URL (ending in "/") of the session's build served as `make serve` serves it."""
    with make_serve(built_site, tmp_path_factory.mktemp("make-serve")) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session (Playwright, sync API)."""
    missing = chromium_missing_message()
    if missing:
        pytest.fail(missing, pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch_chromium(p)
        try:
            yield b
        finally:
            b.close()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    table = ARTIFACTS / "page-weights.txt"
    if getattr(config, "_oxpip_page_weights_written", False) and table.is_file():
        terminalreporter.write_sep("-", f"page weights ({table.relative_to(ROOT)})")
        terminalreporter.write_line(table.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def site_index(built_site, site_config) -> SiteIndex:
    """Every HTML page of the session's build, parsed on demand."""
    return SiteIndex(built_site, site_config.get("SITE_CANONICAL_URL"))
