"""The built pages the service answers with: the form page and the confirmation page.

Pelican builds both pages in the site's look, in English and in each language that has a
translated form page (/pl/get-support/refer-yourself/ and its received/ page). The service
reads them once at start-up (or again when they change, in development) and swaps only
the parts between the markers, so every page a parent sees is the site's own page, in the
language she chose, with its header, footer and "Exit this page" button, and the same
relative links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser
from pathlib import Path

from .confirmation import AREA_NOTES, CONTACT_BOX, CONTACT_CHOICES, REPEAT_NOTES
from .i18n import ENGLISH, SOURCE_LANGUAGE, UnknownLanguage, Words, language, normalise
from .rendering import Contact

FORM_START, FORM_END = "<!-- referral-form:start -->", "<!-- referral-form:end -->"
REF_START, REF_END = "<!-- referral-reference:start -->", "<!-- referral-reference:end -->"
NOTES_START, NOTES_END = "<!-- referral-notes:start -->", "<!-- referral-notes:end -->"
FORM_PAGE = Path("get-support/refer-yourself/index.html")
RECEIVED_PAGE = Path("get-support/refer-yourself/received/index.html")
NOT_FOUND_PAGE = Path("404.html")


def form_page(code: str = SOURCE_LANGUAGE) -> Path:
    """Where the form page of a language is built: get-support/... or pl/get-support/..."""
    return FORM_PAGE if normalise(code) == SOURCE_LANGUAGE else Path(normalise(code)) / FORM_PAGE


def received_page(code: str = SOURCE_LANGUAGE) -> Path:
    return RECEIVED_PAGE if normalise(code) == SOURCE_LANGUAGE else Path(normalise(code)) / RECEIVED_PAGE


def built_languages(site_dir: Path | str) -> list[str]:
    """The languages, besides English, whose form page is in the built site ("ar", "pl")."""
    found = []
    for path in sorted(Path(site_dir).glob(f"*/{FORM_PAGE}")):
        code = path.relative_to(site_dir).parts[0]
        try:
            if normalise(code) != SOURCE_LANGUAGE and language(code).code == code:
                found.append(code)
        except UnknownLanguage:
            continue
    return found

# The confirmation page's notes: one <template data-referral-note="key"> each, between the
# notes markers (theme/templates/referral_received.html). Inert in the static page; the
# service shows the ones for the parent's choices (confirmation.py).
NOTE_TEMPLATE = re.compile(r'<template data-referral-note="([a-z0-9_]+)">(.*?)</template>', re.S)
NOTE_ITEMS = "<!-- referral-note-items -->"


class PageError(Exception):
    """A built page is missing or lacks its markers: the site needs building first."""


@dataclass(frozen=True)
class _Split:
    before: str
    after: str


def _split(html: str, start: str, end: str, path: Path) -> _Split:
    if html.count(start) != 1 or html.count(end) != 1 or html.index(start) > html.index(end):
        raise PageError(f"{path} must contain {start} and {end} once each (build the site with the referral_form plugin)")
    return _Split(html[: html.index(start) + len(start)], html[html.index(end) :])


class _PhoneFinder(HTMLParser):
    """Finds <a href="tel:..." data-referral-phone>number</a> that the page template marks."""

    def __init__(self) -> None:
        super().__init__()
        self.contact: Contact | None = None
        self._href: str | None = None
        self._hours = ""
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and "data-referral-phone" in a and self.contact is None:
            self._href = (a.get("href") or "").removeprefix("tel:")
            self._hours = a.get("data-referral-phone-hours") or ""
            self._text = []

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.contact = Contact(" ".join("".join(self._text).split()), self._href, self._hours)
            self._href = None


def find_contact(html: str) -> Contact:
    finder = _PhoneFinder()
    finder.feed(html)
    return finder.contact or Contact()


@dataclass(frozen=True)
class LanguagePages:
    """The form and confirmation pages of one language, cut at their markers."""

    form: _Split
    received: _Split
    received_notes: _Split
    notes: dict
    contact: Contact


class BuiltPages:
    """Holds the built pages in memory; in development re-reads them when Pelican rewrites them.

    ``languages`` maps each language with a built form page to its LanguagePages; English
    (``SOURCE_LANGUAGE``) is always there. The attributes ``form``, ``received``, ``notes``
    and ``contact`` are English's."""

    def __init__(self, site_dir: Path, reload: bool = False, help_phone: str = ""):
        self.site_dir = Path(site_dir)
        self.reload = reload
        self.help_phone = help_phone
        self._mtimes: tuple[float, ...] = ()
        self._load()

    def _paths(self) -> tuple[Path, ...]:
        codes = [SOURCE_LANGUAGE, *built_languages(self.site_dir)]
        return (*(self.site_dir / p for code in codes for p in (form_page(code), received_page(code))),
                self.site_dir / NOT_FOUND_PAGE)

    def _language(self, code: str) -> LanguagePages:
        form_path, received_path = self.site_dir / form_page(code), self.site_dir / received_page(code)
        try:
            form_html = form_path.read_text(encoding="utf-8")
            received_html = received_path.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise PageError(f"Built page not found: {exc.filename} (run `make html` first)") from None
        form = _split(form_html, FORM_START, FORM_END, form_path)
        received = _split(received_html, REF_START, REF_END, received_path)
        received_notes = _split(received.after, NOTES_START, NOTES_END, received_path)
        after = received.after
        region = after[len(received_notes.before):len(after) - len(received_notes.after)]
        notes = {key: html.strip() for key, html in NOTE_TEMPLATE.findall(region)}
        contact = find_contact(form_html)
        if self.help_phone:
            contact = Contact(self.help_phone, self.help_phone.replace(" ", ""), contact.hours)
        return LanguagePages(form, received, received_notes, notes, contact)

    def _load(self) -> None:
        english = self._language(SOURCE_LANGUAGE)
        languages = {SOURCE_LANGUAGE: english}
        for code in built_languages(self.site_dir):
            try:
                languages[code] = self._language(code)
            except PageError:
                continue  # a half-built language is left out; English still works
        self.languages = languages
        self.form, self.received, self.received_notes = english.form, english.received, english.received_notes
        self.notes, self.contact = english.notes, english.contact
        not_found_path = self.site_dir / NOT_FOUND_PAGE
        self.not_found = not_found_path.read_text(encoding="utf-8") if not_found_path.exists() else "<h1>Page not found</h1>"
        self._mtimes = self._stat()

    def _stat(self) -> tuple[float, ...]:
        return tuple(p.stat().st_mtime if p.exists() else 0.0 for p in self._paths())

    def pages_for(self, code: str = SOURCE_LANGUAGE) -> LanguagePages:
        return self.languages.get(normalise(code)) or self.languages[SOURCE_LANGUAGE]

    def contact_for(self, code: str = SOURCE_LANGUAGE) -> Contact:
        return self.pages_for(code).contact

    def refresh(self) -> None:
        """Development only: pick up a rebuilt page; keep the last good copy mid-rebuild."""
        if self.reload and self._stat() != self._mtimes:
            try:
                self._load()
            except (PageError, OSError):
                pass

    def form_page(self, form_html: str, error: bool, words: Words = ENGLISH) -> str:
        """The form page of ``words``' language with this form in it; "Error: " (in that
        language) starts the title of a page with an error (GOV.UK's pattern)."""
        page = self.pages_for(words.code).form
        before = page.before
        if error:
            prefix = escape(words.gettext("Error:"))
            before = re.sub(r"<title>\s*", lambda _: f"<title>{prefix} ", before, count=1)
        return before + "\n" + form_html + "\n" + page.after

    def notes_html(self, keys: tuple[str, ...], code: str = SOURCE_LANGUAGE) -> str:
        """The notes for these keys: "already sent" first, the contact sentences in their box, then the others."""
        notes = self.pages_for(code).notes
        repeat = "".join(notes[k] for k in REPEAT_NOTES if k in keys and k in notes)
        items = "".join(notes[k] for k in CONTACT_CHOICES if k in keys and k in notes)
        html = notes.get(CONTACT_BOX, NOTE_ITEMS).replace(NOTE_ITEMS, items) if items else ""
        return repeat + html + "".join(notes[k] for k in AREA_NOTES if k in keys and k in notes)

    def received_page(self, reference: str, notes: tuple[str, ...], words: Words = ENGLISH) -> str:
        page = self.pages_for(words.code)
        label = escape(words.gettext("Your reference is"))
        ref_html = (
            f'<div class="ox-referral-panel"><p class="ox-referral-panel__text">{label}</p>'
            f'<p class="ox-referral-panel__reference"><strong dir="ltr">{escape(reference)}</strong></p></div>'
        )
        notes_html = self.notes_html(notes, words.code)
        return (
            page.received.before
            + ref_html
            + page.received_notes.before
            + notes_html
            + page.received_notes.after
        )
