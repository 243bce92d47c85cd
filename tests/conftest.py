"""Shared fixtures for the site's tests.

Session fixtures (reusable from any test folder, including tests/referrals):

- ``built_site``: the real ``content/`` built once per session with ``pelicanconf.py``
  into a temporary folder. A failed build, or any ERROR/CRITICAL line from Pelican,
  fails every test that uses it, with Pelican's output shown. WARNING lines do not stop
  the session; ``tests/test_built_site.py::test_build_prints_no_warnings`` fails on them.
- ``site_server``: that folder served over HTTP on 127.0.0.1 (a free port), with
  ``404.html`` sent with status 404 for anything missing, like the real host.
- ``browser``: one headless Debian Chromium (Playwright) for the whole session.

The plain helpers (``build_site``, ``serve_directory``, ``launch_chromium``) are also used
by ``scripts/screenshots.py``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import http.server
import os
import re
import runpy
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("OXPIP_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "tests" / ".artifacts"

# One Pelican log record as printed by its rich handler:
# "[04:08:26] WARNING  message text ...                     file.py:123"
_LOG_START = re.compile(
    r"^(?:\[[\d:]+\])?\s{0,12}(?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL)\s+(?P<msg>.*)$"
)
_LOG_SOURCE = re.compile(r"\s{2,}[\w.\-]+\.py:\d+$")


@dataclasses.dataclass
class BuildResult:
    path: Path
    returncode: int
    output: str
    records: list[tuple[str, str]]  # (level, message) for every log record

    def messages(self, *levels: str) -> list[str]:
        return [f"{lvl}: {msg}" for lvl, msg in self.records if lvl in levels]

    @property
    def errors(self) -> list[str]:
        return self.messages("ERROR", "CRITICAL")

    @property
    def warnings(self) -> list[str]:
        return self.messages("WARNING")


def parse_pelican_log(output: str) -> list[tuple[str, str]]:
    records: list[list[str]] = []
    for raw in output.splitlines():
        line = raw.rstrip()
        m = _LOG_START.match(line)
        if m:
            records.append([m["level"], _LOG_SOURCE.sub("", m["msg"]).strip()])
        elif records and line.startswith(" ") and line.strip():
            records[-1][1] += "\n    " + _LOG_SOURCE.sub("", line).strip()
    return [(lvl, msg) for lvl, msg in records]


def build_site(out_dir: Path, settings: str = "pelicanconf.py") -> BuildResult:
    """Build content/ with Pelican into out_dir, exactly as `make html` does."""
    env = dict(os.environ, COLUMNS="200", TERM="dumb", NO_COLOR="1", PYTHONUNBUFFERED="1")
    proc = subprocess.run(
        [sys.executable, "-m", "pelican", "content", "-s", settings, "-o", str(out_dir)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = "\n".join(line.rstrip() for line in (proc.stdout + proc.stderr).splitlines())
    return BuildResult(out_dir, proc.returncode, output, parse_pelican_log(output))


def site_settings() -> dict:
    """pelicanconf.py's settings as plain Python values (not Pelican's defaults)."""
    return runpy.run_path(str(ROOT / "pelicanconf.py"))


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Static files; 404.html with status 404 for misses (as the production host does)."""

    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".html": "text/html; charset=utf-8",
        ".css": "text/css; charset=utf-8",
        ".js": "text/javascript; charset=utf-8",
        ".json": "application/json",
        ".svg": "image/svg+xml",
        ".webp": "image/webp",
        ".woff2": "font/woff2",
        ".txt": "text/plain; charset=utf-8",
        ".xml": "application/xml",
    }

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code == 404 and page.is_file():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format, *args):  # keep test output clean
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextlib.contextmanager
def serve_directory(directory: Path):
    """Serve directory on 127.0.0.1 at a free port; yields the base URL ("http://.../")."""
    handler = functools.partial(_SiteHandler, directory=str(directory))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def chromium_missing_message() -> str | None:
    if not CHROMIUM.exists():
        return (
            f"Chromium not found at {CHROMIUM}. The browser tests need Debian's Chromium: "
            "run `sudo apt-get install chromium` (or set OXPIP_CHROMIUM to its path). "
            "`playwright install` is not used by this project."
        )
    return None


def launch_chromium(playwright):
    missing = chromium_missing_message()
    if missing:
        raise RuntimeError(missing)
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def build_result(tmp_path_factory) -> BuildResult:
    """The session's one build of content/ (never fails by itself; see built_site)."""
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
        pytest.fail(
            "Building content/ with pelicanconf.py failed ("
            + "; ".join(problems)
            + f").\nCommand: python -m pelican content -s pelicanconf.py -o {out}"
            + f"\n--- Pelican output ---\n{result.output[-12000:]}",
            pytrace=False,
        )
    return out


@pytest.fixture(scope="session")
def site_server(built_site) -> str:
    """Base URL (ending in "/") of the built site served on 127.0.0.1."""
    with serve_directory(built_site) as base_url:
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


# ------------------------------------------------------------- terminal summary


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    table = ARTIFACTS / "page-weights.txt"
    if getattr(config, "_oxpip_page_weights_written", False) and table.is_file():
        terminalreporter.write_sep("-", f"page weights ({table.relative_to(ROOT)})")
        terminalreporter.write_line(table.read_text(encoding="utf-8"))


# ------------------------------------------------------------- parsed site index

SITE_ORIGIN = "http://oxpip.invalid"  # stands for "this site" when resolving URLs

# url(...) and @import "..." in CSS (style sheets, <style> and style="")
CSS_URL = re.compile(
    r"""url\(\s*(?P<q>['"]?)(?P<url>[^'")]*?)(?P=q)\s*\)"""
    r"""|@import\s+(?P<q2>['"])(?P<url2>[^'"]+)(?P=q2)""",
    re.I,
)


def css_urls(css: str) -> list[str]:
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    return [(m["url"] if m["url"] is not None else m["url2"]).strip() for m in CSS_URL.finditer(css)]


def srcset_urls(value: str) -> list[str]:
    return [part.strip().split()[0] for part in value.split(",") if part.strip()]


@dataclasses.dataclass
class Target:
    """Where a URL found in a page points."""

    raw: str
    absolute: str
    scheme: str
    host: str | None  # None for this site
    file: Path | None = None  # the file in the build it maps to (may not exist)
    fragment: str = ""
    problem: str | None = None  # why it does not resolve, for internal URLs


class Page:
    """One HTML file of the build, parsed lazily with BeautifulSoup (html.parser)."""

    def __init__(self, root: Path, rel: str):
        self.root, self.rel, self.file = root, rel, root / rel
        # The address the page is served at: folder URLs for index.html files.
        self.url = "/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)
        self._soup = None
        self.html = self.file.read_text(encoding="utf-8")

    @property
    def soup(self):
        if self._soup is None:
            from bs4 import BeautifulSoup

            self._soup = BeautifulSoup(self.html, "html.parser")
        return self._soup

    @property
    def base(self) -> str:
        base_tag = self.soup.find("base", href=True)
        page_abs = SITE_ORIGIN + self.url
        from urllib.parse import urljoin

        return urljoin(page_abs, base_tag["href"]) if base_tag else page_abs

    def __repr__(self):
        return f"<Page {self.url}>"


class SiteIndex:
    """Every HTML page of a build, with URL resolution against the build folder."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        self.pages: dict[str, Page] = {
            p.relative_to(self.root).as_posix(): Page(self.root, p.relative_to(self.root).as_posix())
            for p in sorted(self.root.rglob("*.html"))
        }
        self._ids: dict[Path, set[str]] = {}

    def __iter__(self):
        return iter(self.pages.values())

    def page(self, rel: str) -> Page | None:
        return self.pages.get(rel)

    def resolve(self, base: str, raw: str) -> Target:
        from urllib.parse import unquote, urljoin, urlsplit

        raw = raw.strip()
        absolute = urljoin(base, raw)
        parts = urlsplit(absolute)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            return Target(raw, absolute, scheme, None)
        origin = f"{scheme}://{parts.netloc}"
        if origin != SITE_ORIGIN:
            return Target(raw, absolute, scheme, parts.hostname or "")
        path = unquote(parts.path) or "/"
        target = Target(raw, absolute, scheme, None, fragment=unquote(parts.fragment))
        rel = path.lstrip("/")
        if path.endswith("/"):
            rel += "index.html"
        file = (self.root / rel).resolve()
        target.file = file
        if self.root.resolve() not in file.parents and file != self.root.resolve():
            target.problem = "points outside the site"
        elif file.is_dir():
            target.problem = (
                f"points to the folder {path} without a trailing slash "
                f"(the server has to redirect; link to {path}/)"
            )
        elif not file.is_file():
            target.problem = f"no file {rel} in the build"
        elif target.fragment and file.suffix == ".html" and target.fragment not in self.ids(file):
            target.problem = f'{path} has no element with id="{target.fragment}"'
        return target

    def ids(self, file: Path) -> set[str]:
        if file not in self._ids:
            rel = file.relative_to(self.root.resolve()).as_posix()
            page = self.pages.get(rel) or Page(self.root, rel)
            found = {el["id"] for el in page.soup.find_all(id=True)}
            found |= {el["name"] for el in page.soup.find_all("a", attrs={"name": True})}
            found.add("top")  # HTML: "#top" always means the top of the document
            self._ids[file] = found
        return self._ids[file]


@pytest.fixture(scope="session")
def site_index(built_site) -> SiteIndex:
    """Every HTML page of the session's build, parsed on demand."""
    return SiteIndex(built_site)
