"""Plain helpers shared by the tests and scripts/screenshots.py: build the site, serve it,
launch Debian's Chromium, and index the built pages. The fixtures live in conftest.py."""

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


# The day the session's build of content/ is checked against (CONTENT_CHECK_NOW): review
# dates and the reply and waiting times' "checked" date go stale with the real calendar,
# which must not turn the tests red. Staleness itself is tested with fixtures.
TEST_TODAY = "2026-11-30"


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


def run_pelican(content: Path, output: Path, *extra: str, settings: str = "pelicanconf.py",
                console_columns: int | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    """Build ``content`` into ``output`` with the project's settings, from the project root.

    Messages are logged one plain line each: Pelican's console wraps long lines, sometimes
    inside a message. ``console_columns`` asks for that console instead, at that width, as a
    volunteer sees it. The result's ``log`` is stdout and stderr together.
    """
    env = dict(os.environ, NO_COLOR="1")
    env.pop("SITEURL", None)
    if console_columns is None:
        extra = ("--log-handler", "plain", *extra)
    else:
        env["COLUMNS"] = str(console_columns)
    result = subprocess.run(
        [sys.executable, "-m", "pelican", str(content), "-s", settings, "-o", str(output), *extra],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    result.log = result.stdout + result.stderr
    return result


def build_site(out_dir: Path, settings: str = "pelicanconf.py") -> BuildResult:
    """Build content/ with Pelican into out_dir, as `make html` does, on the day TEST_TODAY."""
    env = dict(os.environ, COLUMNS="200", TERM="dumb", NO_COLOR="1", PYTHONUNBUFFERED="1")
    proc = subprocess.run(
        [sys.executable, "-m", "pelican", "content", "-s", settings, "-o", str(out_dir),
         "-e", f'CONTENT_CHECK_NOW="{TEST_TODAY}"'],
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


class SiteHandler(http.server.SimpleHTTPRequestHandler):
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
        ".wasm": "application/wasm",
        ".pagefind": "application/octet-stream",
        ".pf_fragment": "application/octet-stream",
        ".pf_index": "application/octet-stream",
        ".pf_meta": "application/octet-stream",
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
def serve_directory(directory: Path, handler_class: type[SiteHandler] = SiteHandler):
    """Serve directory on 127.0.0.1 at a free port; yields the base URL ("http://.../").

    handler_class: SiteHandler or a subclass (tests/partners adds the site's own headers)."""
    handler = functools.partial(handler_class, directory=str(directory))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _serve_script():
    """scripts/serve.py (what `make serve` runs) as a module, for its command builders."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("oxpip_serve", ROOT / "scripts" / "serve.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until(ready, process: subprocess.Popen, log: Path, what: str, seconds: float = 60) -> None:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} stopped:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start within {seconds:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")


@contextlib.contextmanager
def make_serve(output: Path, work: Path, content_root: Path | None = None):
    """What `make serve` runs, over a site already built into ``output`` (no rebuilding):
    scripts/serve.py's own server command, and with ``content_root`` also the web editor's
    local backend writing into ``content_root``/content/. Yields the base URL ("http://.../").
    ``work`` holds the logs and the development database and keys."""
    import json
    import urllib.request

    serve = _serve_script()
    work.mkdir(parents=True, exist_ok=True)
    started: list[subprocess.Popen] = []
    editor_port = None
    try:
        if content_root is not None:
            backend = serve.editor_backend("127.0.0.1", free_port(), content_root)
            if backend is None:
                raise RuntimeError("The web editor needs Node.js and `npm ci` (decap-server in node_modules).")
            command, env = backend
            editor_port = int(env["PORT"])
            log = work / "editor-backend.log"
            with open(log, "wb") as out:
                started.append(subprocess.Popen(command, cwd=content_root, env=dict(env, LOG_LEVEL="warn"),
                                                stdout=out, stderr=subprocess.STDOUT))
            info = urllib.request.Request(f"http://127.0.0.1:{editor_port}/api/v1", headers={"Content-Type": "application/json"},
                                          data=json.dumps({"action": "info"}).encode())
            _wait_until(lambda: urllib.request.urlopen(info, timeout=1).status == 200, started[-1], log,
                        "the web editor's backend (decap-server)")
        port = free_port()
        command, env = serve.site_server(output, "127.0.0.1", port, free_port(), editor_port, data_dir=work / "var")
        env = {k: v for k, v in env.items() if not k.startswith("REFERRALS_")}
        log = work / "server.log"
        with open(log, "wb") as out:
            started.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT))
        base = f"http://127.0.0.1:{port}/"
        _wait_until(lambda: urllib.request.urlopen(base + "healthz", timeout=1).status == 200, started[-1], log,
                    "the site server (python -m referrals dev)")
        yield base
    finally:
        for process in reversed(started):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


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
    live: bool = False  # an absolute URL on the live site (SITE_CANONICAL_URL), mapped to the build


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


# Pages in the build that are not public pages for parents: held to the link, host, lang,
# title and validity rules, but not to the public page layout (h1, main, skip link, exit
# this page), the browser checks or the page-weight budget.
STAFF_ONLY = {
    "admin/": "the web editor for volunteers (Decap CMS, noindex)",
}


# <link rel> values a browser does not fetch: they may point at the live site or (like
# <a href>) at an allowed host.
NOT_FETCHED_RELS = {"canonical", "alternate", "author", "license", "help", "me", "bookmark",
                    "next", "prev", "search", "external", "privacy-policy", "terms-of-service"}


class SiteIndex:
    """Every HTML page of a build, with URL resolution against the build folder.

    live_url: the site's live address (SITE_CANONICAL_URL); absolute URLs on it (canonical
    links, share images) are resolved against the build too, and marked live."""

    def __init__(self, root: Path, live_url: str | None = None):
        from urllib.parse import urlsplit

        self.live_origin = None
        if live_url:
            parts = urlsplit(live_url)
            self.live_origin = f"{parts.scheme}://{parts.netloc}"
            self.live_prefix = parts.path.rstrip("/")
        self.root = Path(root).resolve()
        self.pages: dict[str, Page] = {
            p.relative_to(self.root).as_posix(): Page(self.root, p.relative_to(self.root).as_posix())
            for p in sorted(self.root.rglob("*.html"))
        }
        self._ids: dict[Path, set[str]] = {}

    def __iter__(self):
        return iter(self.pages.values())

    # helpers for tests, reachable from the site_index fixture
    css_urls = staticmethod(css_urls)
    srcset_urls = staticmethod(srcset_urls)
    origin = SITE_ORIGIN

    def page(self, rel: str) -> Page | None:
        return self.pages.get(rel)

    @staticmethod
    def staff_only(page) -> str | None:
        """Why page is not a public page (see STAFF_ONLY), or None."""
        return next((why for prefix, why in STAFF_ONLY.items() if page.rel.startswith(prefix)), None)

    @property
    def public_pages(self) -> list:
        return [p for p in self.pages.values() if not self.staff_only(p)]

    @staticmethod
    def redirect_target(page) -> str | None:
        """The URL a <meta http-equiv="refresh"> stub sends visitors to, if it is one."""
        el = page.soup.find("meta", attrs={"http-equiv": re.compile("^refresh$", re.I)})
        m = re.search(r"url\s*=\s*['\"]?([^'\"]+)", el.get("content", ""), re.I) if el else None
        return m.group(1).strip() if m else None

    def resolve(self, base: str, raw: str) -> Target:
        from urllib.parse import unquote, urljoin, urlsplit

        raw = raw.strip()
        absolute = urljoin(base, raw)
        parts = urlsplit(absolute)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            return Target(raw, absolute, scheme, None)
        origin = f"{scheme}://{parts.netloc}"
        live = self.live_origin is not None and origin == self.live_origin
        if origin != SITE_ORIGIN and not live:
            return Target(raw, absolute, scheme, parts.hostname or "")
        path = unquote(parts.path) or "/"
        if live:
            if self.live_prefix and not path.startswith(self.live_prefix + "/"):
                return Target(raw, absolute, scheme, parts.hostname or "")
            path = path[len(self.live_prefix):] or "/"
        target = Target(raw, absolute, scheme, None, fragment=unquote(parts.fragment), live=live)
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

    def urls(self, page) -> list[tuple[str, str, bool]]:
        """(kind, url, fetched) for every URL in a page: links, sources, srcset, CSS url(),
        meta refresh and share images. fetched: a browser loads it with the page."""
        soup, found = page.soup, []
        for el in soup.find_all(["a", "area"], href=True):
            found.append((f"{el.name} href", el["href"], False))
        for el in soup.find_all("link", href=True):
            rels = {r.lower() for r in el.get("rel") or []}
            found.append((f'link rel="{" ".join(sorted(rels))}" href', el["href"], not rels <= NOT_FETCHED_RELS))
        for tag in ("script", "img", "iframe", "source", "audio", "video", "track", "embed", "input"):
            for el in soup.find_all(tag, src=True):
                found.append((f"{tag} src", el["src"], True))
        for el in soup.find_all(["img", "source"], srcset=True):
            for url in srcset_urls(el["srcset"]):
                found.append((f"{el.name} srcset", url, True))
        for el in soup.find_all("video", poster=True):
            found.append(("video poster", el["poster"], True))
        for el in soup.find_all("object", data=True):
            found.append(("object data", el["data"], True))
        for el in soup.find_all("style"):
            for url in css_urls(el.get_text()):
                found.append(("<style> url()", url, True))
        for el in soup.find_all(style=True):
            for url in css_urls(el["style"]):
                found.append((f"{el.name} style= url()", url, True))
        target = self.redirect_target(page)
        if target:
            found.append(("meta refresh", target, False))
        for el in soup.find_all("meta", attrs={"property": re.compile(r"^og:(image|url)$")}):
            found.append((f'meta property="{el["property"]}"', el.get("content", ""), False))
        for el in soup.find_all("meta", attrs={"name": re.compile(r"^twitter:image$")}):
            found.append((f'meta name="{el["name"]}"', el.get("content", ""), False))
        return [(kind, url, fetched) for kind, url, fetched in found if url.strip() != ""]

    def stylesheets(self, page) -> list[Path]:
        files = []
        for el in page.soup.find_all("link", href=True):
            if "stylesheet" in (el.get("rel") or []):
                t = self.resolve(page.base, el["href"])
                if t.host is None and t.file is not None and t.file.is_file():
                    files.append(t.file)
        return files

    def ids(self, file: Path) -> set[str]:
        if file not in self._ids:
            rel = file.relative_to(self.root.resolve()).as_posix()
            page = self.pages.get(rel) or Page(self.root, rel)
            found = {el["id"] for el in page.soup.find_all(id=True)}
            found |= {el["name"] for el in page.soup.find_all("a", attrs={"name": True})}
            found.add("top")  # HTML: "#top" always means the top of the document
            self._ids[file] = found
        return self._ids[file]


def words_of(page):
    """gettext for the language of a built page (<html lang>): the theme's words as that
    page shows them, from the project's catalogues (English as written for en-GB)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from referrals.i18n import Words

    html = page.soup.find("html")
    return Words.for_language((html.get("lang") if html else None) or "en-GB").gettext
