"""SEO: what search engines and link previews read.

- ``seo_meta()`` (a Jinja global, called once per page by theme/templates/base.html): the
  canonical URL, Open Graph and Twitter card values, the Atom feed links and one
  schema.org JSON-LD block (NGO, Service, Article/NewsArticle, BreadcrumbList) per page.
- After the build: sitemap.xml, robots.txt, news/feed.xml and stories/feed.xml. The
  sitemap lists the pages ``seo_meta()`` found public as they were rendered, so no
  written page is read back. Public means not noindex, and noindex are: 404.html, redirect
  pages, drafts, and pages marked ``Status: hidden`` (pages that only make sense after an
  action, such as the referral confirmation). Site search (plugins/search) takes the same
  ``public`` answer from base.html. Feeds list published stories and news only.

Canonical and share URLs always use ``SITE_CANONICAL_URL`` (the live address), so a
local preview shows the same metadata as the live site.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import pass_context
from pelican import signals

from content_problems import report

from . import files, meta


DEFAULT_DESCRIPTION = ("Free, non-judgemental therapy in Oxfordshire for parents and carers "
                       "who find it hard to bond with their baby.")
FEED_SECTIONS = ("news", "stories")
_state: dict = {}


def _settings_base(settings) -> str:
    return (settings.get("SITE_CANONICAL_URL") or settings.get("SITEURL") or "").rstrip("/")


def _share_image(ctx_or_settings) -> dict:
    base = _settings_base(ctx_or_settings)
    image = ctx_or_settings.get("SEO_SHARE_IMAGE", {}) or {}
    return {
        "url": meta.absolute(base, image.get("path", "theme/img/share.png")),
        "width": image.get("width", 1200),
        "height": image.get("height", 630),
        "alt": image.get("alt", "OXPIP, Oxford Parent-Infant Project: help to bond with your baby"),
    }


def _feed_links(ctx) -> list[dict]:
    siteurl = ctx.get("SITEURL", "")
    titles = ctx.get("SECTION_TITLES", {})
    return [{"title": f"{ctx.get('SITENAME', '')} {titles.get(s, s.title()).lower()} (Atom feed)",
             "href": f"{siteurl}/{s}/feed.xml"} for s in FEED_SECTIONS]


@pass_context
def seo_meta(ctx) -> dict:
    """Everything head_meta.html prints, for whatever page is being rendered."""
    base = _settings_base(ctx)
    item = ctx.get("page") or ctx.get("article")
    category = ctx.get("category")
    redirect_to = ctx.get("redirect_to")
    path = meta.path_of_output(ctx.get("output_file"))
    image = _share_image(ctx)
    site_name = ctx.get("SITE_FULL_NAME") or ctx.get("SITENAME", "")
    org_ref = meta.organisation_ref(base, site_name)
    data = ctx.get("DATA", {}) or {}

    title = ctx.get("SITENAME", "")
    description = ctx.get("SITE_DESCRIPTION") or DEFAULT_DESCRIPTION
    kind = "website"
    nodes: list[dict] = []
    noindex = False
    published = modified = None
    trail: list[tuple[str, str]] = []

    if redirect_to:
        canonical = meta.absolute(base, redirect_to)
        noindex = True
        title = f"Moved to {ctx.get('redirect_title', 'a new address')}"
    elif path is None or ctx.get("output_file") == "404.html" or meta.kept_out(item):
        # Not a page to find: the 404 page, a draft, or a page marked Status: hidden (one
        # that only makes sense after an action, such as the referral confirmation).
        canonical = None
        noindex = True
        if item is not None:
            title = meta.plain(item.title)
    else:
        canonical = meta.absolute(base, path)
        trail = [(label, meta.absolute(base, url)) for label, url in
                 (getattr(item, "breadcrumbs", None) or [])] if item is not None else []
        if item is not None:
            title = meta.plain(item.title)
            if item.metadata.get("summary"):
                description = meta.plain(item.summary)
            section = getattr(item, "section", "")
            if section in ("stories", "news"):
                kind = "article"
                published = item.date
                modified = getattr(item, "modified", None) or item.date
                nodes.append(meta.article(
                    canonical,
                    kind="NewsArticle" if section == "news" else "Article",
                    headline=title,
                    description=description,
                    published=published,
                    modified=modified,
                    image=image["url"],
                    publisher=org_ref,
                    section=getattr(item, "topic", "") or ctx.get("SECTION_TITLES", {}).get(section, ""),
                    funders=getattr(item, "funders", None),
                ))
            elif section == "services":
                nodes.append(meta.service(
                    base, canonical, name=title, description=description,
                    ages=str(item.metadata.get("ages", "")), areas=str(item.metadata.get("areas", "")),
                    cost=str(item.metadata.get("cost", "")), provider=org_ref))
            if getattr(item, "is_home", False) or path in ("", "about/"):
                nodes.insert(0, meta.organisation(
                    base, name=site_name, short_name=ctx.get("SITENAME", ""),
                    description=DEFAULT_DESCRIPTION, contact=data.get("contact", {}) or {},
                    image=image["url"]))
        elif category is not None:
            titles = ctx.get("SECTION_TITLES", {})
            title = titles.get(category.slug, category.name)
            description = ctx.get("SECTION_DESCRIPTIONS", {}).get(category.slug, DEFAULT_DESCRIPTION)
            trail = [("Home", meta.absolute(base, ""))]
            page_obj = ctx.get("articles_page")
            if page_obj is not None and page_obj.number > 1:
                title = f"{title} (page {page_obj.number})"
        crumbs = meta.breadcrumb_list(trail, (title, canonical))
        if crumbs:
            nodes.append(crumbs)

    if item is not None and getattr(item, "status", "") == "hidden":
        noindex = True  # Status: hidden: a page that makes sense only after an action (a thank-you page)
    output_file = ctx.get("output_file")
    # Public: a page search engines (sitemap.xml) and site search should know about.
    public = bool(output_file) and not noindex
    if output_file:
        _state.setdefault("rendered", {})[output_file] = public
    return {
        "canonical": canonical,
        "noindex": noindex,
        "public": public,
        "title": title,
        "site_name": site_name,
        "description": description,
        "type": kind,
        "locale": meta.og_locale(str(getattr(item, "lang", None) or ctx.get("DEFAULT_LANG", "en-GB"))),
        "image": image,
        "published": published.isoformat() if published else None,
        "modified": modified.isoformat() if modified else None,
        "feeds": _feed_links(ctx),
        "jsonld": meta.json_ld_script(nodes),
    }


# ------------------------------------------------------------------ build steps

def _setup(pelican) -> None:
    _state.clear()
    pelican.settings.setdefault("JINJA_GLOBALS", {})
    pelican.settings["JINJA_GLOBALS"]["seo_meta"] = seo_meta


def _new_run(pelican) -> None:
    """Each build (and each `make serve` rebuild) starts with no page rendered."""
    _state["rendered"] = {}


def _collect(generators) -> None:
    """Remember dates (for sitemap lastmod) and the articles of each feed."""
    lastmod: dict[str, str] = {}
    feeds: dict[str, list] = {s: [] for s in FEED_SECTIONS}
    for generator in generators:
        for item in getattr(generator, "articles", []) or []:
            stamp = getattr(item, "modified", None) or item.date
            lastmod[item.url] = stamp.date().isoformat()
            if item.category.slug in feeds:
                feeds[item.category.slug].append(item)
        for item in getattr(generator, "pages", []) or []:
            stamp = getattr(item, "modified", None) or getattr(item, "date", None)
            if stamp is not None:
                lastmod[item.url] = stamp.date().isoformat()
    _state["lastmod"] = lastmod
    _state["feeds"] = feeds


def _write(pelican) -> None:
    settings = pelican.settings
    base = _settings_base(settings)
    output = Path(pelican.output_path)
    if not base:
        report("publishconf.py", "SITE_CANONICAL_URL", "the site's live address is not set, so sitemap.xml, "
               "robots.txt and the feeds cannot be written (they need absolute addresses)",
               "Set SITEURL (for example SITEURL=https://www.oxpip.org.uk make publish)", line=1)
        return
    paths = files.indexable_pages(_state.get("rendered", {}))
    alternates = settings.get("LANGUAGE_ALTERNATES") or {}  # plugins/languages: each page in every language
    (output / "sitemap.xml").write_text(files.sitemap_xml(base, paths, _state.get("lastmod", {}), alternates),
                                        encoding="utf-8")
    (output / "robots.txt").write_text(files.robots_txt(base), encoding="utf-8")

    titles = settings.get("SECTION_TITLES", {})
    descriptions = settings.get("SECTION_DESCRIPTIONS", {})
    author = settings.get("SITE_FULL_NAME") or settings.get("SITENAME", "")
    limit = int(settings.get("SEO_FEED_MAX_ITEMS", 20))
    for section, articles in _state.get("feeds", {}).items():
        articles = sorted(articles, key=lambda a: a.date, reverse=True)[:limit]
        entries = [{
            "title": meta.plain(a.title),
            "link": meta.absolute(base, a.url),
            "summary": meta.plain(a.summary),
            "content": a.get_content(base),
            "published": a.date,
            "updated": getattr(a, "modified", None) or a.date,
        } for a in articles]
        text = files.atom_feed(
            title=f"{settings.get('SITENAME', '')}: {titles.get(section, section.title())}",
            site_url=meta.absolute(base, f"{section}/"),
            feed_url=meta.absolute(base, f"{section}/feed.xml"),
            subtitle=descriptions.get(section, ""),
            author=author,
            entries=entries,
        )
        target = output / section / "feed.xml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def register() -> None:
    signals.initialized.connect(_setup)
    signals.get_generators.connect(_new_run)
    signals.all_generators_finalized.connect(_collect)
    signals.finalized.connect(_write)
