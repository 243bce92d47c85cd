"""Pure helpers: load the data files and replace {impact:key} style tokens."""

from __future__ import annotations

import datetime as dt
import re
from html import escape
from pathlib import Path
from typing import Callable

import yaml

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# {impact:key}, or the same with the braces Markdown must not touch (markdown_tokens.py)
TOKEN = re.compile(r"[{\ue000](impact|contact|times|crisis):([a-z0-9_]+)[}\ue001]")
DIGITS = re.compile(r"\d+")
TRANSLATIONS_FOLDER = "translations"  # content/data/translations/<lang>.yml: the data's words in a language


class DataFileError(Exception):
    """A data file that cannot be read; the message names the file and the fix."""

    def __init__(self, path: Path, line: int, field: str, message: str, fix: str):
        super().__init__(f"{path}:{line}: {field}: {message}. {fix}.")
        self.path, self.line, self.field, self.message, self.fix = path, line, field, message, fix


# What the templates and plugins read from each data file: "fields" (one entry, these keys)
# or "entries" (key: entry, each entry with these keys).
SCHEMA = {
    "contact": ("fields", ["phone", "phone_href", "phone_hours", "email"]),
    "impact": ("entries", ["value", "text", "source"]),
    "funders": ("entries", ["name", "funded"]),
    "times": ("entries", ["value"]),
    # Crisis lines (content/data/crisis.yml), typed once: {crisis:samaritans} on a page is
    # the number as a link, in every language.
    "crisis": ("entries", ["name", "phone", "phone_href"]),
}
# Files every page needs (the header, footer and home page read them): a missing one is a problem.
REQUIRED_FILES = ("contact", "impact", "funders")


def _read(path: Path) -> tuple[dict, str]:
    """The file's value and its text."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        line = error.object.count(b"\n", 0, error.start) + 1
        raise DataFileError(path, line, "file", f"this file is not saved as UTF-8 text (byte 0x{error.object[error.start]:02X} "
                            f"on line {line} cannot be read)", "Save it again with the encoding UTF-8") from None
    try:
        value = yaml.safe_load(text)
    except ValueError as error:  # a date YAML recognises but the calendar does not (2026-02-30)
        raise DataFileError(path, 1, "data", f"this data file has a date that does not exist ({error})",
                            "Check the day and month of each date, written as year-month-day") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise DataFileError(path, line, "data", f"this data file is not valid YAML ({getattr(error, 'problem', error)})",
                            "Check the indentation and that text with a colon in it is in quotes") from None
    if value is None:
        return {}, text
    if not isinstance(value, dict):
        raise DataFileError(path, 1, "data", "this data file is not a list of 'name: value' lines",
                            "Write each entry as a name, a colon and its value, like the other data files")
    checked = value.get("checked")
    if isinstance(checked, str) and ISO_DATE.fullmatch(checked.strip()):
        try:
            value["checked"] = dt.date.fromisoformat(checked.strip())
        except ValueError as error:
            raise DataFileError(path, key_line(text, "checked"), "checked", f"'{checked}' is not a date that exists "
                                f"({error})", "Check the day and month, written as year-month-day") from None
    return value, text


def key_line(text: str, key: str, default: int = 1) -> int:
    """The line of ``key:`` at the start of a line (any indentation) in a YAML text."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip().startswith(f"{key}:"):
            return number
    return default


def check_entries(path: Path, name: str, value: dict, text: str) -> tuple[dict, list[DataFileError]]:
    """The problems of one data file against SCHEMA, and its value made safe to use (every
    key the site reads is there, as "" if it was missing), so a preview can still be built."""
    kind, required = SCHEMA.get(name, (None, []))
    if kind is None:
        return value, []
    problems, safe = [], dict(value)
    if kind == "fields":
        for key in required:
            if key not in value or value[key] in (None, ""):
                problems.append(DataFileError(path, 1, key, f"this file has no {key}",
                                              f"Add a line '{key}: ...' (see the comment at the top of the file)"))
                safe[key] = ""
        return safe, problems
    for entry, fields in value.items():
        if entry in ("example", "checked"):  # notes about the file, not entries
            continue
        line = key_line(text, str(entry))
        if not isinstance(fields, dict):
            problems.append(DataFileError(path, line, str(entry), "this entry has no fields under it",
                                          f"Indent its fields under it: {', '.join(required)}"))
            safe[entry] = {key: "" for key in required}
            continue
        missing = [key for key in required if fields.get(key) in (None, "")]
        if missing:
            problems.append(DataFileError(path, line, str(entry), f"this entry has no {', '.join(missing)}",
                                          f"Add {', '.join(k + ': ...' for k in missing)}, indented under it"))
            safe[entry] = {**{key: "" for key in missing}, **{k: v for k, v in fields.items() if v is not None}}
    return safe, problems


def load_data(folder: str | Path, on_problem: Callable[[DataFileError], None] | None = None) -> dict:
    """Read every ``*.yml`` in the data folder into ``{file stem: contents}``.

    A top-level ``checked`` date written as a quoted string ('2026-11-30', as the web editor
    writes it) is read as the date it is. A file that cannot be read, or lacks what the site reads from it, raises DataFileError;
    with ``on_problem``, each problem is passed to it instead and the build goes on with
    the file as empty (or with the missing keys empty)."""
    data: dict = {}
    for path in sorted(Path(folder).glob("*.yml")):
        try:
            value, text = _read(path)
        except DataFileError as problem:
            if on_problem is None:
                raise
            on_problem(problem)
            value, text = {}, ""
        value, problems = check_entries(path, path.stem, value, text)
        for problem in problems:
            if on_problem is None:
                raise problem
            on_problem(problem)
        data[path.stem] = value
    for name in REQUIRED_FILES:
        if name not in data:
            problem = DataFileError(Path(folder) / f"{name}.yml", 1, "file", "this data file is missing, and every "
                                    "page shows facts from it", "Put it back (your git history has it)")
            if on_problem is None:
                raise problem
            on_problem(problem)
            data[name] = check_entries(problem.path, name, {}, "")[0]
    return data


def funder_keys(field) -> list[str]:
    """The funders.yml keys a news post names in its ``Funders:`` field ("powerhouse, lottery")."""
    return [key for key in (part.strip() for part in str(field or "").split(",")) if key]


def long_date(day: dt.date) -> str:
    """30 November 2026: how the site writes a date in words (no leading zero)."""
    return f"{day.day} {day:%B %Y}"


def token_value(data: dict, kind: str, key: str, date_words: Callable[[dt.date], str] = long_date) -> str | None:
    """The text a token stands for, or None when the data has no such key.

    A date (``checked: 2026-11-30``) is written as the site writes dates, by ``date_words``
    (30 November 2026; in a translated page, in its language). A crisis line is its number."""
    entry = data.get(kind, {}).get(key)
    if entry is None:
        return None
    if isinstance(entry, dt.date):
        return date_words(entry)
    if isinstance(entry, dict):
        return str(entry.get("phone" if kind == "crisis" else "value", ""))
    return str(entry)


def contact_link(data: dict, key: str, text: str) -> str:
    """Phone numbers and email addresses in page bodies become links a phone can use. A
    number is marked left-to-right, so it reads the same in a right-to-left page."""
    contact = data.get("contact", {})
    if key == "phone" and contact.get("phone_href"):
        return f'<a href="tel:{escape(contact["phone_href"])}" dir="ltr">{escape(text)}</a>'
    if key == "email":
        return f'<a href="mailto:{escape(text)}" dir="ltr">{escape(text)}</a>'
    return escape(text)


def crisis_link(data: dict, key: str) -> str:
    entry = data.get("crisis", {}).get(key) or {}
    href = str(entry.get("phone_href") or str(entry.get("phone", "")).replace(" ", ""))
    return f'<a href="tel:{escape(href)}" dir="ltr">{escape(str(entry.get("phone", "")))}</a>'


def load_translations(folder: str | Path) -> dict[str, tuple[Path, dict, str]]:
    """content/data/translations/<lang>.yml -> {lang: (path, words, text)}: the data files' words
    in that language, as ``file: {key: text}`` (for example ``times: {reply_time: 2 dni robocze}``).
    Raises DataFileError for a file that cannot be read."""
    found = {}
    for path in sorted((Path(folder) / TRANSLATIONS_FOLDER).glob("*.yml")):
        value, text = _read(path)
        found[path.stem.lower()] = (path, value, text)
    return found


def translated_data(data: dict, words: dict) -> tuple[dict, list[tuple[str, str, str, str]]]:
    """``data`` with a language's words in it, and the words left out because the English
    has changed since they were translated (file, key, translated, English now): after a
    change of "2 working days" to "3 working days", an old "2 dni roboczych" would tell a
    parent the wrong thing, so the English is shown until the translation is updated.

    Each translation is ``key: {english: the English it translates, words: the translation}``
    (stale when ``english`` differs from the English now); or, for short, ``key: translation``
    (stale for a reply or waiting time when its numbers differ from the English's)."""
    merged, stale = dict(data), []
    for name, values in (words or {}).items():
        if not isinstance(values, dict) or name not in data or not isinstance(data[name], dict):
            continue
        entries = dict(data[name])
        for key, text in values.items():
            if key not in entries or text in (None, ""):
                continue
            english = entries[key]
            if isinstance(text, dict):  # {english: what was translated, words: the translation}
                current = english.get("value" if "value" in english else "name", "") if isinstance(english, dict) else english
                if str(text.get("english", "")).strip() != str(current).strip():
                    stale.append((name, key, str(text.get("words", "")), str(current)))
                    continue
                text = text.get("words", "")
                if text in (None, ""):
                    continue
                entries[key] = {**english, "value" if "value" in english else "name": str(text)} \
                    if isinstance(english, dict) else str(text)
                continue
            if isinstance(english, dict):
                field = "value" if "value" in english else "name"
                if DIGITS.findall(str(english.get(field, ""))) != DIGITS.findall(str(text)):
                    stale.append((name, key, str(text), str(english.get(field, ""))))
                    continue
                entries[key] = {**english, field: str(text)}
            else:
                if name == "times" and DIGITS.findall(str(english)) != DIGITS.findall(str(text)):
                    stale.append((name, key, str(text), str(english)))
                    continue
                entries[key] = str(text)
        merged[name] = entries
    return merged, stale


def replace_tokens(text: str, data: dict, on_unknown: Callable[[str], None], html: bool = False,
                   date_words: Callable[[dt.date], str] = long_date) -> str:
    """Swap each ``{impact:key}`` / ``{contact:key}`` for its value from the data files.

    With ``html`` (page bodies) values are escaped and contact details become links.
    """

    def swap(match: re.Match) -> str:
        kind, key = match.group(1), match.group(2)
        value = token_value(data, kind, key, date_words)
        if value is None:
            on_unknown("{" + f"{kind}:{key}" + "}")
            return match.group(0)
        if not html:
            return value
        if kind == "crisis":
            return crisis_link(data, key)
        return contact_link(data, key, value) if kind == "contact" else escape(value)

    return TOKEN.sub(swap, text)


def menu_items(menu, siteurl: str, current: str):
    """Navigation entries as (label, href, is_current) for the header component."""
    return [(label, f"{siteurl}/{url}", url == current) for label, url in menu]


def footer_items(links, siteurl: str):
    return [(label, f"{siteurl}/{url}") for label, url in links]
