"""Partner kit: what local partners need to send families to us, and what funders see.

- Copyable links and QR codes (SVG, made with segno at build time) for the self-referral
  page and every service page: ``partner_links`` in page templates (theme/templates/
  partner_kit.html), and files under PARTNER_KIT_QR_PATH for posters and leaflets.
- ``impact_chart_items(keys)``: bars for the impact chart (components/chart.html), from
  content/data/impact.yml.
- ``funder_list``: each funder with the news posts about its funding (funders.html).
- The referral crib sheet as a one-page A5 PDF (fpdf2, pure Python, offline), written
  next to the crib sheet page: ``crib_sheet_pdf`` in page templates is its address. It is
  made again only when its text or settings change (kept in PARTNER_KIT_PDF_CACHE,
  var/cache/partner-kit); fpdf2 is imported only then.
"""

from __future__ import annotations

import hashlib
import os
from importlib import metadata
from pathlib import Path

from pelican import signals
from pelican.generators import ArticlesGenerator, PagesGenerator

from content_problems import report

from . import kit

PDF_NAME = "oxpip-referral-crib-sheet.pdf"
PDF_CODE = Path(__file__).parent / "pdf.py"
PDF_CACHE_KEEP = 8

_state: dict = {}


def _setup(pelican) -> None:
    _state.clear()
    data = pelican.settings.get("DATA", {})

    def impact_chart_items(keys=None):
        keys = keys or pelican.settings.get("IMPACT_CHART_FIGURES") or []
        return kit.chart_items((pelican.settings.get("DATA", data) or {}).get("impact", {}) or {}, keys,
                               pelican.settings.get("IMPACT_CHART_LABELS") or {})

    pelican.settings.setdefault("JINJA_GLOBALS", {})
    pelican.settings["JINJA_GLOBALS"]["impact_chart_items"] = impact_chart_items


def _collect(generators) -> None:
    _state.pop("crib", None)
    _state.pop("links", None)
    pages = next((g for g in generators if isinstance(g, PagesGenerator)), None)
    articles = next((g for g in generators if isinstance(g, ArticlesGenerator)), None)
    if pages is None:
        return
    settings = pages.settings
    base = (settings.get("SITE_CANONICAL_URL") or settings.get("SITEURL") or "").rstrip("/")
    qr_path = settings.get("PARTNER_KIT_QR_PATH", "for-professionals/partner-kit/qr").strip("/")
    all_pages = list(pages.pages) + list(getattr(pages, "hidden_pages", []))
    by_slug = {p.slug: p for p in all_pages}
    chosen = []
    has_kit = any(p.metadata.get("template") == "partner_kit" for p in all_pages)
    for slug in settings.get("PARTNER_KIT_LINKS", []) or []:
        if slug in by_slug:
            chosen.append(by_slug[slug])
        elif has_kit:
            report("pelicanconf.py", "PARTNER_KIT_LINKS", f"no page has the slug '{slug}'",
                   "Use the Slug: of a page in content/pages/", line=1)
    services = pages.context.get("services") or [p for p in all_pages if getattr(p, "section", "") == "services"]
    chosen += [s for s in services if s not in chosen]
    links = []
    for page in chosen:
        url = f"{base}/{page.url}"
        label = str(page.title)
        links.append({
            "key": page.slug,
            "label": label,
            "summary": str(page.metadata.get("summary", "")),
            "path": page.url,
            "url": url,
            "qr_inline": kit.qr_inline(url, f"QR code for {label}: {url}"),
            "qr_file": f"{qr_path}/{page.slug}.svg",
            "qr_title": f"QR code: {label} ({url})",
        })
    crib = next((p for p in all_pages if p.metadata.get("kit") == "crib-sheet"), None)
    pdf_path = None
    if crib is not None:
        pdf_path = crib.url.rsplit("/", 2)[0] + "/" + PDF_NAME if crib.url.count("/") > 1 else PDF_NAME
        _state["crib"] = {"page": crib, "pdf": pdf_path, "base": base,
                          "settings": settings}
    funders = (settings.get("DATA", {}) or {}).get("funders", {}) or {}
    funder_list = kit.funder_list(funders, articles.articles if articles else [])
    _state["links"] = links
    pdf_info = _make_pdf(settings, base) if pdf_path else None
    for generator in (pages, articles):
        if generator is not None:
            generator.context["partner_links"] = links
            generator.context["funder_list"] = funder_list
            generator.context["crib_sheet_pdf"] = pdf_info


def _pdf_cache_folder(settings) -> Path:
    """Where made PDFs are kept between builds (PARTNER_KIT_PDF_CACHE, var/cache/partner-kit
    by default, beside the content folder like the responsive images' cache)."""
    folder = Path(settings.get("PARTNER_KIT_PDF_CACHE") or "var/cache/partner-kit")
    if not folder.is_absolute():
        folder = Path(os.path.abspath(settings["PATH"])).parent / folder
    return folder


def _pdf_key(inputs: dict) -> str:
    """A hash of everything the PDF is made from: the text and settings passed to
    ``crib_sheet_pdf``, the code that draws it and the versions of fpdf2 and segno."""
    digest = hashlib.sha256()
    for name in sorted(inputs):
        value = inputs[name]
        value = value.isoformat() if hasattr(value, "isoformat") else value
        digest.update(f"{name}\0{value!r}\0".encode("utf-8"))
    digest.update(PDF_CODE.read_bytes())
    for package in ("fpdf2", "segno"):
        try:
            digest.update(f"{package}={metadata.version(package)}\0".encode("utf-8"))
        except metadata.PackageNotFoundError:
            digest.update(f"{package}=none\0".encode("utf-8"))
    return digest.hexdigest()


def _cached_pdf(settings, inputs: dict) -> bytes:
    """The crib sheet PDF from the cache when its inputs have not changed; otherwise made
    with fpdf2 (imported only then) and kept. A sheet that does not fit is never kept, so
    it is reported on every build."""
    folder = _pdf_cache_folder(settings)
    cached = folder / f"crib-sheet-{_pdf_key(inputs)}.pdf"
    try:
        return cached.read_bytes()
    except OSError:
        pass
    from .pdf import crib_sheet_pdf

    data = crib_sheet_pdf(**inputs)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(data)
        partial.replace(cached)
        # Keep a few (local and production settings make different sheets), not every edit.
        kept = sorted(folder.glob("crib-sheet-*.pdf"), key=lambda f: f.stat().st_mtime, reverse=True)
        for old in kept[PDF_CACHE_KEEP:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only tree: the PDF is simply made again next time
    return data


def _make_pdf(settings, base: str) -> dict | None:
    """The crib sheet PDF, made now (or taken from the cache) so its pages can say how big it is."""
    crib = _state["crib"]
    page = crib["page"]
    self_referral = next((l for l in _state.get("links", []) if l["key"] == "refer-yourself"), None)
    if self_referral is None:
        return None
    contact = (settings.get("DATA", {}) or {}).get("contact", {}) or {}
    inputs = dict(
        body_html=page.get_content(base),
        org=f"{settings.get('SITE_FULL_NAME', '')} ({settings.get('SITENAME', '')})",
        title=str(page.title),
        lead="Free therapy to help parents and carers bond with their baby, "
             "from pregnancy until the child is 2.",
        qr_url=self_referral["url"],
        contact_line="  \u00b7  ".join(x for x in (contact.get("phone"), contact.get("email"),
                                                 base.replace("https://", "")) if x),
        modified=getattr(page, "modified", None),
    )
    try:
        data = _cached_pdf(settings, inputs)
    except ValueError as error:
        report(page.source_path, "body", str(error),
               "Shorten the crib sheet: it must fit one A5 page", line=1)
        return None
    crib["bytes"] = data
    return {"path": crib["pdf"], "kb": max(1, round(len(data) / 1024))}


def _write(pelican) -> None:
    output = Path(pelican.output_path)
    for link in _state.get("links", []):
        target = output / link["qr_file"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(kit.qr_file(link["url"], link["qr_title"]), encoding="utf-8")
    crib = _state.get("crib")
    if crib and crib.get("bytes"):
        target = output / crib["pdf"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(crib["bytes"])


def register() -> None:
    signals.initialized.connect(_setup)
    signals.all_generators_finalized.connect(_collect)
    signals.finalized.connect(_write)
