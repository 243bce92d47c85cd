"""`make bench`, Lighthouse: scores for one page of each template, the referral form included.

    python scripts/bench_lighthouse.py
    python scripts/bench_lighthouse.py --only home,story

Builds content/ like `make publish` with SITEURL set to a free local port (or like
`make html` when the production build stops on content problems), serves it on
127.0.0.1 with `python -m referrals dev` (what `make serve` runs; a small static server
with gzip when that is not available) and runs Lighthouse 12.2.3 (bench/package.json,
pinned) with Debian's Chromium: mobile preset, simulated throttling, categories
performance, accessibility, best-practices and seo. The target is 100 for each; for any
score under 100 the failing audits are listed by id and title. A page scoring under 100
for performance is run a second time; both scores are shown and the lower one counts.

The 404 template is audited at /404.html (served with status 200): Lighthouse's SEO
category always fails a page answered with status 404, which is what a 404 page is for.
Tables go to stdout, the same figures to var/bench/lighthouse.json, and each full
Lighthouse report to var/bench/lighthouse/<page>.json.
"""

from __future__ import annotations

import argparse
import gzip
import json
import mimetypes
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_build import PY, ROOT, VAR, Served, fetch, free_port, table, wait_until, write_json  # noqa: E402
from bench_weight import build_real_site, page_url  # noqa: E402

BENCH = ROOT / "bench"
LIGHTHOUSE = BENCH / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-background-networking "
                "--disable-component-update --disable-sync --no-first-run")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")

# (label, file in the build: a glob picks the first match, sorted; pages under page/ skipped)
# The confirmation page is only shown with a well-formed reference, as after a real referral.
QUERIES = {"referral received": "?ref=BNCH-2345"}
# Known, deliberate results, printed beside the score so nobody "fixes" them by mistake.
EXPECTED = {("404", "is-crawlable"): "404 pages carry noindex on purpose (plugins/seo); real misses get status 404"}
TEMPLATES = [
    ("home", "index.html"),
    ("page", "about/index.html"),
    ("service", "services/*/index.html"),
    ("services list", "services/index.html"),
    ("story", "stories/*/index.html"),
    ("stories list", "stories/index.html"),
    ("news post", "news/*/index.html"),
    ("news list", "news/index.html"),
    ("get help now", "get-help-now/index.html"),
    ("404", "404.html"),
    ("referral form", "get-support/refer-yourself/index.html"),
    ("referral received", "get-support/refer-yourself/received/index.html"),
]


def pick_pages(site: Path) -> tuple[list[tuple[str, str]], list[str]]:
    chosen, absent = [], []
    for label, pattern in TEMPLATES:
        found = [p for p in sorted(site.glob(pattern)) if "/page/" not in p.as_posix()[len(str(site)):]]
        if not found:
            absent.append(f"{label} ({pattern})")
            continue
        chosen.append((label, page_url(site, found[0]) + QUERIES.get(label, "")))
    return chosen, absent


# --------------------------------------------------------------------------- servers

TEXT_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml",
              "application/xml", "application/manifest+json")


def static_handler(root: Path):
    class Handler(BaseHTTPRequestHandler):
        """Like any static host: index.html for folders, 404.html for misses, gzip for text."""

        def log_message(self, *args):
            pass

        def do_HEAD(self):
            self.do_GET(head=True)

        def do_GET(self, head: bool = False):
            path = unquote(urlsplit(self.path).path)
            file = (root / path.lstrip("/")).resolve()
            status = 200
            if root.resolve() not in file.parents and file != root.resolve():
                file, status = root / "404.html", 404
            elif file.is_dir():
                if not path.endswith("/"):
                    self.send_response(301)
                    self.send_header("Location", path + "/")
                    self.end_headers()
                    return
                file = file / "index.html"
            if not file.is_file():
                file, status = root / "404.html", 404
            data = file.read_bytes() if file.is_file() else b"Not found"
            kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            if kind.startswith("text/") or kind == "application/javascript":
                kind += "; charset=utf-8"
            self.send_response(status)
            self.send_header("Content-Type", kind)
            if "gzip" in self.headers.get("Accept-Encoding", "") and kind.startswith(TEXT_TYPES):
                data = gzip.compress(data, compresslevel=6, mtime=0)
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Vary", "Accept-Encoding")
            self.send_header("Cache-Control", "public, max-age=31536000" if "/theme/" in path else "no-cache")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if not head:
                self.wfile.write(data)

    return Handler


class StaticServer:
    def __init__(self, root: Path, port: int):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), static_handler(root))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def start_server(site: Path, port: int, work: Path):
    """(server, description): `python -m referrals dev` when there is one, else static."""
    base = f"http://127.0.0.1:{port}"
    if (ROOT / "referrals" / "__main__.py").exists():
        served = Served([PY, "-m", "referrals", "dev", "--site", str(site), "--host", "127.0.0.1",
                         "--port", str(port), "--data-dir", str(work / "referrals-data"), "--wait", "5"],
                        ROOT, VAR / "logs" / "lighthouse-server.log")
        if wait_until(lambda: fetch(base + "/") is not None, 30, 0.1) is not None:
            return served, "python -m referrals dev (what make serve runs)"
        served.stop()
        print(f"  python -m referrals dev did not serve within 30 s "
              f"(log: var/bench/logs/lighthouse-server.log); using a static server", flush=True)
    return StaticServer(site, port), "a static server (gzip, index.html, 404.html), like any static host"


# --------------------------------------------------------------------------- Lighthouse

def lighthouse(url: str, report: Path) -> dict:
    report.parent.mkdir(parents=True, exist_ok=True)
    cmd = ["node", str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={report}",
           f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={CHROME_FLAGS}",
           "--max-wait-for-load=60000"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=BENCH, env=dict(os.environ, CHROME_PATH=CHROME),
                          capture_output=True, text=True, timeout=300)
    seconds = time.perf_counter() - start
    if proc.returncode != 0 or not report.exists():
        return {"error": (proc.stderr or proc.stdout).strip()[-800:] or f"exit {proc.returncode}",
                "seconds": round(seconds, 1)}
    return summarise(json.loads(report.read_text(encoding="utf-8"))) | {"seconds": round(seconds, 1)}


def summarise(lhr: dict) -> dict:
    audits = lhr["audits"]
    scores, failing = {}, {}
    for name in CATEGORIES:
        category = lhr["categories"].get(name)
        if category is None or category.get("score") is None:
            scores[name] = None
            continue
        scores[name] = round(category["score"] * 100)
        if category["score"] >= 1:
            continue
        items = []
        for ref in category["auditRefs"]:
            audit = audits.get(ref["id"], {})
            if ref.get("weight", 0) > 0 and audit.get("score") is not None and audit["score"] < 1:
                items.append({"id": ref["id"], "title": audit.get("title", ""),
                              "score": audit["score"], "value": audit.get("displayValue", "")})
        if name == "performance":  # the opportunities and diagnostics behind the metrics
            for ref in category["auditRefs"]:
                audit = audits.get(ref["id"], {})
                if (ref.get("weight", 0) == 0 and audit.get("scoreDisplayMode") in ("metricSavings", "numeric", "binary")
                        and audit.get("score") is not None and audit["score"] < 0.9):
                    items.append({"id": ref["id"], "title": audit.get("title", ""), "score": audit["score"],
                                  "value": audit.get("displayValue", ""), "hint": True})
        failing[name] = items
    metrics = {key: audits[key].get("displayValue", "") for key in
               ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time",
                "cumulative-layout-shift", "speed-index") if key in audits}
    return {"scores": scores, "failing": failing, "metrics": metrics,
            "final_url": lhr.get("finalDisplayedUrl") or lhr.get("finalUrl"),
            "warnings": lhr.get("runWarnings", []),
            "runtime_error": (lhr.get("runtimeError") or {}).get("message")}


def combine(runs: list[dict]) -> dict:
    """One result from one or two runs: each category's lowest score, every run's
    performance score, and every audit that cost points in any run (once)."""
    good = [r for r in runs if "scores" in r]
    if not good:
        return runs[-1] | {"performance_runs": [None] * len(runs)}
    result = dict(good[0])
    result["scores"] = {c: min((r["scores"][c] for r in good if r["scores"].get(c) is not None), default=None)
                        for c in CATEGORIES}
    result["performance_runs"] = [r.get("scores", {}).get("performance") for r in runs]
    failing: dict[str, list] = {}
    for r in good:
        for category, items in r["failing"].items():
            known = {i["id"] for i in failing.setdefault(category, [])}
            failing[category] += [i for i in items if i["id"] not in known]
    result["failing"] = failing
    result["seconds"] = sum(r.get("seconds", 0) for r in runs)
    return result


def lighthouse_tables(results: list[dict], absent: list[str], served_by: str, built: dict) -> str:
    rows, details = [], []
    for r in results:
        if "error" in r:
            rows.append([r["label"], r["path"], "error", "", "", "", ""])
            details.append([r["label"], "lighthouse failed", r["error"].splitlines()[-1][:120]])
            continue
        s = r["scores"]
        cells = [("-" if s[c] is None else str(s[c])) for c in CATEGORIES]
        perf_runs = [x for x in r.get("performance_runs", []) if x is not None]
        if len(set(perf_runs)) > 1:
            cells[0] = "/".join(str(x) for x in perf_runs)
        rows.append([r["label"], r["path"]] + cells + [r["metrics"].get("largest-contentful-paint", "")])
        for category, items in r["failing"].items():
            for item in items:
                if not item.get("hint"):
                    expected = EXPECTED.get((r["label"], item["id"]))
                    details.append([r["label"], category, f"{item['id']}: {item['title']}"
                                    + (f" [{item['value']}]" if item["value"] else "")
                                    + (f" (expected: {expected})" if expected else "")])
            hints = [i["id"] for i in items if i.get("hint")]
            if hints:
                details.append([r["label"], category, "not scored, may help: " + ", ".join(hints)])
    notes = [f"served by {served_by}; built with {built['settings']}"
             + (" (production settings failed: preview settings used)" if built.get("fallback") else ""),
             "Lighthouse 12.2.3, mobile preset, simulated throttling, Debian Chromium; target 100 each",
             "perf a/b: a page under 100 is run twice and both scores shown; the lower one counts"]
    if absent:
        notes.append("not built yet, so not audited: " + "; ".join(absent))
    below = sum(1 for r in results if "scores" in r and any(v is not None and v < 100 for v in r["scores"].values()))
    notes.append(f"{below} of {len(results)} pages below 100 somewhere" if below else
                 f"all {len(results)} pages score 100 in every category")
    out = table("Lighthouse (mobile)", ["template", "page", "perf", "a11y", "best", "seo", "LCP"], rows, notes)
    if details:
        out += "\n" + table("Lighthouse: audits that cost points (ids to fix)", ["template", "category", "audit"], details)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated template labels to audit")
    args = parser.parse_args(argv)
    if shutil.which("node") is None or not LIGHTHOUSE.exists():
        print("Lighthouse: not installed (needs Node 20 and `cd bench && npm ci`); skipped.")
        return 0
    if not Path(CHROME).exists():
        print(f"Lighthouse: no Chromium at {CHROME} (apt-get install chromium); skipped.")
        return 0
    work = Path(tempfile.mkdtemp(prefix="oxpip-lighthouse-"))
    port = free_port()
    site = work / "site"
    results: list[dict] = []
    server, built, served_by, absent = None, {"settings": "(not built)"}, "(no server)", []
    try:
        built = build_real_site(site, f"http://127.0.0.1:{port}", "lighthouse-site")
        pages, absent = pick_pages(site)
        if args.only:
            wanted = {w.strip() for w in args.only.split(",")}
            pages = [p for p in pages if p[0] in wanted]
        server, served_by = start_server(site, port, work)
        shutil.rmtree(VAR / "lighthouse", ignore_errors=True)
        for label, path in pages:
            slug = re.sub(r"[^a-z0-9]+", "-", label)
            url = f"http://127.0.0.1:{port}{path}"
            runs = [lighthouse(url, VAR / "lighthouse" / f"{slug}.json")]
            if "scores" not in runs[0] or runs[0].get("runtime_error"):
                # Lighthouse sometimes fails to record a trace on a busy machine: try once more.
                runs = [lighthouse(url, VAR / "lighthouse" / f"{slug}.json")]
            if "scores" in runs[0] and (runs[0]["scores"].get("performance") or 0) < 100:
                # Performance varies from run to run: a second run shows whether the loss is
                # steady. Both are reported; the lower score counts against the target.
                runs.append(lighthouse(url, VAR / "lighthouse" / f"{slug}-run2.json"))
            result = combine(runs) | {"label": label, "path": path, "url": url}
            results.append(result)
            scores = result.get("scores")
            print(f"  lighthouse {label:<17} {path:<40} "
                  + (" ".join(f"{c}={scores[c]}" for c in CATEGORIES) if scores else "ERROR")
                  + (f" (performance runs: {result['performance_runs']})" if len(result["performance_runs"]) > 1 else "")
                  + f"  ({result['seconds']:.0f} s)", flush=True)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)
    path = write_json("lighthouse.json", {"built": built, "served_by": served_by, "absent": absent,
                                          "lighthouse": "12.2.3", "chrome_flags": CHROME_FLAGS,
                                          "pages": results})
    print()
    print(lighthouse_tables(results, absent, served_by, built))
    print(f"JSON: {os.path.relpath(path, ROOT)}; full reports in var/bench/lighthouse/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
