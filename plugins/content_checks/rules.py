"""Pure helpers: the front-matter rules for each section, and the checks on one file.

Every check returns ``Issue`` objects (file, line, field, what is wrong, how to fix it);
the signal handlers in ``__init__`` pass them to ``content_problems.report``. Nothing
here imports Pelican, so each rule can be tested on a string.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass

from site_data.data import funder_keys

from .frontmatter import Source

# ----------------------------------------------------------------------------- the rules

TEXT, DATE, FLAG, NUMBER, SLUG, STATUS = "text", "date", "flag", "number", "slug", "status"

# Fields every file may have, and their kinds (the label is how volunteers write it).
COMMON = {
    "title": ("Title", TEXT),
    "date": ("Date", DATE),
    "modified": ("Modified", DATE),
    "slug": ("Slug", SLUG),
    "summary": ("Summary", TEXT),
    "status": ("Status", STATUS),
    "scheduled": ("Scheduled", FLAG),
    "example": ("Example", FLAG),
    # When the page was last checked and is next due (plugins/page_reviews).
    "reviewed": ("Reviewed", DATE),
    "next_review": ("Next_review", DATE),
    # "Was this page helpful?" at the foot of the page (plugins/feedback_form); no to leave it off.
    "feedback": ("Feedback", FLAG),
}

SECTIONS = {
    "stories": {
        "fields": {
            "pseudonym": ("Pseudonym", FLAG),
            "real_name_agreed": ("Real_name_agreed", FLAG),
            "quote": ("Quote", TEXT),
            "quote_by": ("Quote_by", TEXT),
            "service": ("Service", TEXT),
            "consent_reference": ("Consent_reference", TEXT),
            "consent_date": ("Consent_date", DATE),
        },
        "required": ["title", "date", "summary", "quote", "quote_by", "service",
                     "consent_reference", "consent_date"],
    },
    "news": {
        "fields": {"topic": ("Topic", TEXT), "funders": ("Funders", TEXT)},
        "required": ["title", "date", "summary", "topic"],
    },
    "services": {
        "fields": {"ages": ("Ages", TEXT), "areas": ("Areas", TEXT), "cost": ("Cost", TEXT),
                   "order": ("Order", NUMBER)},
        "required": ["title", "summary"],
    },
    "pages": {"fields": {}, "required": ["title", "summary"]},
    # A page in another language (plugins/languages): its language, the English page it
    # translates, and whether a translator has checked it (publishing needs yes, or Example:
    # yes; left out, as the web editor leaves an untouched switch, it means no).
    "translations": {
        "fields": {"lang": ("Lang", TEXT), "translation_of": ("Translation_of", TEXT),
                   "translator_checked": ("Translator_checked", FLAG)},
        "required": ["title", "summary", "lang", "translation_of"],
    },
    # The Easy Read version of an English page (plugins/languages/easy_read.py checks its text).
    "easy-read": {"fields": {"easy_read_of": ("Easy_read_of", TEXT)}, "required": ["title", "summary", "easy_read_of"]},
}

# What a volunteer should write for each required field, for the "is missing" fix.
EXAMPLES = {
    "title": "Title: Daniel's story: finding a way back to my son",
    "date": "Date: 2025-05-14",
    "summary": "Summary: One or two short sentences about the story",
    "quote": "Quote: I understand my son so much better now",
    "quote_by": "Quote_by: Daniel, dad to a 1-year-old",
    "service": "Service: therapy-sessions",
    "consent_reference": "Consent_reference: CONSENT-2025-003 (from the signed consent form)",
    "consent_date": "Consent_date: 2025-04-30 (the date on the signed consent form)",
    "topic": "Topic: Our work",
    "lang": "Lang: pl",
    "translation_of": "Translation_of: get-support",
    "translator_checked": "Translator_checked: no",
    "easy_read_of": "Easy_read_of: get-support",
}

YES = {"yes", "true"}
NO = {"no", "false"}
STATUSES = ("published", "draft", "hidden")
PLACEHOLDERS = {"", "todo", "tbc", "tbd", "none", "n/a", "na", "unknown", "xxx", "?", "-", "pending"}
DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

DEFAULTS = {
    "CONTENT_SUMMARY_MAX_LENGTH": 160,
    "NEWS_TOPICS": ["Funding", "Our work", "Events"],
}


@dataclass(frozen=True)
class Issue:
    path: str
    line: int | None
    field: str
    message: str
    fix: str


def label(section: str, name: str) -> str:
    spec = SECTIONS.get(section, {}).get("fields", {}).get(name) or COMMON.get(name)
    return spec[0] if spec else name.capitalize()


def kinds(section: str) -> dict[str, tuple[str, str]]:
    return {**COMMON, **SECTIONS.get(section, {}).get("fields", {})}


def is_yes(value: str | None) -> bool:
    return (value or "").strip().lower() in YES


def parse_date(value: str) -> dt.datetime | None:
    """A strict YYYY-MM-DD [HH:MM[:SS]] date, or None. (Pelican accepts more, such as
    3/4/2025, which it reads the American way: we ask for one unambiguous form.)"""
    match = DATE_RE.match(value.strip())
    if not match:
        return None
    try:
        return dt.datetime(*(int(part) for part in match.groups() if part is not None))
    except ValueError:
        return None


# ------------------------------------------------------------------------ the checks


def check_structure(src: Source, section: str) -> list[Issue]:
    """Lines that end the front matter early, fields written twice or over two lines."""
    issues = []
    if src.stray:
        number, text = src.stray
        issues.append(Issue(
            src.path, number, "front matter",
            f'"{_short(text)}" is not a "Field: value" line, so the fields stop here and this '
            "line and everything after it would show on the page as text",
            "Write the field name with no spaces (for example Consent_date: 2025-04-30), "
            "or put a blank line before the story text",
        ))
    for found in src.fields.values():
        name = label(section, found.name)
        if found.repeats:
            issues.append(Issue(
                src.path, found.repeats[0], name,
                f"this field is written twice (lines {found.line} and {found.repeats[0]})",
                "Keep one and delete the other",
            ))
        if found.extra_lines:
            issues.append(Issue(
                src.path, found.extra_lines[0], name,
                "this field runs onto a second line",
                f"Put all of {name} on line {found.line}, after '{found.label}:'",
            ))
    return issues


def check_required(src: Source, section: str) -> list[Issue]:
    issues = []
    for name in SECTIONS.get(section, {}).get("required", []):
        found = src.fields.get(name)
        field_label = label(section, name)
        if found is None:
            example = EXAMPLES.get(name, f"{field_label}: ...")
            hint = _misspelt(src, name, section)
            issues.append(Issue(
                src.path, hint[0] if hint else 1, field_label, "this field is missing"
                + (f' (line {hint[0]} has "{hint[1]}:" - is it misspelt?)' if hint else ""),
                f'Add the line "{example}" at the top of the file, before the first blank line',
            ))
        elif found.value.strip() == "":
            example = EXAMPLES.get(name, f"{field_label}: ...")
            issues.append(Issue(
                src.path, found.line, field_label, "this field is empty",
                f'Write it after "{found.label}:", for example "{example}"',
            ))
    for found in src.fields.values():
        if found.value.strip().upper().startswith("TODO"):
            field_label = label(section, found.name)
            example = EXAMPLES.get(found.name, f"{field_label}: ...")
            issues.append(Issue(
                src.path, found.line, field_label, "this field still says TODO",
                f'Fill it in, for example "{example}"',
            ))
    return issues


def check_types(src: Source, section: str, topics=None) -> list[Issue]:
    """Dates parse, yes/no fields say yes or no, numbers are numbers, slugs are slugs."""
    issues = []
    known = kinds(section)
    for name, found in src.fields.items():
        if name not in known or found.value.strip() == "" or found.value.strip().upper().startswith("TODO"):
            continue
        field_label, kind = known[name]
        value = found.value.strip()
        if kind == DATE and parse_date(value) is None:
            if DATE_RE.match(value):
                what = f'"{value}" is not a real date'
            else:
                what = f'"{value}" is not a date in the form YYYY-MM-DD'
            issues.append(Issue(src.path, found.line, field_label, what,
                                "Write the date as year-month-day with hyphens, for example 2025-04-30"))
        elif kind == FLAG and value.lower() not in YES | NO:
            issues.append(Issue(src.path, found.line, field_label, f'"{value}" is not yes or no',
                                f"Write {found.label}: yes or {found.label}: no"))
        elif kind == NUMBER and not re.fullmatch(r"-?\d+", value):
            issues.append(Issue(src.path, found.line, field_label, f'"{value}" is not a whole number',
                                f"Write a number, for example {found.label}: 2"))
        elif kind == SLUG and not SLUG_RE.match(value):
            suggestion = re.sub(r"[^a-z0-9]+", "-", value.lower().replace("'", "").replace("\u2019", "")).strip("-")
            issues.append(Issue(src.path, found.line, field_label,
                                f'"{value}" can only use small letters, numbers and hyphens',
                                f"Write it like {suggestion or 'my-story'}"))
        elif kind == STATUS and value.lower() not in STATUSES:
            issues.append(Issue(src.path, found.line, field_label, f'"{value}" is not a status',
                                "Write Status: draft to keep it as a private preview, or delete the "
                                "Status line to publish it"))
    return issues


def check_summary(src: Source, section: str, limit: int) -> list[Issue]:
    found = src.fields.get("summary")
    if not found or len(found.value) <= limit:
        return []
    return [Issue(src.path, found.line, "Summary",
                  f"the summary is {len(found.value)} characters long; the limit is {limit}",
                  "Shorten it to one or two short sentences: it is shown in search results "
                  "and on cards, where longer text is cut off")]


def check_dates(src: Source, section: str, now: dt.datetime) -> list[Issue]:
    """No future Date unless Scheduled: yes; story consent given before publication."""
    issues = []
    found = src.fields.get("date")
    date = parse_date(found.value) if found else None
    if date and date > now and not is_yes(src.value("scheduled")):
        issues.append(Issue(src.path, found.line, "Date",
                            f"{found.value} is in the future, so it would be published early",
                            'Add the line "Scheduled: yes" to publish it on that date, or correct the date'))
    if section != "stories":
        return issues
    consent = src.fields.get("consent_date")
    consent_date = parse_date(consent.value) if consent else None
    if consent_date and consent_date > now:
        issues.append(Issue(src.path, consent.line, "Consent_date",
                            f"{consent.value} is in the future",
                            "Use the date the parent signed the consent form"))
    elif consent_date and date and consent_date > date:
        issues.append(Issue(src.path, consent.line, "Consent_date",
                            f"consent ({consent.value}) is dated after the story's Date ({found.value})",
                            "A story can only be published after the parent has agreed: check both "
                            "dates against the signed consent form"))
    return issues


def check_story(src: Source, services: dict[str, str]) -> list[Issue]:
    """Consent reference, pseudonym or real name agreed, a service that exists."""
    issues = []
    reference = src.fields.get("consent_reference")
    if reference and reference.value.strip() and reference.value.strip().lower() in PLACEHOLDERS - {"todo"}:
        issues.append(Issue(src.path, reference.line, "Consent_reference",
                            f'"{reference.value}" is not a consent reference',
                            "Copy the reference from the signed consent form "
                            "(for example CONSENT-2025-003). Do not publish a story without one"))
    pseudonym, real = src.fields.get("pseudonym"), src.fields.get("real_name_agreed")
    if is_yes(src.value("pseudonym")) and is_yes(src.value("real_name_agreed")):
        issues.append(Issue(src.path, real.line, "Real_name_agreed",
                            "both Pseudonym: yes and Real_name_agreed: yes are set",
                            "Keep only the one that is true: Pseudonym: yes if you changed the "
                            "name, Real_name_agreed: yes if the parent agreed in writing to their real name"))
    elif not is_yes(src.value("pseudonym")) and not is_yes(src.value("real_name_agreed")):
        line = (pseudonym or real).line if (pseudonym or real) else 1
        issues.append(Issue(src.path, line, "Pseudonym",
                            "the story does not say whether the parent's name has been changed",
                            'Add "Pseudonym: yes" if you changed the name (the usual choice), or '
                            '"Real_name_agreed: yes" only if the parent agreed in writing to use their real name'))
    service = src.fields.get("service")
    if service and service.value.strip() and not service.value.strip().upper().startswith("TODO") \
            and service.value.strip() not in services:
        close = difflib.get_close_matches(service.value.strip(), list(services), n=1)
        choices = ", ".join(sorted(services)) or "none yet"
        issues.append(Issue(src.path, service.line, "Service",
                            f'"{service.value}" is not one of our services'
                            + (f" (did you mean {close[0]}?)" if close else ""),
                            "Use the name of a file in content/services/ without .md "
                            f"(services now: {choices})"))
    return issues


def check_news(src: Source, topics: list[str], funders: dict) -> list[Issue]:
    issues = []
    topic = src.fields.get("topic")
    if topic and topic.value.strip() and topic.value.strip() not in topics:
        matching = [t for t in topics if t.lower() == topic.value.strip().lower()]
        issues.append(Issue(src.path, topic.line, "Topic",
                            f'"{topic.value}" is not a news topic',
                            f"Write Topic: {matching[0]}" if matching else
                            f"Use one of: {', '.join(topics)}"))
    found = src.fields.get("funders")
    if found:
        keys = funder_keys(found.value)
        known = [k for k in funders if k != "example"]
        for key in keys:
            if key not in funders or key == "example":
                close = difflib.get_close_matches(key, known, n=1)
                issues.append(Issue(src.path, found.line, "Funders",
                                    f'"{key}" is not in content/data/funders.yml'
                                    + (f" (did you mean {close[0]}?)" if close else ""),
                                    f"Use a key from that file ({', '.join(known)}), separated by "
                                    "commas, or ask for the funder to be added there first"))
    return issues


def check_file(src: Source, section: str, *, now: dt.datetime, services: dict[str, str],
               funders: dict, settings: dict) -> list[Issue]:
    """Every front-matter check for one file of a section."""
    limit = int(settings.get("CONTENT_SUMMARY_MAX_LENGTH", DEFAULTS["CONTENT_SUMMARY_MAX_LENGTH"]))
    topics = list(settings.get("NEWS_TOPICS", DEFAULTS["NEWS_TOPICS"]))
    issues = check_structure(src, section)
    issues += check_required(src, section)
    issues += check_types(src, section)
    issues += check_summary(src, section, limit)
    issues += check_dates(src, section, now)
    if section == "stories":
        issues += check_story(src, services)
    if section == "news":
        issues += check_news(src, topics, funders)
    return issues


# ------------------------------------------------------------------------------ helpers


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _misspelt(src: Source, name: str, section: str) -> tuple[int, str] | None:
    """A field in the file whose name is close to a missing one (Sumary for Summary)."""
    known = set(kinds(section))
    candidates = {f.name: f for f in src.fields.values() if f.name not in known}
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.75)
    if close:
        found = candidates[close[0]]
        return found.line, found.label
    if src.stray:  # "Consent date: ..." ends the front matter; point at it
        number, text = src.stray
        words = re.sub(r"[^a-z]", "", text.split(":", 1)[0].lower())
        if words and difflib.SequenceMatcher(None, words, name.replace("_", "")).ratio() > 0.75:
            return number, text.split(":", 1)[0]
    return None
