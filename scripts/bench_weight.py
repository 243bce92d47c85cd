"""`make bench`, page weight: bytes and requests for every page of the real site.

    python scripts/bench_weight.py                 # builds content/ into a temp folder first
    python scripts/bench_weight.py --site output   # measure an existing build

For each built HTML page: bytes of HTML, CSS, JS, images and other files (fonts, manifest),
raw (on disk) and gzipped (level 6, what a static host or CDN sends), and the request count
a first visit makes: the HTML plus every style sheet (and its @import and url()), script,
image, icon (a linked favicon counts) and preloaded file, each counted once per page.
For <img srcset> and <picture> the candidate a phone would pick is counted (412 CSS px
wide at DPR 1.75, Lighthouse's mobile device; `sizes` taken as 100vw, an upper bound).
Tables go to stdout, the same figures to var/bench/weight.json.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import shutil
import statistics
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_build import ROOT, run_child, table, write_json, VAR, PY  # noqa: E402

MOBILE_PIXELS = 412 * 1.75
KINDS = ("html", "css", "js", "img", "other")
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".svg", ".ico"}
ICON_RELS = {"icon", "shortcut", "apple-touch-icon", "mask-icon"}
REFRESH = re.compile(r"<meta[^>]+http-equiv=[\"']?refresh", re.I)
NOT_FOR_VISITORS = ("/admin/",)  # the web editor (decap_admin): staff only, never linked for visitors
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)|@import\s+(['"])([^'"]+)\3""")


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6, mtime=0))


def pick_srcset(srcset: str) -> str | None:
    """The candidate a 412px-wide phone at DPR 1.75 would fetch (sizes taken as 100vw)."""
    candidates = []
    for part in srcset.split(","):
        bits = part.strip().split()
        if not bits:
            continue
        url, descriptor = bits[0], (bits[1] if len(bits) > 1 else "1x")
        try:
            if descriptor.endswith("w"):
                candidates.append((float(descriptor[:-1]), url))
            elif descriptor.endswith("x"):
                candidates.append((float(descriptor[:-1]) * 412, url))
        except ValueError:
            continue
    if not candidates:
        return None
    candidates.sort()
    for width, url in candidates:
        if width >= MOBILE_PIXELS:
            return url
    return candidates[-1][1]


class Refs(HTMLParser):
    """Everything a browser fetches for one page: [(url, kind)]."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, str]] = []
        self.base: str | None = None
        self.picture: list[str] | None = None  # srcsets of <source> in the open <picture>

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "base" and a.get("href"):
            self.base = a["href"]
        elif tag == "link" and a.get("href"):
            rels = {r.lower() for r in a.get("rel", "").split()}
            if "stylesheet" in rels:
                self.refs.append((a["href"], "css"))
            elif rels & ICON_RELS:
                self.refs.append((a["href"], "img"))
            elif rels & {"preload", "modulepreload"}:
                kind = {"style": "css", "script": "js", "image": "img"}.get(a.get("as", ""), "other")
                self.refs.append((a["href"], "js" if "modulepreload" in rels else kind))
            elif "manifest" in rels:
                self.refs.append((a["href"], "other"))
        elif tag == "script" and a.get("src"):
            self.refs.append((a["src"], "js"))
        elif tag == "picture":
            self.picture = []
        elif tag == "source" and self.picture is not None and a.get("srcset"):
            media = a.get("media", "")
            wide = re.search(r"min-width:\s*(\d+)", media)
            if not wide or int(wide.group(1)) <= 412:
                self.picture.append(a["srcset"])
        elif tag == "img":
            chosen = None
            if self.picture:
                chosen = pick_srcset(self.picture[0])
            if chosen is None and a.get("srcset"):
                chosen = pick_srcset(a["srcset"])
            if chosen is None:
                chosen = a.get("src")
            if chosen:
                self.refs.append((chosen, "img"))
        elif tag in ("video",) and a.get("poster"):
            self.refs.append((a["poster"], "img"))
        if a.get("style") and "url(" in a["style"]:
            for match in CSS_URL.finditer(a["style"]):
                self.refs.append((match.group(2) or match.group(4), "img"))

    def handle_endtag(self, tag):
        if tag == "picture":
            self.picture = None


def page_url(site: Path, page: Path) -> str:
    rel = page.relative_to(site).as_posix()
    return "/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)


class Site:
    def __init__(self, root: Path, siteurl: str = ""):
        self.root = root
        split = urlsplit(siteurl) if siteurl else None
        self.origin = f"{split.scheme}://{split.netloc}" if split and split.netloc else "http://site.invalid"
        self.prefix = split.path.rstrip("/") if split and split.netloc else ""

    def locate(self, base: str, url: str):
        """(file, None) for a file of this site, (None, why) otherwise."""
        target = urlsplit(urljoin(base, url.strip()))
        if target.scheme in ("data", "mailto", "tel", "javascript", "about", "blob"):
            return None, "inline"
        if f"{target.scheme}://{target.netloc}" != self.origin:
            return None, "third-party"
        path = unquote(target.path)
        if self.prefix and path.startswith(self.prefix):
            path = path[len(self.prefix):]
        if path.endswith("/"):
            path += "index.html"
        file = self.root / path.lstrip("/")
        if file.is_dir():
            file = file / "index.html"
        return (file, None) if file.is_file() else (None, "missing")


def kind_of(file: Path, declared: str) -> str:
    suffix = file.suffix.lower()
    if suffix == ".css":
        return "css"
    if suffix in (".js", ".mjs"):
        return "js"
    if suffix in IMAGE_SUFFIXES:
        return "img"
    return declared if declared in KINDS else "other"


def measure_page(site: Site, page: Path, sizes: dict) -> dict:
    def size(file: Path) -> tuple[int, int]:
        if file not in sizes:
            data = file.read_bytes()
            sizes[file] = (len(data), gz(data))
        return sizes[file]

    html = page.read_text(encoding="utf-8", errors="replace")
    parser = Refs()
    parser.feed(html)
    base = urljoin(site.origin + site.prefix + page_url(site.root, page), parser.base or "")
    raw, zipped = {k: 0 for k in KINDS}, {k: 0 for k in KINDS}
    raw["html"], zipped["html"] = size(page)
    seen: set[Path] = set()
    third_party, missing = [], []

    def add(ref_base: str, url: str, declared: str):
        file, why = site.locate(ref_base, url)
        if file is None:
            if why == "third-party":
                third_party.append(url)
            elif why == "missing":
                missing.append(url)
            return
        if file in seen or file == page:
            return
        seen.add(file)
        kind = kind_of(file, declared)
        r, z = size(file)
        raw[kind] += r
        zipped[kind] += z
        if kind == "css":
            css_base = site.origin + site.prefix + "/" + file.relative_to(site.root).as_posix()
            for match in CSS_URL.finditer(file.read_text(encoding="utf-8", errors="replace")):
                add(css_base, match.group(2) or match.group(4), "other")

    for url, declared in parser.refs:
        add(base, url, declared)
    path = page_url(site.root, page)
    if REFRESH.search(html[:4000]):
        kind = "redirect"
    elif path.startswith(NOT_FOR_VISITORS):
        kind = "staff"
    else:
        kind = "page"
    return {
        "page": path,
        "kind": kind,
        "requests": 1 + len(seen) + len(third_party),
        "raw": raw, "gzip": zipped,
        "total_raw": sum(raw.values()), "total_gzip": sum(zipped.values()),
        "third_party": third_party, "missing": missing,
    }


def measure_site(root: Path, siteurl: str = "") -> list[dict]:
    site = Site(root, siteurl)
    sizes: dict = {}
    pages = sorted(p for p in root.rglob("*.html"))
    return [measure_page(site, page, sizes) for page in pages]


def build_real_site(dest: Path, siteurl: str | None = None, log_name: str = "site") -> dict:
    """Build content/ like `make publish` (production settings, SITEURL given), or like
    `make html` when the production build fails (content problems stop it)."""
    shutil.rmtree(dest, ignore_errors=True)
    attempts = []
    if siteurl:
        attempts.append(("publishconf.py", {"SITEURL": siteurl}))
    attempts.append(("pelicanconf.py", {}))
    for settings, env in attempts:
        result = run_child([PY, "-m", "pelican", "content", "-s", settings, "-o", str(dest)],
                           VAR / "logs" / f"{log_name}-{settings.split('.')[0]}.log", env=env)
        if result["returncode"] == 0 and (dest / "index.html").exists():
            return {"settings": settings, "siteurl": siteurl if settings == "publishconf.py" else "",
                    "seconds": result["seconds"], "log": result["log"],
                    "fallback": settings != attempts[0][0]}
        print(f"  the site did not build with {settings} (log: {result['log']})", flush=True)
    raise SystemExit("The real site did not build; see the logs above.")


def kb(n: int) -> str:
    return f"{n / 1024:.1f}"


def weight_tables(pages: list[dict], built: dict) -> str:
    def row(p):
        label = p["page"] + ("" if p["kind"] == "page" else f" ({p['kind']})")
        return [label, p["requests"]] + [f"{kb(p['raw'][k])}/{kb(p['gzip'][k])}" for k in KINDS] + [
            f"{kb(p['total_raw'])}/{kb(p['total_gzip'])}"]

    headers = ["page", "req"] + [f"{k} raw/gz kB" for k in KINDS] + ["total raw/gz kB"]
    notes = [f"built with {built['settings']}" + (" (production settings failed: preview settings used)"
                                                   if built.get("fallback") else ""),
             "gz: gzip level 6; kB = 1,024 bytes; each file counted once per page; "
             "images: the srcset candidate a 412px phone at DPR 1.75 fetches",
             "(redirect): a stub that sends an old address on; (staff): the web editor, never linked for visitors"]
    third = sorted({u for p in pages for u in p["third_party"]})
    missing = sorted({u for p in pages for u in p["missing"]})
    notes.append(f"third-party requests: {', '.join(third) if third else 'none'}")
    if missing:
        notes.append(f"referenced but not built (broken): {', '.join(missing[:10])}")
    visitor = [p for p in pages if p["kind"] == "page"] or pages
    totals = [p["total_gzip"] for p in visitor]
    notes.append(f"{len(pages)} pages, {len(visitor)} for visitors; their gzipped total: median "
                 f"{kb(int(statistics.median(totals)))} kB, max {kb(max(totals))} kB; "
                 f"requests: max {max(p['requests'] for p in visitor)}")
    heaviest = heaviest_five(pages)
    return (table("Page weight: every page of the real site", headers, [row(p) for p in pages], notes)
            + "\n" + table("Heaviest five visitor pages (by gzipped bytes)", headers, [row(p) for p in heaviest]))


def heaviest_five(pages: list[dict]) -> list[dict]:
    visitor = [p for p in pages if p["kind"] == "page"] or pages
    return sorted(visitor, key=lambda p: (p["total_gzip"], p["total_raw"]), reverse=True)[:5]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="an existing build to measure")
    parser.add_argument("--siteurl", default="", help="the SITEURL that build used, if absolute")
    args = parser.parse_args(argv)
    work = None
    if args.site:
        built = {"settings": f"existing build {args.site}", "siteurl": args.siteurl}
        root = args.site
    else:
        work = Path(tempfile.mkdtemp(prefix="oxpip-weight-"))
        root = work / "site"
        built = build_real_site(root, "http://127.0.0.1:8000", "weight")
    try:
        pages = measure_site(root, built.get("siteurl", ""))
    finally:
        if work:
            shutil.rmtree(work, ignore_errors=True)
    heaviest = heaviest_five(pages)
    path = write_json("weight.json", {"built": built, "pages": pages,
                                      "heaviest": [p["page"] for p in heaviest]})
    print(weight_tables(pages, built))
    print(f"JSON: {os.path.relpath(path, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
