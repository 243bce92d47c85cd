"""Sections: the folder a Markdown file is in decides what kind of page it becomes.

content/services/x.md is published at /services/x/ with the service template;
stories and news get their own templates, breadcrumbs and previous/next links;
each story is linked to the service it relates to, and each service lists its stories.
Whether a named service or funder exists is checked by plugins/content_checks.
"""

from __future__ import annotations

from pelican import signals
from pelican.generators import ArticlesGenerator, PagesGenerator

from site_data.data import funder_keys

from .sections import SECTION_RULES, adjacent, nav_key, section_of

_state: dict = {}


def _classify(content) -> None:
    settings = content.settings
    source = getattr(content, "source_path", None)
    if not source:
        return
    section = section_of(source, settings["PATH"])
    if section not in SECTION_RULES:
        return
    template, trail = SECTION_RULES[section]
    content.section = section
    if section == "services":
        content.override_url = f"services/{content.slug}/"
        content.override_save_as = f"services/{content.slug}/index.html"
    if content.metadata.get("save_as") == "404.html":
        template = "not_found"
    if "template" not in content.metadata:
        content.template = template
    content.is_home = content.metadata.get("save_as") == "index.html"
    content.nav_current = nav_key(section, content.url)
    if content.is_home:
        content.breadcrumbs = []
    elif section == "pages" and "/" in content.url.strip("/"):
        parents = content.url.strip("/").split("/")[:-1]  # every folder above the page, outermost first
        content.breadcrumbs = trail + [
            (name.replace("-", " ").capitalize(), "/".join(parents[: n + 1]) + "/") for n, name in enumerate(parents)
        ]
    else:
        content.breadcrumbs = trail


def _order(page) -> int:
    """A service's place in lists; a bad Order is reported by content_checks."""
    order = str(page.metadata.get("order", "99")).strip()
    return int(order) if order.isdigit() else 99


def _link(generators) -> None:
    articles = next((g for g in generators if isinstance(g, ArticlesGenerator)), None)
    pages = next((g for g in generators if isinstance(g, PagesGenerator)), None)
    if articles is None or pages is None:
        return
    funders = articles.settings.get("DATA", {}).get("funders", {})
    services = sorted(
        (p for p in pages.pages if getattr(p, "section", "") == "services"),
        key=lambda p: (_order(p), p.title),
    )
    by_slug = {service.slug: service for service in services}
    for service in services:
        service.related_stories = []

    stories = sorted(
        (a for a in articles.articles if a.category.slug == "stories"),
        key=lambda a: a.date,
    )
    for story, previous, following in adjacent(stories):
        story.previous_story, story.next_story = previous, following
        wanted = story.metadata.get("service")
        service = by_slug.get(wanted)
        story.service_page = service
        if service is not None:  # an unknown service is reported by content_checks
            service.related_stories.append(story)

    for post in articles.articles:
        if post.category.slug != "news":
            continue
        keys = funder_keys(post.metadata.get("funders"))
        # Unknown keys are reported by content_checks; the page lists the known ones.
        post.funders = [funders[key] | {"key": key} for key in keys if key in funders]
    articles.context["services"] = services  # one context, shared by every generator


def register() -> None:
    signals.content_object_init.connect(_classify)
    signals.all_generators_finalized.connect(_link)
