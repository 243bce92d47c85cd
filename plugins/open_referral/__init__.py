"""Open Referral UK: OXPIP's services as HSDS-UK 3.0 JSON, for family hub directories.

Written after the build, as static files under ``/open-referral/`` (OPEN_REFERRAL_PATH):

- ``index.json``                  the API details (version, profile), as HSDA's ``/``
- ``services.json``               every service, one page (HSDA's ``/services``)
- ``services/<id>.json``          one fully nested service (HSDA's ``/services/{id}``)
- ``organizations/<id>.json``     the charity (HSDA's ``/organizations/{id}``)

The host rules add the extension-less HSDA paths (``/open-referral/services`` and
``/open-referral/services/<id>``) as rewrites, and ``Access-Control-Allow-Origin: *``.
Records come from each service's front matter (Title, Summary, Ages, Areas, Cost), its
page text, content/data/contact.yml and content/data/funders.yml. tests/partners checks
every file against the official schemas in schemas/openreferral-uk/.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

from pelican import signals
from pelican.generators import PagesGenerator

from content_problems import report

from . import hsds

_state: dict = {}
REQUIRED = ("summary", "ages", "areas", "cost")


def _base(settings) -> str:
    return (settings.get("SITE_CANONICAL_URL") or settings.get("SITEURL") or "").rstrip("/")


def _build(generators) -> None:
    _state.clear()
    pages = next((g for g in generators if isinstance(g, PagesGenerator)), None)
    if pages is None:
        return
    settings = pages.settings
    base = _base(settings)
    data = settings.get("DATA", {}) or {}
    contact = data.get("contact", {}) or {}
    funders = [dict(v, key=k) for k, v in (data.get("funders", {}) or {}).items() if isinstance(v, dict)]
    services = pages.context.get("services") or [
        p for p in pages.pages if getattr(p, "section", "") == "services"]
    org = hsds.organization(
        base=base,
        name=settings.get("SITE_FULL_NAME") or settings.get("SITENAME", ""),
        short_name=settings.get("SITENAME", ""),
        description=("A charity in Oxfordshire that gives free therapy to help parents and carers "
                     "form a close bond with their baby or young child, from pregnancy until the "
                     "child is 2."),
        contact=contact,
        site_url=f"{base}/",
    )
    records = []
    for page in services:
        missing = [f for f in REQUIRED if not str(page.metadata.get(f, "")).strip()]
        for field in missing:
            report(page.source_path, field.capitalize(), f"{field.capitalize()} is empty",
                   f"Add '{field.capitalize()}:' to the front matter; partners' directories show it")
        if hsds.age_range(str(page.metadata.get("ages", ""))) is None and "ages" not in missing:
            report(page.source_path, "Ages", f"'{page.metadata.get('ages')}' gives no age in years or months",
                   "Write it like 'Pregnancy to 2 years' or '0 to 5 years'")
        modified = getattr(page, "modified", None)
        if modified is None and page.source_path and os.path.exists(page.source_path):
            modified = datetime.fromtimestamp(os.path.getmtime(page.source_path), tz=timezone.utc)
        records.append(hsds.service(
            slug=page.slug,
            name=str(page.title),
            summary=str(page.metadata.get("summary", "")),
            body_html=page._content or "",
            url=f"{base}/{page.url}",
            ages=str(page.metadata.get("ages", "")),
            areas=str(page.metadata.get("areas", "")),
            cost=str(page.metadata.get("cost", "")),
            contact=contact,
            contact_url=f"{base}/contact/",
            funders=funders,
            funders_url=f"{base}/about/funders/",
            org=org,
            area_uris=settings.get("OPEN_REFERRAL_AREA_URIS", {}) or {},
            modified=modified,
        ))
    _state.update(org=org, records=records, base=base)
    # Extension-less HSDA paths, for hosts that read _redirects (plugins/redirects).
    root = "/" + settings.get("OPEN_REFERRAL_PATH", "open-referral").strip("/")
    rules = [(f"{root}/", f"{root}/index.json", 200), (f"{root}/services", f"{root}/services.json", 200)]
    rules += [(f"{root}/services/{r['id']}", f"{root}/services/{r['id']}.json", 200) for r in records]
    rules.append((f"{root}/organizations/{org['id']}", f"{root}/organizations/{org['id']}.json", 200))
    extra = [r for r in (settings.get("REDIRECTS_EXTRA_RULES") or []) if not str(r[0]).startswith(root)]
    settings["REDIRECTS_EXTRA_RULES"] = extra + rules
    for generator in generators:
        generator.settings["REDIRECTS_EXTRA_RULES"] = settings["REDIRECTS_EXTRA_RULES"]
    pages.context["open_referral"] = {
        "root": settings.get("OPEN_REFERRAL_PATH", "open-referral").strip("/"),
        "services": [{"id": r["id"], "name": r["name"]} for r in records],
        "organization_id": org["id"],
    }


def _dump(path: Path, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write(pelican) -> None:
    if "records" not in _state:
        return
    settings = pelican.settings
    root = Path(pelican.output_path) / settings.get("OPEN_REFERRAL_PATH", "open-referral").strip("/")
    records, org = _state["records"], _state["org"]
    _dump(root / "index.json", hsds.api_details(
        "https://raw.githubusercontent.com/OpenReferralUK/uk-profile/main/schema/openapi.json"))
    _dump(root / "services.json", hsds.page([hsds.list_item(r) for r in records]))
    for record in records:
        _dump(root / "services" / f"{record['id']}.json", record)
    _dump(root / "organizations" / f"{org['id']}.json",
          dict(org, services=[hsds.list_item(r) for r in records]))


def register() -> None:
    signals.all_generators_finalized.connect(_build)
    signals.finalized.connect(_write)
