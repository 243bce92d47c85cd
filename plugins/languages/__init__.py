"""Languages: pages in other languages, Easy Read versions, and the theme's words per language.

Why Pelican's own translations, not the i18n_subsites plugin: a charity translates a handful
of pages (Get support, Refer yourself, Get help now), not the whole site. Pelican already
links a page and its translations by slug (``Lang`` plus the same slug; ``page.translations``),
so each translation is one more page in the same build, at a clean address that never
changes (/pl/get-support/, the English address with the language in front). i18n_subsites
would build the whole site again for every language, doubling build time per language to
produce hundreds of English pages under /pl/ that nobody asked for. See docs/volunteers.md.

What this plugin does, once per build unless said otherwise:

- Reads the catalogues of the theme's own words (translations/<lang>/LC_MESSAGES/messages.po,
  ``referrals.i18n``), compiled once, and gives every template ``_()`` in the language of
  the page being drawn (theme_words.py). A string a catalogue lacks shows in English, and
  the build lists it (a notice per language that has pages).
- Places each file of content/translations/<lang>/ (``Lang`` and ``Translation_of``) at
  /<lang>/<the English page's address>, with the English page's slug (so Pelican links the
  two both ways), its template and status; and each file of content/easy-read/
  (``Easy_read_of``) at /easy-read/<address>. addresses.py has the rules.
- Gives templates: ``page_language()`` (code, tag, name, direction), ``language_versions()``
  (this page in each language, for the switcher and the hreflang links),
  ``other_version()`` (the Easy Read version of a page, or the standard version of an
  Easy Read page), ``localised(url)`` (the page in this language if there is one),
  ``nav_links()`` and ``local_date()`` (a date in the page's language).
- Writes ``LANGUAGE_ALTERNATES`` into the settings for plugins/seo (sitemap.xml's
  hreflang alternates): site path -> [(hreflang, site path)], each list complete, so every
  alternate points back.
- Checks (``path:line: field: what. Fix.``): a Lang that is no language, a translation of a
  page that does not exist, two files for the same page in one language, and a translation
  that no translator has checked (``Translator_checked: no``): ``make publish`` refuses it
  unless the file is a marked example (``Example: yes``). Easy Read pages get the checks in
  easy_read.py.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import pass_context
from pelican import signals

from content_checks.frontmatter import read
from content_checks.per_file import stamp
from content_problems import notice, report
from referrals.i18n import DOMAIN, SOURCE_LANGUAGE, TEMPLATE, Catalogues, UnknownLanguage, Words, language, normalise
from referrals.i18n import FOLDER as CATALOGUE_FOLDER

from . import easy_read
from .addresses import EASY_READ, TRANSLATIONS, Original, easy_read_address, scan_originals, translated_address, version_folder
from .theme_words import current_language, install

STATE = "LANGUAGES_STATE"  # this build's Site, kept on the settings


@dataclass
class Site:
    """What one build knows about languages and versions."""

    settings: dict
    default: str
    catalogues: Catalogues | None = None
    catalogue_files: tuple = ()  # (path, modified ns, size) of each file they were read from
    originals: dict[str, Original] = field(default_factory=dict)
    # (language, English page's URL) -> the page in that language; "easy-read" for Easy Read
    versions: dict[tuple[str, str], object] = field(default_factory=dict)
    by_english_url: dict[str, list] = field(default_factory=dict)  # English URL -> [(language, page)]
    claimed: dict[tuple[str, str], object] = field(default_factory=dict)  # same key -> the file that has it
    used: set[str] = field(default_factory=set)  # languages with at least one page


def _site(settings) -> Site | None:
    return settings.get(STATE)


def _default(settings) -> str:
    return normalise(settings.get("DEFAULT_LANG") or SOURCE_LANGUAGE)


# ------------------------------------------------------------------------- set-up


def _setup(pelican) -> None:
    settings = pelican.settings
    settings[STATE] = Site(settings, _default(settings))
    settings.setdefault("JINJA_GLOBALS", {}).update(
        page_language=page_language, language_versions=language_versions, other_version=other_version,
        localised=localised, nav_links=nav_links, local_date=local_date,
    )
    settings["LANGUAGE_ALTERNATES"] = {}


def _new_build(pelican) -> None:
    """At the start of every build (`make serve` rebuilds with the same Pelican object):
    the catalogues are read and compiled again if one of their files changed, and the
    English pages listed."""
    site = _site(pelican.settings)
    if site is None:
        return
    folder = pelican.settings.get("TRANSLATIONS_PATH") or None
    files = _catalogue_files(folder)
    if site.catalogues is None or files != site.catalogue_files:
        site.catalogues, site.catalogue_files = Catalogues.load(folder), files
    site.originals = scan_originals(pelican.settings["PATH"])
    site.versions.clear()
    site.by_english_url.clear()
    site.claimed.clear()
    site.used.clear()
    for path, line, what in site.catalogues.problems:
        if what.startswith("the translation of"):
            message, _, fix = what.partition(". ")
            report(str(path), "msgstr", message, fix, line=line)
            continue
        report(str(path), "file", f"this catalogue cannot be read ({what}), so its language shows the site's "
               "own words in English", "Fix the line named (a gettext .po file: msgid and msgstr lines in "
               "double quotes), or run make translations to write it again", line=line)


def _catalogue_files(folder: str | None) -> tuple:
    """What the catalogues are read from, with each file's (modified ns, size)."""
    base = Path(folder) if folder else CATALOGUE_FOLDER
    return tuple((str(path), *stamp(str(path))) for path in [base / TEMPLATE, *sorted(base.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))])


def _generator_init(generator) -> None:
    site = _site(generator.settings)
    if site is not None:
        install(generator.env, lambda: site.catalogues, site.default)


# ------------------------------------------------------------------ one file at a time


def _place(content) -> None:
    """Give a translation or an Easy Read page its language, slug, address and template."""
    from pelican.contents import Page

    site = _site(content.settings)
    source = getattr(content, "source_path", None)
    if site is None or not source or not isinstance(content, Page):
        return
    folder = version_folder(source, content.settings["PATH"])
    if folder is None:
        return
    kind, folder_lang = folder
    src = read(source)
    if kind == TRANSLATIONS:
        _place_translation(site, content, src, folder_lang)
    else:
        _place_easy_read(site, content, src)


def _original_for(site: Site, content, src, field_name: str, label: str) -> Original | None:
    name = (src.value(field_name) or "").strip().removesuffix(".md")
    name = name.rsplit("/", 1)[-1]
    if not name:
        return None  # "this field is missing": content_checks' required fields
    original = site.originals.get(name)
    if original is None:
        import difflib

        names = sorted({o.name for o in site.originals.values()})
        close = difflib.get_close_matches(name, names, n=1)
        report(source_of(content), label, f'"{name}" is not a page of the site'
               + (f" (did you mean {close[0]}?)" if close else ""),
               "Write the name of the English page's file in content/pages/ or content/services/, without .md "
               "(for example get-support)", line=_line(src, field_name))
    return original


def source_of(content) -> str:
    return content.source_path


def _line(src, name: str) -> int:
    found = src.fields.get(name)
    return found.line if found else 1


def _keep_out(content) -> None:
    """A file that cannot be placed is not written (the problem is reported already)."""
    content.override_save_as = ""


def _place_translation(site: Site, content, src, folder_lang: str) -> None:
    path = content.source_path
    written = (src.value("lang") or "").strip()
    if not written:
        _keep_out(content)
        return  # "Lang: this field is missing" (content_checks)
    try:
        lang = language(written)
    except UnknownLanguage:
        report(path, "Lang", f'"{written}" is not a language code',
               'Write the language\'s short code, as in the folder name: "Lang: pl" for Polish, "Lang: ar" '
               'for Arabic, "Lang: ro" for Romanian', line=_line(src, "lang"))
        _keep_out(content)
        return
    if lang.code == site.default or lang.code.split("-")[0] == site.default.split("-")[0]:
        report(path, "Lang", f'"{written}" is the site\'s own language, so this is not a translation',
               "For an Easy Read version use content/easy-read/ and Easy_read_of; otherwise write the page's "
               "language here", line=_line(src, "lang"))
        _keep_out(content)
        return
    if folder_lang and normalise(folder_lang) != lang.code:
        report(path, "Lang", f'"{written}" does not match the folder the file is in (content/translations/{folder_lang}/)',
               f"Move the file to content/translations/{lang.code}/, or correct the Lang line",
               line=_line(src, "lang"))
    original = _original_for(site, content, src, "translation_of", "Translation_of")
    if original is None:
        _keep_out(content)
        return
    if not _claim(site, (lang.code, original.url), content, src, "Translation_of",
                  f"the {lang.english_name} version of {original.name}", "Keep one of the two files: delete this one, or merge the two"):
        return
    content.lang = lang.code
    content.in_default_lang = False
    content.slug = original.slug  # Pelican links pages with the same slug as translations
    content.override_url, content.override_save_as = _drafted(content, *translated_address(lang.code, original))
    content.english_url = original.url
    if "template" not in content.metadata and original.template:
        content.template = original.template
    if "status" not in content.metadata and original.status == "hidden":
        content.status = "hidden"
    _crumbs(content, original)
    site.used.add(lang.code)
    # Never published (a marked example is, for a translator to check): the preview says so.
    content.unchecked_translation = not _is_yes(src.value("translator_checked")) and not _is_yes(src.value("example"))
    if content.unchecked_translation:
        report(path, "Translator_checked", "no translator has checked this translation yet, so it cannot be published",
               "Ask a translator who speaks the language to read it against the English page; then write "
               "Translator_checked: yes", line=_line(src, "translator_checked"))


def _claim(site: Site, key, content, src, label: str, what: str, fix: str) -> bool:
    """One file per page and version. Of two, the first by file name keeps it (whichever
    Pelican read first), and the other is reported and not written."""
    other = site.claimed.get(key)
    if other is None or other is content:
        site.claimed[key] = content
        return True
    keep, drop = sorted((other, content), key=lambda c: c.source_path)
    site.claimed[key] = keep
    root = content.settings["PATH"]
    report(drop.source_path, label, f"content/{os.path.relpath(keep.source_path, root)} is already {what}", fix,
           line=_line(read(drop.source_path), label.lower()))
    _keep_out(drop)
    return drop is not content


def _drafted(content, url: str, save_as: str) -> tuple[str, str]:
    """A draft version is previewed under /drafts/, like every draft (never at its live address)."""
    if getattr(content, "status", "") == "draft":
        return f"drafts/{url}", f"drafts/{save_as}"
    return url, save_as


def _is_yes(value) -> bool:
    return str(value or "").strip().lower() in ("yes", "true")


def _crumbs(content, original: Original) -> None:
    """Breadcrumbs and the current menu entry of a version: those of the English page (the
    labels are translated and the links localised when the page is drawn)."""
    from sections.sections import SECTION_RULES, nav_key

    trail = list(SECTION_RULES.get(original.section, SECTION_RULES["pages"])[1])
    if original.section == "pages" and "/" in original.url.strip("/"):
        parents = original.url.strip("/").split("/")[:-1]
        trail += [(name.replace("-", " ").capitalize(), "/".join(parents[: n + 1]) + "/") for n, name in enumerate(parents)]
    content.breadcrumbs = [] if original.url == "" else trail
    content.nav_current = nav_key(original.section, original.url)
    content.section = original.section if original.section == "services" else "pages"


def _place_easy_read(site: Site, content, src) -> None:
    original = _original_for(site, content, src, "easy_read_of", "Easy_read_of")
    if original is None:
        _keep_out(content)
        return
    if not _claim(site, (EASY_READ, original.url), content, src, "Easy_read_of",
                  f"the Easy Read version of {original.name}", "Keep one of the two files"):
        return
    content.slug = f"{EASY_READ}-{original.slug}"
    content.override_url, content.override_save_as = _drafted(content, *easy_read_address(original))
    content.english_url = original.url
    content.easy_read = True
    if "template" not in content.metadata:
        content.template = "easy_read"
    _crumbs(content, original)
    for issue in easy_read.check(src, getattr(content, "_content", "") or "", content.settings):
        report(issue.path, issue.field, issue.message, issue.fix, line=issue.line)


# --------------------------------------------------------------------- the whole site


def _link(generators) -> None:
    """Every page's versions, the sitemap's alternates, and the strings still to translate."""
    site = None
    pages = []
    for generator in generators:
        site = site or _site(generator.settings)
        pages += list(getattr(generator, "pages", []) or []) + list(getattr(generator, "translations", []) or [])
        pages += list(getattr(generator, "hidden_pages", []) or []) + list(getattr(generator, "hidden_translations", []) or [])
    if site is None:
        return
    pages = [page for page in pages if getattr(page, "save_as", "")]  # not those left out (reported)
    for page in pages:
        english = getattr(page, "english_url", None)
        if getattr(page, "easy_read", False):
            site.versions[(EASY_READ, english)] = page
        elif english is not None:
            site.versions[(page.lang, english)] = page
        elif normalise(getattr(page, "lang", site.default)) == site.default:
            site.versions[(site.default, page.url)] = page
    for (code, url), page in site.versions.items():
        if code != EASY_READ:
            site.by_english_url.setdefault(url, []).append((code, page))
    alternates: dict[str, list[tuple[str, str]]] = {}
    for page in pages:
        group = _group(site, page)
        if len(group) > 1 and getattr(page, "status", "") != "hidden":
            alternates[page.url] = [(language(code).tag, other.url) for code, other in group
                                    if getattr(other, "status", "") != "hidden"]
    site.settings["LANGUAGE_ALTERNATES"] = alternates
    _list_missing_words(site)


def _group(site: Site, page) -> list[tuple[str, object]]:
    """(language, page) for this page in every language, English first (no Easy Read)."""
    if getattr(page, "easy_read", False):
        return []
    english = getattr(page, "english_url", None)
    found = site.by_english_url.get(english if english is not None else page.url, [])
    return sorted(found, key=lambda pair: (pair[0] != site.default, language(pair[0]).english_name))


def _list_missing_words(site: Site) -> None:
    """Each language with pages: the theme's words its catalogue lacks (shown in English)."""
    folder = site.catalogues.folder if site.catalogues else None
    for code in sorted(site.used):
        missing = site.catalogues.missing(code) if site.catalogues else ()
        if not missing:
            continue
        lang = language(code)
        path = folder / code / "LC_MESSAGES" / "messages.po" if folder else "translations"
        shown = ", ".join(f'"{text}"' for text in missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        if site.catalogues and code not in site.catalogues.languages:
            notice(str(path), "file", f"there is no catalogue for {lang.english_name} ({code}), so on its pages the "
                   "menu, buttons and form are in English", f"Run make translations NEW_LANGUAGE={code} and have the new "
                   "file translated", line=1)
        else:
            notice(str(path), "msgstr", f"{len(missing)} of the site's own words are not translated into "
                   f"{lang.english_name} yet, so its pages show them in English: {shown}",
                   "Translate them in this file (make translations adds new ones to it)", line=1)


# ------------------------------------------------------------------- template helpers


def _item(ctx):
    return ctx.get("page") or ctx.get("article")


def _state_of(ctx) -> Site | None:
    return ctx.get(STATE)


@pass_context
def page_language(ctx):
    """The Language of the page being drawn (code, tag, name, direction)."""
    site = _state_of(ctx)
    return language(current_language(site.default if site else SOURCE_LANGUAGE))


@pass_context
def language_versions(ctx) -> list[dict]:
    """This page in each language it is published in, English first: dicts with code, tag,
    name (its own name), direction, href (for a link from this page), url (absolute, for
    hreflang) and current. Empty when the page has no translation."""
    site, item = _state_of(ctx), _item(ctx)
    if site is None or item is None:
        return []
    group = [(code, page) for code, page in _group(site, item) if getattr(page, "status", "") != "hidden"
             or getattr(item, "status", "") == "hidden"]
    if len(group) < 2:
        return []
    base = (ctx.get("SITE_CANONICAL_URL") or "").rstrip("/")
    siteurl = ctx.get("SITEURL", "")
    here = normalise(getattr(item, "lang", site.default))
    found = []
    for code, page in group:
        lang = language(code)
        found.append({"code": code, "tag": lang.tag, "name": lang.name, "english_name": lang.english_name,
                      "direction": lang.direction, "href": f"{siteurl}/{page.url}", "url": f"{base}/{page.url}",
                      "current": code == here})
    return found


@pass_context
def other_version(ctx) -> dict | None:
    """The Easy Read version of this page ({href, easy_read: True}), or, on an Easy Read
    page, the standard version ({href, easy_read: False}); None when there is neither."""
    site, item = _state_of(ctx), _item(ctx)
    if site is None or item is None:
        return None
    siteurl = ctx.get("SITEURL", "")
    if getattr(item, "easy_read", False):
        page = site.versions.get((site.default, item.english_url))
        return {"href": f"{siteurl}/{page.url}", "easy_read": False} if page is not None else None
    if normalise(getattr(item, "lang", site.default)) != site.default:
        return None
    page = site.versions.get((EASY_READ, item.url))
    return {"href": f"{siteurl}/{page.url}", "easy_read": True} if page is not None else None


@pass_context
def localised(ctx, url: str) -> str:
    """A site path ("get-support/") in the language of the page being drawn, when the page
    has a version in it; else the path as given (the English page)."""
    site = _state_of(ctx)
    if site is None:
        return url
    code = current_language(site.default)
    if code == site.default:
        return url
    page = site.versions.get((code, url))
    return page.url if page is not None else url


@pass_context
def nav_links(ctx, items, current: str = "") -> list[tuple[str, str, bool]]:
    """(label, href, is_current) for (label, site path) pairs such as MENU: the label in the
    page's language, the link to the page in that language when there is one."""
    siteurl = ctx.get("SITEURL", "")
    gettext = ctx.environment.globals.get("gettext")
    return [(ctx.call(gettext, label) if gettext else label, f"{siteurl}/{localised(ctx, url)}", url == current)
            for label, url in items]


@pass_context
def local_date(ctx, day) -> str:
    """A date in words in the page's language: 30 November 2026, 30 listopada 2026 (Words.date)."""
    site = _state_of(ctx)
    code = current_language(site.default if site else SOURCE_LANGUAGE)
    if hasattr(day, "date") and callable(day.date):
        day = day.date()
    return Words(code).date(day)


def register() -> None:
    signals.initialized.connect(_setup)
    signals.get_generators.connect(_new_build)
    signals.generator_init.connect(_generator_init)
    signals.content_object_init.connect(_place)
    signals.all_generators_finalized.connect(_link)
