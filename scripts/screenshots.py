#!/usr/bin/env python3
"""Full-page screenshots of each kind of page at 390 px and 1280 px wide (`make screenshots`).

    .venv/bin/python scripts/screenshots.py              # build content/ into a temp folder
    .venv/bin/python scripts/screenshots.py --site output  # use an existing build

Writes screenshots/NN-<page>-<width>.png (the folder is emptied of old PNGs first) and
prints the file list. Uses Debian's Chromium (/usr/bin/chromium, or $OXPIP_CHROMIUM);
nothing is fetched from another host.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIDTHS = (390, 1280)
HEIGHT = 844


def load_helpers():
    """The build/serve/browser helpers shared with the tests (tests/site_testkit.py)."""
    spec = importlib.util.spec_from_file_location("oxpip_site_helpers", ROOT / "tests" / "site_testkit.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


def first_entry(site: Path, section: str) -> str | None:
    entries = sorted(
        p.parent.relative_to(site).as_posix()
        for p in (site / section).glob("*/index.html")
        if p.parent.name != "page"
    )
    return entries[0] + "/" if entries else None


def is_page(site: Path, address: str | None) -> bool:
    """A real page (not missing, not a <meta http-equiv="refresh"> redirect stub)."""
    if address is None:
        return False
    file = site / address / "index.html"
    return file.is_file() and not re.search(r"http-equiv=.?refresh", file.read_text(encoding="utf-8"), re.I)


def first_page(site: Path, *addresses: str | None) -> str | None:
    return next((a for a in addresses if is_page(site, a)), None)


def kinds_of_page(site: Path) -> list[tuple[str, str]]:
    """(name, address) for each kind of page that exists in the build."""
    candidates = [
        ("home", ""),
        ("get-support", "get-support/"),
        ("refer-yourself", first_page(site, "get-support/refer-yourself/", "refer-yourself/")),
        ("service", first_page(site, "services/therapy-sessions/", first_entry(site, "services"))),
        ("services", "services/"),
        ("stories", "stories/"),
        ("story", first_entry(site, "stories")),
        ("news", "news/"),
        ("news-post", first_entry(site, "news")),
        ("about", "about/"),
        ("get-help-now", "get-help-now/"),
        ("contact", "contact/"),
        ("using-this-site-safely", "using-this-site-safely/"),
        ("help-near-you", "help-near-you/"),
        ("referral-received", "get-support/refer-yourself/received/"),  # as built, before the service fills it in
        ("feedback", "feedback/"),
        ("feedback-thank-you", "feedback/thank-you/"),
        ("easy-read", "easy-read/get-support/"),
    ]
    # Each language's pages (content/translations/<lang>/), left to right and right to left.
    for language in sorted(p.name for p in site.iterdir() if p.is_dir() and re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]+)?", p.name)
                           and (p / "get-support" / "index.html").is_file()):
        candidates += [(f"{language}-{name}", f"{language}/{address}") for name, address in (
            ("get-support", "get-support/"), ("refer-yourself", "get-support/refer-yourself/"),
            ("get-help-now", "get-help-now/"), ("referral-received", "get-support/refer-yourself/received/"))]
    found = [(name, addr) for name, addr in candidates if is_page(site, addr)]
    if (site / "404.html").is_file():
        found.append(("404", "this-page-does-not-exist/"))  # served with 404.html, as on the host
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", help="use this existing build folder (e.g. output) instead of building")
    parser.add_argument("--out", default=str(ROOT / "screenshots"), help="where to write PNGs")
    args = parser.parse_args()

    helpers = load_helpers()
    missing = helpers.chromium_missing_message()
    if missing:
        print(missing, file=sys.stderr)
        return 1

    with tempfile.TemporaryDirectory(prefix="oxpip-screens-") as tmp:
        if args.site:
            site = (ROOT / args.site).resolve()
            if not (site / "index.html").is_file():
                print(f"{site} has no index.html: run `make html` first", file=sys.stderr)
                return 1
        else:
            site = Path(tmp) / "output"
            print("Building content/ ...", flush=True)
            result = helpers.build_site(site)
            if result.returncode != 0 or not (site / "index.html").is_file():
                print(result.output, file=sys.stderr)
                print("The build failed; no screenshots taken.", file=sys.stderr)
                return 1
            for line in result.warnings + result.errors:
                print(f"  build {line}")

        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        for old in out.glob("*.png"):
            old.unlink()

        from playwright.sync_api import sync_playwright

        written = []
        pages = kinds_of_page(site)
        with helpers.serve_directory(site) as base_url, sync_playwright() as p:
            browser = helpers.launch_chromium(p)
            try:
                for width in WIDTHS:
                    context = browser.new_context(viewport={"width": width, "height": HEIGHT})
                    context.route(
                        lambda url: not url.startswith(base_url),
                        lambda route: route.abort(),
                    )
                    page = context.new_page()
                    for n, (name, address) in enumerate(pages, start=1):
                        page.goto(base_url + address, wait_until="load")
                        path = out / f"{n:02d}-{name}-{width}.png"
                        page.screenshot(path=str(path), full_page=True)
                        written.append(path)
                    context.close()
            finally:
                browser.close()

    print(f"Wrote {len(written)} screenshots to {out}:")
    for path in written:
        try:
            shown = path.resolve().relative_to(ROOT)
        except ValueError:
            shown = path
        print(f"  {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
