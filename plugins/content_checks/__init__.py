"""Content checks: the build stops anything that would hurt someone, and says how to fix it.

Each problem is reported through ``content_problems.report`` as
``path:line: field: what is wrong. How to fix it.``: a warning in ``make html`` and
``make serve``, a stopped build in ``make publish``. ``make check`` runs these checks
alone (see ``run.py``). What is checked, with every message, is in docs/volunteers.md.

- Front matter, per section (rules.py): required fields, dates as YYYY-MM-DD, yes/no
  flags, Summary length, no future Date unless ``Scheduled: yes``; stories: consent
  reference and date, a pseudonym or ``Real_name_agreed: yes``, a Service that exists;
  news: a Topic from ``NEWS_TOPICS`` and Funders from content/data/funders.yml.
- The text (body.py): no <script>/<iframe>/<object>/<embed>, on...= handlers or
  javascript: links; every picture has meaningful alt text, exists, and is under
  ``IMAGE_MAX_BYTES``; every {filename}/{static} link and site link resolves; links to
  other sites only go to ``EXTERNAL_LINK_HOSTS``.
- The whole site: slugs unique.

It also owns two publishing rules:
- ``Scheduled: yes`` with a future Date keeps the page a draft until a build on or after
  that date (Pelican has no "scheduled" status: draft, hidden and published only).
- With ``SHOW_DRAFTS = False`` (publishconf.py) drafts are neither checked nor written.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

from pelican import signals

from content_problems import report
from sections.sections import section_of as top_folder
from site_data.freshness import site_now

from . import body, frontmatter, rules

logger = logging.getLogger(__name__)

DEFAULTS = {
    "CONTENT_CHECKS": True,
    "IMAGE_MAX_BYTES": 5_000_000,
    "CONTENT_CHECK_EXTRA_URLS": ["admin/"],  # made outside Pelican's content
    "CONTENT_CHECK_NOW": None,  # "2026-01-01" in tests; None means now, in TIMEZONE
}
# A page slug that would clash with a folder of the built site.
RESERVED_PAGE_SLUGS = {"stories", "news", "drafts", "images", "theme", "admin", "feeds"}

_state: dict = {}


def setting(name: str):
    return _state.get("settings", {}).get(name, DEFAULTS.get(name))


def _issue(issue: rules.Issue) -> None:
    report(issue.path, issue.field, issue.message, issue.fix, line=issue.line or 1)


# ------------------------------------------------------------------------- set-up


def _now(settings: dict) -> dt.datetime:
    return site_now(settings)


def _services(content_root: str) -> dict[str, str]:
    """Service slug -> file, read from content/services/ (before Pelican reads them)."""
    found = {}
    folder = Path(content_root) / "services"
    for path in sorted(folder.glob("*.md")):
        try:
            slug = frontmatter.read(str(path)).value("slug") or path.stem
        except OSError:
            continue
        found[slug.strip()] = str(path)
    return found


def _funders(settings: dict, content_root: str) -> dict:
    data = settings.get("DATA") or {}
    if "funders" in data:
        return data["funders"] or {}
    path = Path(settings.get("DATA_PATH") or Path(content_root) / "data") / "funders.yml"
    try:
        import yaml

        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, ValueError):
        return {}


class _CoveredByChecks(logging.Filter):
    """Pelican's own link warnings ("Unable to find ...") are replaced by our clearer ones."""

    DROPPED = ("Unable to find '%s', skipping url replacement.",
               "{filename} used for linking to static content %s in %s. Use {static} instead")

    def filter(self, record: logging.LogRecord) -> bool:
        return not (_state.get("active") and record.msg in self.DROPPED)


_FILTER = _CoveredByChecks()


def _lenient_dates() -> None:
    """A date Pelican cannot read would make it skip the file with a technical error.
    We report the date clearly (rules.check_types) and let the local preview go on."""
    from pelican import readers
    from pelican.utils import SafeDatetime

    for key in ("date", "modified"):
        original = readers.METADATA_PROCESSORS[key]
        if getattr(original, "_oxpip_lenient", False):
            continue

        def lenient(value, settings, _original=original):
            try:
                return _original(value, settings)
            except ValueError:
                if not _state.get("active"):
                    raise
                return SafeDatetime(1970, 1, 1)

        lenient._oxpip_lenient = True
        readers.METADATA_PROCESSORS[key] = lenient


def _setup(pelican) -> None:
    settings = pelican.settings
    _state.clear()
    _state["settings"] = settings
    _state["active"] = bool(settings.get("CONTENT_CHECKS", True))
    if not _state["active"]:
        return
    _state["root"] = settings["PATH"]
    _state["show_drafts"] = bool(settings.get("SHOW_DRAFTS", True))
    logging.getLogger("pelican.contents").addFilter(_FILTER)
    _lenient_dates()
    _new_run(pelican)


def _new_run(pelican) -> None:
    """At the start of every build (`make serve` rebuilds with the same Pelican object)."""
    if not _state.get("active"):
        return
    settings, root = _state["settings"], _state["root"]
    _state["now"] = _now(settings)
    _state["services"] = _services(root)
    _state["funders"] = _funders(settings, root)
    _state["links"] = []  # (content, rel_dir, [Link]) checked once every page is known


# ---------------------------------------------------------------- one file at a time


def section_of(content) -> str | None:
    root = _state.get("root")
    source = getattr(content, "source_path", None)
    if not source or not root:
        return None
    top = top_folder(source, root)
    return top if top in rules.SECTIONS else None


def _check_content(content) -> None:
    if not _state.get("active"):
        return
    from pelican.contents import Article, Page

    if not isinstance(content, (Article, Page)):
        return
    section = section_of(content)
    if section is None:
        return
    src = frontmatter.read(content.source_path)
    if isinstance(content, Article) and not hasattr(content, "date"):
        _stand_in_date(content)
    content.scheduled = False
    date = rules.parse_date(src.value("date") or "")
    if rules.is_yes(src.value("scheduled")) and date and date > _state["now"]:
        content.status = "draft"  # kept back until a build on or after its date
        content.scheduled = True
    is_draft = getattr(content, "status", "published") == "draft"
    if is_draft and not _state["show_drafts"]:
        return  # never published, so never checked in a publish build
    root = _state["root"]
    rel_dir = os.path.dirname(os.path.relpath(content.source_path, root)).replace(os.sep, "/")
    issues = rules.check_file(src, section, now=_state["now"], services=_state["services"],
                              funders=_state["funders"], settings=_state["settings"])
    issues += body.check_unsafe_html(src)
    html = getattr(content, "_content", "") or ""
    parsed = body.collect(html)  # parsed once, for both the pictures and the links
    issues += body.check_images(src, html, content_root=root, rel_dir=rel_dir,
                                max_bytes=int(setting("IMAGE_MAX_BYTES")), parsed=parsed)
    for issue in issues:
        _issue(issue)
    _state["links"].append((content, rel_dir, body.links_of(src, html, content.url, parsed=parsed)))


def _stand_in_date(content) -> None:
    """A post with no Date is reported (rules.check_required); give it a stand-in date so
    Pelican keeps it in the local preview instead of dropping it with a technical error."""
    from pelican.utils import SafeDatetime, set_date_tzinfo

    content.date = set_date_tzinfo(SafeDatetime(1970, 1, 1), _state["settings"].get("TIMEZONE"))
    content.locale_date = content.date.strftime(_state["settings"].get("DEFAULT_DATE_FORMAT", "%Y-%m-%d"))


# --------------------------------------------------------------------- the whole site


def _generators(generators):
    articles = pages = static = None
    for generator in generators:
        if hasattr(generator, "drafts"):
            articles = generator
        elif hasattr(generator, "draft_pages"):
            pages = generator
        elif hasattr(generator, "staticfiles"):
            static = generator
    return articles, pages, static


def _rel(path: str) -> str:
    return os.path.relpath(path, _state["root"]).replace(os.sep, "/")


def _check_site(generators) -> None:
    if not _state.get("active"):
        return
    articles, pages, static = _generators(generators)
    if articles is None or pages is None:
        return
    published = list(articles.articles) + list(articles.hidden_articles) + list(pages.pages) + list(pages.hidden_pages)
    drafts = list(articles.drafts) + list(pages.draft_pages)
    everything = published + (drafts if _state["show_drafts"] else [])

    sources = {_rel(c.source_path): c.status for c in published + drafts}
    statics = {_rel(s.source_path) for s in (static.staticfiles if static else [])}
    urls = {c.url for c in published} | {s.url for s in (static.staticfiles if static else [])}
    urls |= {category.url for category, _ in getattr(articles, "categories", [])}
    urls |= set(setting("CONTENT_CHECK_EXTRA_URLS") or [])
    if _state["show_drafts"]:
        urls |= {c.url for c in drafts}
    hosts = {h.lower() for h in (_state["settings"].get("EXTERNAL_LINK_HOSTS") or [])}
    site = body.SiteMap(sources, statics, urls, hosts, _state["root"])

    for content, rel_dir, links in _state["links"]:
        if content.status == "draft" and not _state["show_drafts"]:
            continue
        for link in links:
            for issue in body.check_link(link, site, rel_dir=rel_dir):
                _issue(issue)

    _check_slugs(everything)
    _check_image_folder(statics)

    if not _state["show_drafts"]:
        # Drafts (and scheduled pages before their date) are never written when publishing.
        for items in (articles.drafts, articles.drafts_translations, pages.draft_pages, pages.draft_translations):
            items.clear()


def _check_slugs(contents) -> None:
    seen: dict[str, str] = {}
    for content in sorted(contents, key=lambda c: c.source_path):
        slug = getattr(content, "slug", None)
        if not slug:
            continue
        path = _rel(content.source_path)
        if slug in seen:
            report(content.source_path, "Slug", f'the slug "{slug}" is also used by content/{seen[slug]}',
                   "Give this file a different Slug (small letters, numbers and hyphens)")
            continue
        seen[slug] = path
        if section_of(content) == "pages" and slug in RESERVED_PAGE_SLUGS:
            report(content.source_path, "Slug", f'the slug "{slug}" is the name of a section of the site',
                   "Choose another Slug for this page")


def _check_image_folder(statics) -> None:
    """Every picture in the images folder is small enough, even if no page uses it yet."""
    limit = int(setting("IMAGE_MAX_BYTES"))
    for relative in sorted(statics):
        path = os.path.join(_state["root"], relative)
        if os.path.isfile(path) and os.path.getsize(path) > limit:
            for issue in body.check_image_file(path, 1, path, _state["root"], limit):
                report(path, "file", issue.message, issue.fix, line=1)


def register() -> None:
    signals.initialized.connect(_setup)
    signals.get_generators.connect(_new_run)
    signals.content_object_init.connect(_check_content)
    signals.all_generators_finalized.connect(_check_site)
