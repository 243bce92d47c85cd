"""Pure helpers: sitemap.xml, robots.txt and Atom feeds as text."""

from __future__ import annotations

from xml.sax.saxutils import escape

from feedgenerator import Atom1Feed

from .meta import path_of_output


def indexable_pages(rendered: dict[str, bool]) -> list[str]:
    """Site paths ("news/") of the written files ("news/index.html") marked public in ``rendered``."""
    return [path_of_output(rel) for rel in sorted(rendered) if rendered[rel]]


def sitemap_xml(base: str, paths: list[str], lastmod: dict[str, str],
                alternates: dict[str, list[tuple[str, str]]] | None = None) -> str:
    """alternates: path -> [(hreflang, path)], the page in each language (itself included),
    written as <xhtml:link rel="alternate"> (Google's sitemap form of hreflang) for those
    of them that are in the sitemap, with x-default the first (English) one."""
    listed = set(paths)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">']
    for path in sorted(paths, key=lambda p: (p.count("/"), p)):
        lines.append("  <url>")
        lines.append(f"    <loc>{escape(base.rstrip('/') + '/' + path)}</loc>")
        if path in lastmod:
            lines.append(f"    <lastmod>{lastmod[path]}</lastmod>")
        versions = [(tag, other) for tag, other in (alternates or {}).get(path, []) if other in listed]
        if len(versions) > 1:
            for tag, other in versions + [("x-default", versions[0][1])]:
                href = escape(base.rstrip("/") + "/" + other, {'"': "&quot;"})
                lines.append(f'    <xhtml:link rel="alternate" hreflang="{tag}" href="{href}"/>')
        lines.append("  </url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def robots_txt(base: str) -> str:
    return (
        "# Everything on this site may be indexed, except previews of drafts and the web editor.\n"
        "User-agent: *\n"
        "Disallow: /drafts/\n"
        "Disallow: /admin/\n"
        "\n"
        f"Sitemap: {base.rstrip('/')}/sitemap.xml\n"
    )


def atom_feed(*, title: str, site_url: str, feed_url: str, subtitle: str, author: str,
              entries: list[dict], language: str = "en-gb") -> str:
    """entries: dicts with title, link, summary, content (HTML), published, updated."""
    feed = Atom1Feed(title=title, link=site_url, feed_url=feed_url, description=subtitle,
                     subtitle=subtitle, language=language, author_name=author, feed_guid=feed_url)
    for entry in entries:
        feed.add_item(
            title=entry["title"],
            link=entry["link"],
            unique_id=entry["link"],
            description=entry["summary"],
            content=entry["content"],
            author_name=author,
            pubdate=entry["published"],
            updateddate=entry["updated"],
        )
    return feed.writeString("utf-8")
