"""Redirects: old addresses keep working.

content/data/redirects.yml maps old addresses to pages. The build checks every new
address is a page (a problem stops ``make publish``), then writes:

- a redirect page at each old address (meta refresh, canonical to the new address, a link),
- ``_redirects`` for Netlify / Cloudflare Pages style hosts,
- ``nginx-redirects.map`` for nginx (docs/partners.md shows how to include it).

Other plugins may add host rules (for example rewrites of the Open Referral API paths) by
appending ``(source, target, status)`` to the ``REDIRECTS_EXTRA_RULES`` setting.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from jinja2 import ChoiceLoader, FileSystemLoader
from pelican import signals
from pelican.generators import Generator

from content_problems import report

from .rules import Redirect, RedirectsFileError, check, netlify_redirects, nginx_map, normalise, parse

logger = logging.getLogger(__name__)
TEMPLATES = os.path.join(os.path.dirname(__file__), "templates")


def redirects_file(settings) -> str:
    """REDIRECTS_FILE, or data/redirects.yml in the content folder being built."""
    return settings.get("REDIRECTS_FILE") or os.path.join(settings.get("PATH", "content"), "data", "redirects.yml")


def site_paths(generators) -> tuple[set[str], set[str], dict[str, str]]:
    """(every path the build answers, the paths of real pages, titles by path)."""
    answers, pages, titles = {"/"}, set(), {"/": "the home page"}
    for generator in generators:
        for attr in ("pages", "hidden_pages", "articles"):
            for item in getattr(generator, attr, []) or []:
                path = "/" + item.url
                answers.add(path)
                pages.add(path)
                titles[path] = str(item.title)
        for category, _ in getattr(generator, "categories", []) or []:
            path = "/" + category.url
            answers.add(path)
            pages.add(path)
            titles[path] = generator.settings.get("SECTION_TITLES", {}).get(category.slug, category.name)
        for item in getattr(generator, "staticfiles", []) or []:
            answers.add("/" + item.url)
    for extra in (generators[0].settings.get("CONTENT_CHECK_EXTRA_URLS") or []) if generators else []:
        answers.add("/" + extra.lstrip("/"))
    return answers, pages, titles


class RedirectsGenerator(Generator):
    """Reads the redirects file; writes the redirect pages and the host files."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.env.loader = ChoiceLoader([self.env.loader, FileSystemLoader(TEMPLATES)])
        self.redirects: list[Redirect] = []
        self.titles: dict[str, str] = {}
        self.source = redirects_file(self.settings)

    def generate_context(self):
        path = Path(self.source)
        if not path.is_file():
            return
        try:
            self.redirects = parse(path.read_text(encoding="utf-8"))
        except RedirectsFileError as error:
            report(str(path), "redirects", str(error), "Fix the file; each line reads '/old/: /new/'", line=1)

    def check(self, generators) -> None:
        answers, pages, self.titles = site_paths(generators)
        good = []
        problems = check(self.redirects, answers.__contains__, lambda p: normalise(p) in pages)
        bad = {id(r) for r, _, _ in problems}
        for r, message, fix in problems:
            report(self.source, "redirects", message, fix, line=r.line)
        for r in self.redirects:
            if id(r) not in bad:
                good.append(r)
        self.redirects = good

    def generate_output(self, writer):
        template = self.get_template("redirect_page")
        for r in self.redirects:
            if r.stub_file is None:
                continue
            target = normalise(r.new)
            writer.write_file(
                r.stub_file, template, self.context,
                relative_urls=self.settings.get("RELATIVE_URLS"),
                redirect_to=r.new,
                redirect_title=self.titles.get(target, r.new),
                redirect_from=r.old,
                nav_current="",
            )
        output = Path(self.output_path)
        extra = self.settings.get("REDIRECTS_EXTRA_RULES") or []
        (output / "_redirects").write_text(
            netlify_redirects(self.redirects, force=bool(self.settings.get("REDIRECTS_FORCE")), extra=extra),
            encoding="utf-8")
        (output / "nginx-redirects.map").write_text(nginx_map(self.redirects), encoding="utf-8")


def _generator(pelican):
    return RedirectsGenerator


def _check(generators) -> None:
    for generator in generators:
        if isinstance(generator, RedirectsGenerator):
            generator.check(generators)


def _verify(pelican) -> None:
    """After the build: every redirect lands on a file that was written."""
    output = Path(pelican.output_path)
    path = Path(redirects_file(pelican.settings))
    if not path.is_file():
        return
    try:
        redirects = parse(path.read_text(encoding="utf-8"))
    except RedirectsFileError:
        return
    for r in redirects:
        target = normalise(r.new).lstrip("/")
        file = output / (target + "index.html" if target.endswith("/") or target == "" else target)
        if not file.is_file():
            logger.warning("redirects: %s -> %s, but the build wrote no %s", r.old, r.new,
                           file.relative_to(output))


def register() -> None:
    signals.get_generators.connect(_generator)
    signals.all_generators_finalized.connect(_check)
    signals.finalized.connect(_verify)
