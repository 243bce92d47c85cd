"""Check a submitted form against the form definition.

Returns every answer as typed (cleaned of invisible control characters) so the page can be
shown again with nothing lost, plus one error per question in page order. Being outside
Oxfordshire or having an older child is never an error: it is noted for the intake team.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Mapping

from . import area
from .form_definition import BY_NAME, Field, field_order
from .i18n import ENGLISH, Words

# Digits a phone keyboard may type in Arabic, Persian or Urdu: read as 0 to 9 in phone
# numbers and dates, so a parent writing in those languages is understood.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u2028\u2029\ufeff]")
_SPACES = re.compile(r"\s+")
_PHONE_ALLOWED = re.compile(r"^\+?[0-9 ()\-.]+$")
_EMAIL = re.compile(
    r"^[^\s@\"(),:;<>\[\]\\]+@"  # local part: no spaces or specials
    r"(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+"  # domain labels
    r"(?:[^\W\d_]{2,63}|xn--[a-z0-9-]{1,59})$",  # top-level domain
    re.IGNORECASE,
)
MAX_CHILD_AGE_YEARS = 18  # older than this is almost surely the parent's own birthday
SERVICE_AGE_MONTHS = 24  # the service is for pregnancy up to age 2
DUE_DATE_MONTHS_AHEAD = 10


@dataclass(frozen=True)
class FieldError:
    """One message for one question; `target` is the input id the error summary links to."""

    message: str
    target: str
    parts: tuple[str, ...] = ()  # date parts to highlight; empty means all of them


@dataclass
class ValidationResult:
    values: dict[str, str]  # every input as typed, for showing the form again
    errors: dict[str, FieldError] = field(default_factory=dict)  # in page order
    answers: dict[str, str] = field(default_factory=dict)  # the referral, when valid
    notes: dict[str, str] = field(default_factory=dict)  # area and child age, for triage

    @property
    def ok(self) -> bool:
        return not self.errors


def clean_text(value: str, multiline: bool = False) -> str:
    """NFC-normalise, drop invisible control characters, and trim; keep line breaks only in long text."""
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value.replace("\t", " "))
    if multiline:
        return "\n".join(line.rstrip() for line in value.strip().split("\n"))
    return _SPACES.sub(" ", value).strip()


def char_count(value: str) -> int:
    """Characters as a person counts them (code points), matching the page's live count."""
    return len(value)


def collect_values(form: Mapping[str, str]) -> dict[str, str]:
    """Take exactly the inputs the definition knows, cleaned; anything else is ignored.
    Phone numbers and dates typed in Arabic-Indic or Persian digits are kept in 0 to 9."""
    values: dict[str, str] = {}
    for f in field_order():
        for part in f.part_names():
            raw = form.get(part, "")
            value = clean_text(raw if isinstance(raw, str) else "", f.kind == "textarea")
            values[part] = value.translate(_DIGITS) if f.kind in ("tel", "date", "month-year") else value
    return values


def validate(form: Mapping[str, str], today: date, words: Words = ENGLISH) -> ValidationResult:
    """Validate a submitted form against the definition.

    `today` is the charity's date (`clock.today(settings.zone)`), never the machine's: date
    rules such as "today or in the past" are judged in the charity's time zone. Messages
    are in the language of `words` (the form page the answers came from); a date in one
    is written in that language too.
    """
    values = collect_values(form)
    result = ValidationResult(values=values)
    errors: dict[str, FieldError] = {}

    def err(f: Field, key: str, parts: tuple[str, ...] = (), **fmt: str) -> None:
        if f.name in errors:
            return
        target = parts[0] if parts else f.part_names()[0]
        errors[f.name] = FieldError(words.gettext(f.messages[key]).format(**fmt), target, parts)

    active = _active_fields(values)
    for f in field_order():
        if f.name not in active:
            continue
        if f.kind in ("date", "month-year"):
            _check_date(f, values, today, err, result.notes, words)
            continue
        value = values[f.name]
        if f.kind in ("radios", "checkbox"):
            if value not in {o.value for o in f.options}:
                values[f.name] = "" if f.kind == "checkbox" else value
                err(f, "required")
            continue
        if not value:
            if f.required:
                err(f, "required")
            continue
        if f.max_length and char_count(value) > f.max_length:
            err(f, "too_long")
        elif f.kind == "tel" and not _valid_phone(value):
            err(f, "invalid")
        elif f.kind == "email" and not _EMAIL.match(value):
            err(f, "invalid")

    _check_contact(values, err)
    order = [f.name for f in field_order()]
    result.errors = {name: errors[name] for name in order if name in errors}
    if result.ok:
        result.answers = {
            part: values[part] for f in field_order() if f.name in active for part in f.part_names()
        }
        result.notes["area"] = area.classify(values["location"])
        if values["baby_status"] == "pregnant":
            result.notes["child_age"] = "pregnant"
    return result


def _active_fields(values: Mapping[str, str]) -> set[str]:
    """Questions that count: a revealed question counts only when its choice is chosen."""
    active = set()
    for f in field_order():
        if not f.nested:
            active.add(f.name)
        for option in f.options:
            if values.get(f.name) == option.value:
                active.update(option.reveals)
    return active


def _valid_phone(value: str) -> bool:
    if not _PHONE_ALLOWED.match(value):
        return False
    digits = re.sub(r"\D", "", value)
    return 10 <= len(digits) <= 15


def _check_contact(values: Mapping[str, str], err) -> None:
    """At least one way to reach the parent, and the one they prefer must be given."""
    phone, email = BY_NAME["phone"], BY_NAME["email"]
    if not values["phone"] and not values["email"]:
        err(phone, "one_of")
        return
    chosen = values["preferred_contact"]
    if chosen == "phone" and not values["phone"]:
        err(phone, "needed_for_choice")
    if chosen == "email" and not values["email"]:
        err(email, "needed_for_choice")


def _check_date(f: Field, values: dict[str, str], today: date, err, notes: dict[str, str], words: Words) -> None:
    names = dict(zip(("day", "month", "year") if f.kind == "date" else ("month", "year"), f.part_names()))
    raw = {k: values[n].replace(" ", "") for k, n in names.items()}
    for k, n in names.items():
        values[n] = raw[k]
    missing = tuple(k for k, v in raw.items() if not v)
    if len(missing) == len(raw):
        err(f, "required")
        return
    if missing:
        err(f, f"missing_{missing[0]}", tuple(names[k] for k in missing))
        return
    if not all(v.isascii() and v.isdigit() for v in raw.values()):
        bad = tuple(names[k] for k, v in raw.items() if not (v.isascii() and v.isdigit()))
        err(f, "invalid", bad)
        return
    if len(raw["year"]) != 4:
        err(f, "year_digits", (names["year"],))
        return
    year, month = int(raw["year"]), int(raw["month"])
    day = int(raw.get("day", "1"))
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(max(year, 1), month)[1] and year >= 1):
        err(f, "invalid")
        return
    given = date(year, month, day)
    if f.kind == "month-year":
        months_ahead = (year - today.year) * 12 + (month - today.month)
        if months_ahead < -1:  # a baby a few weeks late is still expected
            err(f, "too_early")
        elif months_ahead > DUE_DATE_MONTHS_AHEAD:
            err(f, "too_late")
        return
    if given > today:
        err(f, "future")
        return
    earliest = _years_before(today, MAX_CHILD_AGE_YEARS)
    if given <= earliest:
        err(f, "too_old", earliest=words.date(earliest))
        return
    age_months = (today.year - given.year) * 12 + (today.month - given.month) - (today.day < given.day)
    notes["child_age"] = "under_2" if age_months < SERVICE_AGE_MONTHS else "over_2"


def _years_before(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)
