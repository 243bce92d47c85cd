"""Site data: one source of truth for facts used on many pages.

Loads ``content/data/*.yml`` (impact figures, contact details, funders) into the
``DATA`` setting for templates, and replaces ``{impact:key}`` and ``{contact:key}``
in content so a figure is typed once and shown the same everywhere.
"""

from __future__ import annotations

import os

from pelican import signals

from content_problems import report

from .data import footer_items, load_data, menu_items, replace_tokens

_data: dict = {}


def _load(pelican) -> None:
    folder = pelican.settings.get("DATA_PATH") or os.path.join(pelican.settings["PATH"], "data")
    _data.clear()
    _data.update(load_data(folder))
    pelican.settings["DATA"] = _data
    pelican.settings.setdefault("JINJA_GLOBALS", {})
    pelican.settings["JINJA_GLOBALS"].update(menu_items=menu_items, footer_items=footer_items)


def _fill_tokens(content) -> None:
    source = getattr(content, "source_path", "") or ""

    def unknown(token: str) -> None:
        kind = token.strip("{}").split(":", 1)[0]
        known = ", ".join(sorted(k for k in _data.get(kind, {}) if k != "example"))
        report(
            source,
            "body",
            f"{token} is not a known figure",
            f"Use one of the keys in content/data/{kind}.yml ({known}), or add it there",
            line=1,
        )

    if getattr(content, "_content", None):
        content._content = replace_tokens(content._content, _data, unknown, html=True)
    if isinstance(getattr(content, "title", None), str):
        content.title = replace_tokens(content.title, _data, unknown)
    summary = content.metadata.get("summary")
    if isinstance(summary, str):
        content.metadata["summary"] = content._summary = replace_tokens(summary, _data, unknown)


def register() -> None:
    signals.initialized.connect(_load)
    signals.content_object_init.connect(_fill_tokens)
