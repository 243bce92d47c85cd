"""Pure helpers: canonical URLs, Open Graph values and schema.org JSON-LD nodes.

Nothing here imports Pelican, so each helper can be tested with plain values.
"""

from __future__ import annotations

import json
import re

from markupsafe import Markup

from sections.sections import areas_of, is_free

SCHEMA_CONTEXT = "https://schema.org"


def absolute(base: str, path: str) -> str:
    """``base`` (no trailing slash) joined with a site path ("", "about/", "/about/")."""
    path = (path or "").lstrip("/")
    return f"{base.rstrip('/')}/{path}"


def path_of_output(output_file: str | None) -> str | None:
    """The address a written file is served at: "news/index.html" -> "news/"."""
    if not output_file:
        return None
    if output_file == "index.html":
        return ""
    if output_file.endswith("/index.html"):
        return output_file[: -len("index.html")]
    return output_file


def kept_out(item) -> bool:
    """Whether a page or article is kept out of search engines and site search: a draft, or
    one marked ``Status: hidden`` (it only makes sense after an action, or is not ready)."""
    return getattr(item, "status", "published") in ("draft", "hidden")


def plain(text) -> str:
    """Text without tags, entities decoded once and whitespace collapsed (for meta tags)."""
    if text is None:
        return ""
    value = Markup(str(text)).striptags()
    return re.sub(r"\s+", " ", value).strip()


def og_locale(lang: str) -> str:
    """"en-gb" -> "en_GB" (Open Graph wants language_TERRITORY)."""
    language, _, region = lang.replace("_", "-").partition("-")
    return f"{language.lower()}_{region.upper()}" if region else language.lower()


def json_ld_script(nodes: list[dict]) -> Markup:
    """One ``<script type="application/ld+json">`` with an @graph of nodes.

    ``<``, ``>`` and ``&`` are escaped as \\u003c etc. so the data can never close the
    script element or be read as markup.
    """
    if not nodes:
        return Markup("")
    document = {"@context": SCHEMA_CONTEXT, "@graph": nodes}
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(f'<script type="application/ld+json">{text}</script>')


def organisation_id(base: str) -> str:
    return absolute(base, "") + "#organisation"


def organisation_ref(base: str, name: str) -> dict:
    """A short reference to the charity for publisher / provider fields."""
    return {"@type": "NGO", "@id": organisation_id(base), "name": name, "url": absolute(base, "")}


def organisation(base: str, *, name: str, short_name: str, description: str, contact: dict,
                 image: str, area: str = "Oxfordshire") -> dict:
    """The charity as a schema.org NGO (shown on the home and about pages)."""
    node = {
        "@type": "NGO",
        "@id": organisation_id(base),
        "name": name,
        "alternateName": short_name,
        "url": absolute(base, ""),
        "description": description,
        "logo": image,
        "image": image,
        "areaServed": {"@type": "AdministrativeArea", "name": area},
    }
    if contact.get("email"):
        node["email"] = contact["email"]
    if contact.get("phone_href"):
        node["telephone"] = contact["phone_href"]
    if contact.get("address"):
        node["address"] = {"@type": "PostalAddress", "addressRegion": area, "addressCountry": "GB",
                           "streetAddress": contact["address"]}
    number = str(contact.get("charity_number") or "").strip()
    if number and not contact.get("example"):
        node["identifier"] = {"@type": "PropertyValue",
                              "propertyID": "Registered charity number (England and Wales)",
                              "value": number}
    return node


def service(base: str, url: str, *, name: str, description: str, ages: str, areas: str, cost: str,
            provider: dict) -> dict:
    node = {
        "@type": "Service",
        "@id": url + "#service",
        "name": name,
        "description": description,
        "url": url,
        "provider": provider,
        "areaServed": [{"@type": "AdministrativeArea", "name": a} for a in areas_of(areas)],
        "audience": {"@type": "PeopleAudience",
                     "audienceType": f"Parents and carers ({ages})" if ages else "Parents and carers"},
        "isAccessibleForFree": is_free(cost),
    }
    if is_free(cost):
        node["offers"] = {"@type": "Offer", "price": "0", "priceCurrency": "GBP", "description": cost}
    return node


def article(url: str, *, kind: str, headline: str, description: str, published, modified,
            image: str, publisher: dict, section: str = "", funders: list[dict] | None = None,
            language: str = "en-GB") -> dict:
    """A story (Article) or a news post (NewsArticle)."""
    node = {
        "@type": kind,
        "@id": url + "#article",
        "headline": headline[:110],
        "description": description,
        "url": url,
        "mainEntityOfPage": url,
        "datePublished": published.isoformat(),
        "dateModified": (modified or published).isoformat(),
        "image": [image],
        "author": publisher,
        "publisher": publisher,
        "inLanguage": language,
    }
    if section:
        node["articleSection"] = section
    if funders:
        node["funder"] = [{"@type": "Organization", "name": f["name"]} for f in funders]
    return node


def breadcrumb_list(trail: list[tuple[str, str]], current: tuple[str, str]) -> dict | None:
    """BreadcrumbList from [(label, absolute url)] plus the current page."""
    items = list(trail) + [current]
    if len(items) < 2:
        return None
    return {
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": n, "name": label, "item": href}
            for n, (label, href) in enumerate(items, start=1)
        ],
    }
