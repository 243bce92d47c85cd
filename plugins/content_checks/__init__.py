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
- The whole site: slugs unique; every page at an address of its own (not another page's,
  not in a folder the build makes itself); no file the build would silently ignore (a page
  outside the section folders, a document that is not Markdown, a data file not .yml).
- Each file's Template (one of the theme's), Category (the folder decides) and Lang (the
  site's language, except in content/translations/, which plugins/languages checks).

Each file's checks work from the file and its HTML alone (per_file.py), so the build
workers (plugins/build_workers) run them in batches while Pelican reads on; every file's
problems are reported once all are read (``all_generators_finalized``), in the order the
files were read, before the site-wide checks. A process that builds again (`make serve`)
reuses a file's results while the file, its HTML, its address, the settings and data the
checks use and the pictures folder are all unchanged.

It also owns two publishing rules:
- ``Scheduled: yes`` with a future Date keeps the page a draft until a build on or after
  that date (Pelican has no "scheduled" status: draft, hidden and published only).
- With ``SHOW_DRAFTS = False`` (publishconf.py) drafts are neither checked nor written.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import logging
import os
from pathlib import Path

from pelican import signals

from content_problems import report
from sections.sections import SECTION_RULES, section_of as top_folder
from site_data.freshness import site_now

import build_workers

from . import body, frontmatter, per_file, rules

logger = logging.getLogger(__name__)

DEFAULTS = {
    "CONTENT_CHECKS": True,
    "IMAGE_MAX_BYTES": 5_000_000,
    "CONTENT_CHECK_EXTRA_URLS": ["admin/"],  # made outside Pelican's content
    "CONTENT_CHECK_NOW": None,  # "2026-01-01" in tests; None means now, in TIMEZONE
}
# Files are checked by the build workers in batches of this many (fewer are checked here).
WORKER_BATCH = 32
# Folders and files of the built site that are not made from one content file: a page
# written there would be overwritten, or would overwrite them. The sections' lists (news/,
# stories/), the static folders (images/) and the theme's are added from the settings.
BUILD_FOLDERS = {"drafts": "previews of drafts", "pagefind": "the search index"}
BUILD_FILES = {"sitemap.xml", "robots.txt", "_headers", "_redirects", "nginx-security-headers.conf",
               "nginx-redirects.map"}

_state: dict = {}


def setting(name: str):
    return _state.get("settings", {}).get(name, DEFAULTS.get(name))


def _issue(issue: rules.Issue) -> None:
    report(issue.path, issue.field, issue.message, issue.fix, line=issue.line or 1)


# ------------------------------------------------------------------------- set-up


def _now(settings: dict) -> dt.datetime:
    return site_now(settings)


# Theme templates that are not a page's own: the frame every page is drawn in, and the
# section lists Pelican makes.
NOT_PAGE_TEMPLATES = {"base", "category", "article", "index", "tag", "tags", "author", "authors",
                      "categories", "archives", "period_archives"}


def _templates(settings: dict) -> list[str]:
    """The theme's page templates a file may name with Template: (theme/templates/*.html)."""
    folders = [os.path.join(settings.get("THEME", "theme"), "templates"), *(settings.get("THEME_TEMPLATES_OVERRIDES") or [])]
    names = {path.stem for folder in folders for path in Path(folder).glob("*.html")}
    return sorted(names - NOT_PAGE_TEMPLATES)


def _check_template(content, src, section: str) -> None:
    """A Template: that is not one of the theme's page templates is reported, and the page
    is drawn with its section's usual template so the preview goes on."""
    name = (src.value("template") or "").strip()
    if not name or name in _state["templates"]:
        return
    field = src.fields.get("template")
    close = difflib.get_close_matches(name, _state["templates"], n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    report(content.source_path, "Template", f'"{name}" is not one of the site\'s page templates{hint}',
           f"Use one of: {', '.join(_state['templates'])}; or delete the Template line (the page then looks "
           "like the others in its folder)", line=field.line if field else None)
    content.template = SECTION_RULES.get(section, ("page",))[0]


def _check_category(content, src, section: str) -> None:
    """The folder decides a story's or news post's section; a Category: line would move it
    to a section of its own (a list page the site does not have). Reported, and ignored in
    the preview."""
    field = src.fields.get("category")
    if field is None or section not in ("stories", "news"):
        return
    report(content.source_path, "Category", f'"{field.value}" is not used: the folder a file is in decides its '
           f"section (this one is in {section})",
           "Delete the Category line; to move the post to another section, move the file to that folder",
           line=field.line)
    from pelican.urlwrappers import Category

    content.category = Category(section, content.settings)
    content.metadata.pop("category", None)


def _check_language(content, src, section: str) -> None:
    """A page in another language belongs in content/translations/<lang>/ with the page it
    translates named (plugins/languages checks those); elsewhere a Lang: other than the
    site's would make Pelican publish the page nowhere."""
    field = src.fields.get("lang")
    site = str(_state["settings"].get("DEFAULT_LANG", "en"))
    if section == "translations" or field is None or field.value.strip().lower() == site.lower():
        return
    code = field.value.strip().lower()
    report(content.source_path, "Lang", f'"{field.value}" is not the site\'s language ({site}), and a page in '
           "another language is a translation of an English page, so this page would not be published",
           f"Move the file to content/translations/{code}/ and add the line \"Translation_of: ...\" with the name "
           "of the English page's file (docs/volunteers.md, section 8); or delete the Lang line", line=field.line)
    content.lang, content.in_default_lang = site, True


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
    _state["memo"] = {}  # source path -> (what its checks depended on, result, when checked), last build
    logging.getLogger("pelican.contents").addFilter(_FILTER)
    _lenient_dates()
    _new_run(pelican)


def _new_run(pelican) -> None:
    """At the start of every build (`make serve` rebuilds with the same Pelican object)."""
    if not _state.get("active"):
        return
    settings, root = _state["settings"], _state["root"]
    _state["now"] = _now(settings)
    _state["templates"] = _templates(settings)
    _state["services"] = _services(root)
    _state["funders"] = _funders(settings, root)
    _state["links"] = []  # (content, rel_dir, [Link]) checked once every page is known
    _state["files"] = []  # [content, rel_dir, result or None, memo key] of each file, in the order read
    _state["waiting"] = []  # per_file.File not sent to a worker yet
    _state["jobs"] = []  # (the files' slots, build_workers.Job) in order
    _state.pop("common", None)
    _state.pop("build_key", None)


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
    src = frontmatter.read(content.source_path)  # here: the checks below change the page
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
    _check_template(content, src, section)
    _check_category(content, src, section)
    _check_language(content, src, section)
    rel_dir = os.path.dirname(os.path.relpath(content.source_path, _state["root"])).replace(os.sep, "/")
    html = getattr(content, "_content", "") or ""
    key = (per_file.stamp(content.source_path), hashlib.sha256(html.encode("utf-8", "surrogatepass")).digest(),
           content.url, _build_key())
    remembered = _state["memo"].get(content.source_path)
    slot = [content, rel_dir, remembered[1] if remembered and _still_holds(remembered, key) else None, key]
    _state["files"].append(slot)
    if slot[2] is not None:
        return  # checked in an earlier build in this process (`make serve`), nothing changed
    _state["waiting"].append((slot, per_file.File(src, section, rel_dir, content.url, html)))
    if len(_state["waiting"]) >= WORKER_BATCH and build_workers.count(_state["settings"]):
        slots, items = zip(*_state["waiting"])
        _state["jobs"].append((slots, build_workers.submit(_state["settings"], per_file.check_files,
                                                           list(items), _common())))
        _state["waiting"] = []


def _common() -> per_file.Common:
    if "common" not in _state:
        settings = _state["settings"]
        _state["common"] = per_file.Common(
            root=_state["root"], now=_state["now"], services=_state["services"], funders=_state["funders"],
            settings={name: settings[name] for name in ("CONTENT_SUMMARY_MAX_LENGTH", "NEWS_TOPICS")
                      if name in settings},
            max_bytes=int(setting("IMAGE_MAX_BYTES")))
    return _state["common"]


def _still_holds(remembered: tuple, key: tuple) -> bool:
    """A file's result from an earlier build holds if what it depended on is the same and
    no date in the file has been passed since (time only moves on: an earlier ``now``
    means a clock put back, or a different CONTENT_CHECK_NOW, so check again)."""
    earlier_key, (_, _, valid_until), checked_at = remembered
    now = _state["now"]
    return earlier_key == key and checked_at <= now and (valid_until is None or now < valid_until)


def _build_key() -> str:
    """What every file's checks depend on besides the file, its HTML and the time: the
    settings and site data they use, and every file in the content's images folder (a
    picture added, removed or replaced changes what a page's pictures are checked against)."""
    if "build_key" not in _state:
        common = _common()
        pictures = []
        for folder, _, names in sorted(os.walk(os.path.join(_state["root"], "images"))):
            pictures += [(os.path.join(folder, name), per_file.stamp(os.path.join(folder, name)))
                         for name in sorted(names)]
        _state["build_key"] = repr((common.root, sorted(common.services.items()),
                                    repr(common.funders), sorted(common.settings.items()), common.max_bytes,
                                    pictures))
    return _state["build_key"]


def _report_files() -> None:
    """Every file's problems, in the order the files were read (remembered from an earlier
    build, from the workers' jobs, or checked here), and the links to check."""
    for slots, job in _state["jobs"]:
        for slot, result in zip(slots, job.result()):
            slot[2] = result
    if _state["waiting"]:
        slots, items = zip(*_state["waiting"])
        for slot, result in zip(slots, per_file.check_files(list(items), _common())):
            slot[2] = result
    memo = {}
    for content, rel_dir, result, key in _state["files"]:
        issues, links, _ = result
        for issue in issues:
            _issue(issue)
        _state["links"].append((content, rel_dir, links))
        earlier = _state["memo"].get(content.source_path)
        checked_at = earlier[2] if earlier and earlier[1] is result else _state["now"]
        memo[content.source_path] = (key, result, checked_at)
    _state["memo"] = memo  # this build's files only
    _state["files"], _state["jobs"], _state["waiting"] = [], [], []


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
    _report_files()
    articles, pages, static = _generators(generators)
    if articles is None or pages is None:
        return
    published = list(articles.articles) + list(articles.hidden_articles) + list(pages.pages) + list(pages.hidden_pages)
    published += list(pages.translations) + list(pages.hidden_translations)  # pages in other languages
    drafts = list(articles.drafts) + list(pages.draft_pages) + list(pages.draft_translations)
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

    _check_addresses(everything, getattr(articles, "categories", []), reported=_check_slugs(everything))
    _check_image_folder(statics)
    _check_stray_files()

    if not _state["show_drafts"]:
        # Drafts (and scheduled pages before their date) are never written when publishing.
        for items in (articles.drafts, articles.drafts_translations, pages.draft_pages, pages.draft_translations):
            items.clear()


def _check_slugs(contents) -> set[str]:
    """Slugs are unique across the site; returns the files reported."""
    seen: dict[str, str] = {}
    reported = set()
    for content in sorted(contents, key=lambda c: c.source_path):
        slug = getattr(content, "slug", None)
        if not slug or section_of(content) in ("translations", "easy-read"):
            continue  # a version of a page takes that page's slug (plugins/languages checks those)
        path = _rel(content.source_path)
        if slug in seen:
            report(content.source_path, "Slug", f'the slug "{slug}" is also used by content/{seen[slug]}',
                   "Give this file a different Slug (small letters, numbers and hyphens)")
            reported.add(content.source_path)
            continue
        seen[slug] = path
    return reported


def _build_folders(categories) -> dict[str, str]:
    """Top folders of the built site that the build makes itself: name -> what is there."""
    settings = _state["settings"]
    folders = dict(BUILD_FOLDERS)
    folders.update({category.slug: f"the {category.name} list" for category, _ in categories})
    folders.update({str(path).strip("/").split("/")[0]: "pictures and files" for path in settings.get("STATIC_PATHS") or []})
    for setting, default, what in (("THEME_STATIC_DIR", "theme", "the site's styles and scripts"),
                                   ("DECAP_ADMIN_OUTPUT", "admin", "the web editor"),
                                   ("OPEN_REFERRAL_PATH", "", "the service data")):
        value = str(settings.get(setting) or default).strip("/")
        if value:
            folders[value.split("/")[0]] = what
    return folders


def _address_field(content) -> str:
    """The front-matter field that decides where a file is written."""
    metadata = getattr(content, "metadata", {}) or {}
    return "Save_as" if "save_as" in metadata else "URL" if "url" in metadata else "Slug"


def _check_addresses(contents, categories, reported: set[str]) -> None:
    """Every page has an address of its own. A file that would be written where another page
    is (the same Save_as, URL or slug), or into a folder the build makes itself, is reported
    (unless its slug was: ``reported``); the preview leaves it out, as writing it would
    overwrite the other one or stop the build. Addresses from slugs are claimed first, so a
    Save_as or URL that takes another page's address is the one named."""
    folders = _build_folders(categories)
    taken = {category.save_as: f"the {category.name} list" for category, _ in categories if category.save_as}
    for content in sorted(contents, key=lambda c: (_address_field(c) != "Slug", c.source_path)):
        save_as = getattr(content, "save_as", "") or ""
        if not save_as:
            continue
        address = "/" + (save_as[: -len("index.html")] if save_as.endswith("index.html") else save_as)
        field = _address_field(content)
        fix = {"Slug": "Give this file a different Slug (small letters, numbers and hyphens)",
               "URL": "Change its URL and Save_as lines (or delete both: the page then goes at its own address)",
               "Save_as": "Change its Save_as line (or delete it: the page then goes at its own address)"}[field]
        top = save_as.split("/")[0]
        clash = taken.get(save_as)
        if clash is None and section_of(content) == "pages" and content.status != "draft":  # drafts: in drafts/
            if save_as in BUILD_FILES:
                clash = "a file the build writes itself"
            elif "/" in save_as and top in folders:
                clash = f"in a folder the build makes itself ({folders[top]})"
        if clash is None:
            taken[save_as] = f"used by content/{_rel(content.source_path)}"
            continue
        if field == "Slug" and clash.startswith("the ") and clash.endswith(" list"):
            message = f'the slug "{content.slug}" is the name of a section of the site ({clash})'
            fix = "Choose another Slug for this page"
        else:
            message = f"the address {address} is already {clash}"
        if content.source_path not in reported:
            report(content.source_path, field, message, fix)
        content.override_save_as = ""  # not written: the preview goes on without it


PAGE_SUFFIXES = {".md", ".markdown", ".mkd", ".mdown"}


def _check_stray_files() -> None:
    """A file the build would silently ignore: a page outside the section folders, a document
    that is not Markdown in one of them, a data file that is not .yml."""
    settings, root = _state["settings"], Path(_state["root"])
    sections = [str(p).strip("/") for p in (settings.get("ARTICLE_PATHS") or []) + (settings.get("PAGE_PATHS") or [])]
    statics = [str(p).strip("/") for p in settings.get("STATIC_PATHS") or []]
    data = Path(settings.get("DATA_PATH") or root / "data")
    folders = " or ".join(f"content/{s}/" for s in sections)
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")):
        rel = path.relative_to(root).as_posix()
        suffix = path.suffix.lower()
        if any(rel.startswith(s + "/") for s in statics):
            continue
        if data in path.parents:
            if suffix != ".yml":
                report(str(path), "file", "only .yml files in the data folder are read, so this one is ignored",
                       f"Rename it to {path.stem}.yml if it holds the site's facts, or move it out of content/data/")
        elif any(rel.startswith(s + "/") for s in sections):
            if suffix not in PAGE_SUFFIXES | {".html", ".htm"}:
                report(str(path), "file", f"a {suffix or 'file without an ending'} is not a page, so it is not published",
                       "Copy its words into a new .md file in this folder; put pictures in content/images/")
        elif suffix in PAGE_SUFFIXES:
            report(str(path), "file", "this file is not in one of the folders pages are made from, so it is not "
                   "published", f"Move it into {folders}")


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
