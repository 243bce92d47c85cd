"""Site data: one source of truth for facts used on many pages.

Loads ``content/data/*.yml`` (impact figures, contact details, funders, reply and waiting
times) into the ``DATA`` setting for templates, and replaces ``{impact:key}``,
``{contact:key}`` and ``{times:key}`` in content so a figure is typed once and shown the
same everywhere. A data file that cannot be read, or lacks what the site shows from it
(``data.SCHEMA``, and the figures HOME_FIGURES and IMPACT_CHART_FIGURES name), is a
content problem: the preview goes on with it empty, publishing stops.

Pages in another language get the data's words in that language from
``content/data/translations/<lang>.yml`` (``contact: {phone_hours: ...}``, ``times:
{reply_time: ...}``): the same tokens, the same numbers, in the page's words, and dates in
that language. A value missing there shows in English (listed by the build); a value whose
numbers no longer match the English one (the English wait changed) is not used: the
English shows until the translation is updated, and the build says so. Templates read the
data of the page being drawn with ``page_data()``.

Figures that go out of date say when they were last checked (``checked:``; see
freshness.py): each build warns when that date is more than ``DATA_CHECKED_WARN_DAYS`` old
and ``make publish`` stops when it is more than ``DATA_CHECKED_STOP_DAYS`` old. The files
in ``DATA_CHECKED_FILES`` must have the date.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from jinja2 import pass_context
from pelican import signals

from content_problems import notice, report, text_line

from .data import (DataFileError, TOKEN, footer_items, key_line, load_data, load_translations, menu_items,
                   replace_tokens, translated_data)
from .freshness import DEFAULT_STOP_DAYS, DEFAULT_WARN_DAYS, check_checked, missing_checked, site_today

_data: dict = {}
# The times the theme itself shows (theme/templates/referral_received.html); a times.yml
# without one, or that cannot be read, is reported and the page shows an empty time.
THEME_TIMES = ("reply_time",)
_state: dict = {}


def _setup(pelican) -> None:
    pelican.settings["DATA"] = _data
    pelican.settings.setdefault("JINJA_GLOBALS", {})
    pelican.settings["JINJA_GLOBALS"].update(menu_items=menu_items, footer_items=footer_items, page_data=page_data)


def _language(content_or_code) -> str:
    code = getattr(content_or_code, "lang", content_or_code) or ""
    return str(code).strip().replace("_", "-").lower()


def data_for(code: str) -> dict:
    """The data with a language's words in it (made once per language per build)."""
    default = _language(_state["settings"].get("DEFAULT_LANG", "en-gb")) if "settings" in _state else "en-gb"
    code = _language(code)
    if not code or code == default:
        return _data
    made = _state.setdefault("by_language", {})
    if code not in made:
        path, words, text = _state.get("translations", {}).get(code, (None, {}, ""))
        merged, stale = translated_data(_data, words)
        for name, key, translated, english in stale:
            notice(str(path), key, f'"{translated}" no longer matches the English "{english}" (content/data/{name}.yml), '
                   "so pages in this language show the English until it is updated",
                   "Ask a translator for the new words, or write the new number into these", line=key_line(text, key))
        made[code] = merged
    return made[code]


@pass_context
def page_data(ctx) -> dict:
    """The data files' facts in the language of the page being drawn (DATA for English)."""
    item = ctx.get("page") or ctx.get("article")
    return data_for(getattr(item, "lang", "") if item is not None else "")


def _load(pelican) -> None:
    """Read the data files at the start of every build (`make serve` rebuilds when they change)."""
    settings = pelican.settings
    folder = settings.get("DATA_PATH") or os.path.join(settings["PATH"], "data")
    _state.update(folder=folder, settings=settings)
    _data.clear()
    _data.update(load_data(folder, lambda p: report(str(p.path), p.field, p.message, p.fix, line=p.line)))
    _state["by_language"] = {}
    try:
        _state["translations"] = load_translations(folder)
    except DataFileError as problem:
        report(str(problem.path), problem.field, problem.message, problem.fix, line=problem.line)
        _state["translations"] = {}
    times_file = os.path.join(folder, "times.yml")
    if os.path.exists(times_file):  # a site without the file has no page that shows them
        times = _data.setdefault("times", {})
        for key in THEME_TIMES:
            if not isinstance(times.get(key), dict):
                times[key] = {"value": "", "text": ""}
                report(times_file, key, "the page a parent sees after sending the form shows this time, and it is "
                       "missing or could not be read", f"Add it to this file as {key}: with a value: line under it "
                       "(docs/volunteers.md, section 7)", line=1)
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
        keys = f"({known})" if known else "(none could be read from it: see the message about that file)"
        report(
            source,
            "body",
            f"{token} is not a known figure",
            f"Use one of the keys in content/data/{kind}.yml {keys}, or add it there",
            line=text_line(source, token),
        )

    code = _language(content)
    data = data_for(code)
    date_words = None
    if data is not _data:
        from referrals.i18n import Words

        date_words = Words(code).date
        _untranslated(source, code, content)
    kwargs = {"date_words": date_words} if date_words else {}
    if getattr(content, "_content", None):
        content._content = replace_tokens(content._content, data, unknown, html=True, **kwargs)
    if isinstance(getattr(content, "title", None), str):
        content.title = replace_tokens(content.title, data, unknown, **kwargs)
    summary = content.metadata.get("summary")
    if isinstance(summary, str):
        content.metadata["summary"] = content._summary = replace_tokens(summary, data, unknown, **kwargs)


def _untranslated(source: str, code: str, content) -> None:
    """A token on a page in another language whose words have no translation there: shown
    in English, and listed (numbers and dates need none)."""
    words = (_state.get("translations", {}).get(code) or (None, {}, ""))[1] or {}
    for kind, key in sorted(set(TOKEN.findall(getattr(content, "_content", "") or ""))):
        entry = _data.get(kind, {}).get(key)
        english = entry.get("value") if isinstance(entry, dict) and kind != "crisis" else entry
        if not isinstance(english, str) or not re.search(r"[A-Za-z]", english) or not re.search(r"\s", english.strip()):
            continue  # numbers, dates, an email address: the same in every language
        if not (words.get(kind) or {}).get(key):
            folder = _state.get("folder", "content/data")
            path = os.path.join(folder, "translations", f"{code}.yml")
            notice(path, f"{kind}.{key}",
                   f'{{{kind}:{key}}} on {os.path.relpath(source)} has no {code} words, so the page shows "{english}" in English',
                   ("Add" if os.path.exists(path) else "Make this file and add") + f" these lines, with the words in "
                   f"the page's language after words: (docs/volunteers.md, section 8): {kind}: / {key}: / "
                   f"english: {english} / words: (the translation)", line=1)


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
