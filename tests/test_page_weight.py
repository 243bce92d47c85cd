"""Page-weight budget. For every text-only page (no <img> in <main>):

- gzipped HTML + gzipped CSS + gzipped JS it loads <= 30 KB (30 * 1024 bytes);
- at most 3 requests: the HTML plus every style sheet (and its @imports), script,
  image, icon (a linked favicon counts), font and preloaded file it references.

Sizes are gzip level 6 (gzip's and most servers' default). Each resource is counted once
per page. url() in style sheets is counted whether or not a rule uses it (an upper bound).
The table of every page's weight is written to tests/.artifacts/page-weights.txt and shown
at the end of the pytest run."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUDGET_BYTES = 30 * 1024
BUDGET_REQUESTS = 3
TABLE = ROOT / "tests" / ".artifacts" / "page-weights.txt"

FETCHED_LINK_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "mask-icon", "manifest", "preload", "modulepreload"}


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6, mtime=0))


def resources(site, page) -> dict[Path, str]:
    """{file: kind} for everything a browser fetches for page (besides the HTML)."""
    found: dict[Path, str] = {}
    missing: list[str] = []

    def add(base: str, url: str, kind: str):
        t = site.resolve(base, url)
        if t.scheme in ("data", "mailto", "tel", "javascript", "about", "blob") or t.file is None:
            return
        if t.host is not None:
            missing.append(f"{url} (another host)")
            return
        if t.file.suffix == ".html":
            return
        if t.problem:
            missing.append(f"{url} ({t.problem})")
            return
        if t.file in found:
            return
        found[t.file] = kind
        if kind == "css":
            css_base = site.origin + "/" + t.file.relative_to(site.root).as_posix()
            for inner in site.css_urls(t.file.read_text(encoding="utf-8")):
                add(css_base, inner, "css" if inner.split("?")[0].endswith(".css") else "css url()")

    soup, base = page.soup, page.base
    for el in soup.find_all("link", href=True):
        rels = {r.lower() for r in el.get("rel") or []}
        if rels & FETCHED_LINK_RELS:
            kind = "css" if "stylesheet" in rels else "icon" if rels & {"icon", "shortcut", "apple-touch-icon", "mask-icon"} else "/".join(sorted(rels))
            add(base, el["href"], kind)
    for el in soup.find_all("script", src=True):
        add(base, el["src"], "js")
    for el in soup.find_all(["img", "iframe", "embed", "audio", "video", "track"], src=True):
        add(base, el["src"], el.name)
    for el in soup.find_all("input", src=True):
        add(base, el["src"], "input image")
    for el in soup.find_all("video", poster=True):
        add(base, el["poster"], "poster")
    for el in soup.find_all("style"):
        for url in site.css_urls(el.get_text()):
            add(base, url, "css url()")
    for el in soup.find_all(style=True):
        for url in site.css_urls(el["style"]):
            add(base, url, "css url()")
    page.missing_resources = missing
    return found


def measure(site, page) -> dict:
    res = resources(site, page)
    html = gz(page.file.read_bytes())
    css = sum(gz(f.read_bytes()) for f, k in res.items() if k == "css")
    js = sum(gz(f.read_bytes()) for f, k in res.items() if k == "js")
    main = page.soup.find("main")
    return {
        "page": page.url,
        "text_only": not (main and main.find("img")),
        "html": html,
        "css": css,
        "js": js,
        "total": html + css + js,
        "requests": 1 + len(res),
        "fetches": ["HTML"] + [f"{k}:{f.name}" for f, k in res.items()],
        "missing": page.missing_resources,
    }


def table(rows: list[dict]) -> str:
    head = f"{'page':<44} {'HTML':>7} {'CSS':>7} {'JS':>7} {'total':>8} {'req':>4}  budget  fetched"
    lines = [
        f"Page weights (gzip -6; budget {BUDGET_BYTES // 1024} KB = {BUDGET_BYTES} bytes, {BUDGET_REQUESTS} requests, text-only pages)",
        head,
        "-" * len(head),
    ]
    for r in rows:
        over = r["total"] > BUDGET_BYTES or r["requests"] > BUDGET_REQUESTS
        verdict = "n/a" if not r["text_only"] else ("OVER" if over else "ok")
        lines.append(
            f"{r['page']:<44} {r['html']:>7} {r['css']:>7} {r['js']:>7} {r['total']:>8} {r['requests']:>4}  {verdict:<6}  "
            + ", ".join(r["fetches"])
        )
    totals = [r["total"] for r in rows if r["text_only"]]
    if totals:
        lines.append("-" * len(head))
        lines.append(f"text-only pages: {len(totals)}; heaviest {max(totals)} bytes ({max(totals) / 1024:.1f} KB); "
                     f"lightest {min(totals)} bytes ({min(totals) / 1024:.1f} KB)")
    lines.append("(n/a: page has images in <main>, not under the text-only budget)")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def weights(site_index, request) -> list[dict]:
    rows = [measure(site_index, page) for page in site_index.public_pages]
    TABLE.parent.mkdir(parents=True, exist_ok=True)
    TABLE.write_text(table(rows), encoding="utf-8")
    request.config._oxpip_page_weights_written = True  # conftest prints it at the end
    return rows


def test_text_only_pages_are_within_the_weight_budget(weights):
    problems = []
    for r in weights:
        if not r["text_only"]:
            continue
        if r["total"] > BUDGET_BYTES:
            problems.append(
                f"{r['page']}: {r['total']} bytes gzipped (HTML {r['html']} + CSS {r['css']} + JS {r['js']}) "
                f"> {BUDGET_BYTES} bytes"
            )
        if r["requests"] > BUDGET_REQUESTS:
            problems.append(
                f"{r['page']}: {r['requests']} requests > {BUDGET_REQUESTS} ({', '.join(r['fetches'])})"
            )
        problems += [f"{r['page']}: cannot weigh {m}" for m in r["missing"]]
    if problems:
        pytest.fail(
            f"page-weight budget: {len(problems)} problem(s) (table: {TABLE.relative_to(ROOT)})\n  - "
            + "\n  - ".join(problems),
            pytrace=False,
        )


def test_at_least_one_page_is_measured(weights):
    assert any(r["text_only"] for r in weights), "no text-only page found to measure"
