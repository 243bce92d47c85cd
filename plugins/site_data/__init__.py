"""Site data: one source of truth for facts used on many pages.

Loads ``content/data/*.yml`` (impact figures, contact details, funders, reply and waiting
times) into the ``DATA`` setting for templates, and replaces ``{impact:key}``,
``{contact:key}`` and ``{times:key}`` in content so a figure is typed once and shown the
same everywhere. A data file that cannot be read, or lacks what the site shows from it
(``data.SCHEMA``, and the figures HOME_FIGURES and IMPACT_CHART_FIGURES name), is a
content problem: the preview goes on with it empty, publishing stops.

Figures that go out of date say when they were last checked (``checked:``; see
freshness.py): each build warns when that date is more than ``DATA_CHECKED_WARN_DAYS`` old
and ``make publish`` stops when it is more than ``DATA_CHECKED_STOP_DAYS`` old. The files
in ``DATA_CHECKED_FILES`` must have the date.
"""

from __future__ import annotations

import os
from pathlib import Path

from pelican import signals

from content_problems import notice, report, text_line

from .data import footer_items, load_data, menu_items, replace_tokens
from .freshness import DEFAULT_STOP_DAYS, DEFAULT_WARN_DAYS, check_checked, missing_checked, site_today

_data: dict = {}
_state: dict = {}


def _setup(pelican) -> None:
    pelican.settings["DATA"] = _data
    pelican.settings.setdefault("JINJA_GLOBALS", {})
    pelican.settings["JINJA_GLOBALS"].update(menu_items=menu_items, footer_items=footer_items)


def _load(pelican) -> None:
    """Read the data files at the start of every build (`make serve` rebuilds when they change)."""
    settings = pelican.settings
    folder = settings.get("DATA_PATH") or os.path.join(settings["PATH"], "data")
    _state.update(folder=folder, settings=settings)
    _data.clear()
    _data.update(load_data(folder, lambda p: report(str(p.path), p.field, p.message, p.fix, line=p.line)))
    impact = _data.setdefault("impact", {})
    known = ", ".join(k for k in impact if k not in ("example", "checked"))
    for setting in ("HOME_FIGURES", "IMPACT_CHART_FIGURES"):
        for key in settings.get(setting) or []:
            if not isinstance(impact.get(key), dict):
                report(os.path.join(folder, "impact.yml"), key, f"{setting} in pelicanconf.py shows the figure {key}, "
                       "which is not in this file", f"Add it here, or ask a developer to change {setting}"
                       + (f" (figures here now: {known})" if known else ""), line=1)
                impact[key] = {"value": "", "text": "", "source": ""}


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
            line=text_line(source, token),
        )

    if getattr(content, "_content", None):
        content._content = replace_tokens(content._content, _data, unknown, html=True)
    if isinstance(getattr(content, "title", None), str):
        content.title = replace_tokens(content.title, _data, unknown)
    summary = content.metadata.get("summary")
    if isinstance(summary, str):
        content.metadata["summary"] = content._summary = replace_tokens(summary, _data, unknown)


def _check_freshness(generators) -> None:
    """Once per build (and per `make check`): is each ``checked:`` date recent enough?"""
    settings = _state.get("settings")
    if settings is None:
        return
    today = site_today(settings)
    required = set(settings.get("DATA_CHECKED_FILES", ["times.yml"]))
    for name, entries in sorted(_data.items()):
        path = Path(_state["folder"]) / f"{name}.yml"
        if not isinstance(entries, dict):
            continue
        if "checked" in entries:
            found = check_checked(path, entries["checked"], today,
                                  int(settings.get("DATA_CHECKED_WARN_DAYS", DEFAULT_WARN_DAYS)),
                                  int(settings.get("DATA_CHECKED_STOP_DAYS", DEFAULT_STOP_DAYS)))
        else:
            found = missing_checked(path, today) if path.name in required else None
        if found is not None:
            (report if found.stops else notice)(found.path, "checked", found.message, found.fix, line=found.line)


def register() -> None:
    signals.initialized.connect(_setup)
    signals.get_generators.connect(_load)
    signals.content_object_init.connect(_fill_tokens)
    signals.all_generators_finalized.connect(_check_freshness)
