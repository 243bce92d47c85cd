"""Pure helpers: load the data files and replace {impact:key} style tokens."""

from __future__ import annotations

import datetime as dt
import re
from html import escape
from pathlib import Path
from typing import Callable

import yaml

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
TOKEN = re.compile(r"\{(impact|contact|times):([a-z0-9_]+)\}")


class DataFileError(Exception):
    """A data file that cannot be read; the message names the file and the fix."""


def load_data(folder: str | Path) -> dict:
    """Read every ``*.yml`` in the data folder into ``{file stem: contents}``.

    A top-level ``checked`` date written as a quoted string ('2026-11-30', as the web editor
    writes it) is read as the date it is."""
    data: dict = {}
    for path in sorted(Path(folder).glob("*.yml")):
        try:
            data[path.stem] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            checked = data[path.stem].get("checked") if isinstance(data[path.stem], dict) else None
            if isinstance(checked, str) and ISO_DATE.fullmatch(checked.strip()):
                data[path.stem]["checked"] = dt.date.fromisoformat(checked.strip())
        except ValueError as error:  # a date YAML recognises but the calendar does not (2026-02-30)
            raise DataFileError(
                f"{path}: this data file has a date that does not exist ({error}). "
                "Check the day and month of each date, written as year-month-day."
            ) from None
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line = mark.line + 1 if mark else 1
            raise DataFileError(
                f"{path}:{line}: this data file is not valid YAML ({getattr(error, 'problem', error)}). "
                "Check the indentation and that text with a colon in it is in quotes."
            ) from None
    return data


def funder_keys(field) -> list[str]:
    """The funders.yml keys a news post names in its ``Funders:`` field ("powerhouse, lottery")."""
    return [key for key in (part.strip() for part in str(field or "").split(",")) if key]


def long_date(day: dt.date) -> str:
    """30 November 2026: how the site writes a date in words (no leading zero)."""
    return f"{day.day} {day:%B %Y}"


def token_value(data: dict, kind: str, key: str) -> str | None:
    """The text a token stands for, or None when the data has no such key.

    A date (``checked: 2026-11-30``) is written as the site writes dates: 30 November 2026."""
    entry = data.get(kind, {}).get(key)
    if entry is None:
        return None
    if isinstance(entry, dt.date):
        return long_date(entry)
    if isinstance(entry, dict):
        return str(entry.get("value", ""))
    return str(entry)


def contact_link(data: dict, key: str, text: str) -> str:
    """Phone numbers and email addresses in page bodies become links a phone can use."""
    contact = data.get("contact", {})
    if key == "phone" and contact.get("phone_href"):
        return f'<a href="tel:{escape(contact["phone_href"])}">{escape(text)}</a>'
    if key == "email":
        return f'<a href="mailto:{escape(text)}">{escape(text)}</a>'
    return escape(text)


def replace_tokens(text: str, data: dict, on_unknown: Callable[[str], None], html: bool = False) -> str:
    """Swap each ``{impact:key}`` / ``{contact:key}`` for its value from the data files.

    With ``html`` (page bodies) values are escaped and contact details become links.
    """

    def swap(match: re.Match) -> str:
        kind, key = match.group(1), match.group(2)
        value = token_value(data, kind, key)
        if value is None:
            on_unknown(match.group(0))
            return match.group(0)
        if not html:
            return value
        return contact_link(data, key, value) if kind == "contact" else escape(value)

    return TOKEN.sub(swap, text)


def menu_items(menu, siteurl: str, current: str):
    """Navigation entries as (label, href, is_current) for the header component."""
    return [(label, f"{siteurl}/{url}", url == current) for label, url in menu]


def footer_items(links, siteurl: str):
    return [(label, f"{siteurl}/{url}") for label, url in links]
