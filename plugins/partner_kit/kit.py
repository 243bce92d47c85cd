"""Pure helpers for the partner kit, the impact chart and the funders page."""

from __future__ import annotations

import io
import re

import segno
from markupsafe import Markup, escape

QR_ERROR = "m"      # 15% of the code can be damaged (a folded leaflet) and still scan
QR_BORDER = 4       # the quiet zone the QR standard asks for
FILE_SCALE = 10     # 10 px per module in the downloadable SVG (it scales without loss)


def qr(url: str) -> segno.QRCode:
    return segno.make(url, error=QR_ERROR, micro=False)


def qr_inline(url: str, label: str) -> Markup:
    """The QR code as inline SVG for the page: sized by CSS, named for screen readers."""
    svg = qr(url).svg_inline(scale=1, border=QR_BORDER, omitsize=True, svgclass="ox-qr__code",
                             lineclass=None, dark="#000", light="#fff")
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" focusable="false" ', 1)
    return Markup(svg)


def qr_file(url: str, title: str) -> str:
    """The downloadable SVG file (with an XML declaration, a title and the URL as desc)."""
    buffer = io.BytesIO()
    qr(url).save(buffer, kind="svg", scale=FILE_SCALE, border=QR_BORDER, dark="#000", light="#fff",
                 title=title, desc=url, svgclass=None, lineclass=None)
    return buffer.getvalue().decode("utf-8")


PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


def chart_items(impact: dict, keys: list[str], labels: dict[str, str] | None = None) -> list[dict]:
    """Bars for the impact chart from content/data/impact.yml: only percentages.

    Each item: key, label (short, from the figure's ``chart_label`` or its text), value
    (a number 0-100), display ("91%"), text (the figure's full sentence) and source.
    """
    items = []
    for key in keys:
        figure = impact.get(key)
        if not isinstance(figure, dict):
            continue
        match = PERCENT.match(str(figure.get("value", "")))
        if not match:
            continue
        value = float(match.group(1))
        items.append({
            "key": key,
            "label": (labels or {}).get(key) or figure.get("chart_label") or figure.get("text", key),
            "value": value,
            "display": f"{figure.get('prefix', '') + ' ' if figure.get('prefix') else ''}{figure['value']}",
            "text": figure.get("text", ""),
            "source": figure.get("source", ""),
        })
    return items


def funder_list(funders: dict, articles) -> list[dict]:
    """Each funder from content/data/funders.yml with the news posts that name it."""
    result = []
    for key, funder in (funders or {}).items():
        if not isinstance(funder, dict):
            continue
        posts = sorted((a for a in articles if key in [f.get("key") for f in getattr(a, "funders", []) or []]),
                       key=lambda a: a.date, reverse=True)
        result.append(dict(funder, key=key, posts=posts))
    return result
