"""The built pages the service answers with: the form page and the confirmation page.

Pelican builds both pages in the site's look. The service reads them once at start-up (or
again when they change, in development) and swaps only the parts between the markers, so
every page a parent sees is the site's own page, with its header, footer and "Exit this
page" button, and the same relative links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser
from pathlib import Path

from .confirmation import AREA_NOTES, CONTACT_BOX, CONTACT_CHOICES, REPEAT_NOTES
from .rendering import Contact

FORM_START, FORM_END = "<!-- referral-form:start -->", "<!-- referral-form:end -->"
REF_START, REF_END = "<!-- referral-reference:start -->", "<!-- referral-reference:end -->"
NOTES_START, NOTES_END = "<!-- referral-notes:start -->", "<!-- referral-notes:end -->"
FORM_PAGE = Path("get-support/refer-yourself/index.html")
RECEIVED_PAGE = Path("get-support/refer-yourself/received/index.html")
NOT_FOUND_PAGE = Path("404.html")

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


class BuiltPages:
    """Holds the built pages in memory; in development re-reads them when Pelican rewrites them."""

    def __init__(self, site_dir: Path, reload: bool = False, help_phone: str = ""):
        self.site_dir = Path(site_dir)
        self.reload = reload
        self.help_phone = help_phone
        self._mtimes: tuple[float, ...] = ()
        self._load()

    def _paths(self) -> tuple[Path, ...]:
        return (self.site_dir / FORM_PAGE, self.site_dir / RECEIVED_PAGE, self.site_dir / NOT_FOUND_PAGE)

    def _load(self) -> None:
        form_path, received_path, not_found_path = self._paths()
        try:
            form_html = form_path.read_text(encoding="utf-8")
            received_html = received_path.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise PageError(f"Built page not found: {exc.filename} (run `make html` first)") from None
        self.form = _split(form_html, FORM_START, FORM_END, form_path)
        self.received = _split(received_html, REF_START, REF_END, received_path)
        self.received_notes = _split(self.received.after, NOTES_START, NOTES_END, received_path)
        after = self.received.after
        region = after[len(self.received_notes.before):len(after) - len(self.received_notes.after)]
        self.notes = {key: html.strip() for key, html in NOTE_TEMPLATE.findall(region)}
        self.not_found = not_found_path.read_text(encoding="utf-8") if not_found_path.exists() else "<h1>Page not found</h1>"
        contact = find_contact(form_html)
        if self.help_phone:
            contact = Contact(self.help_phone, self.help_phone.replace(" ", ""), contact.hours)
        self.contact = contact
        self._mtimes = self._stat()

    def _stat(self) -> tuple[float, ...]:
        return tuple(p.stat().st_mtime if p.exists() else 0.0 for p in self._paths())

    def refresh(self) -> None:
        """Development only: pick up a rebuilt page; keep the last good copy mid-rebuild."""
        if self.reload and self._stat() != self._mtimes:
            try:
                self._load()
            except (PageError, OSError):
                pass

    def form_page(self, form_html: str, error: bool) -> str:
        before = self.form.before
        if error:
            before = re.sub(r"<title>\s*", "<title>Error: ", before, count=1)
        return before + "\n" + form_html + "\n" + self.form.after

    def notes_html(self, keys: tuple[str, ...]) -> str:
        """The notes for these keys: "already sent" first, the contact sentences in their box, then the others."""
        repeat = "".join(self.notes[k] for k in REPEAT_NOTES if k in keys and k in self.notes)
        items = "".join(self.notes[k] for k in CONTACT_CHOICES if k in keys and k in self.notes)
        html = self.notes.get(CONTACT_BOX, NOTE_ITEMS).replace(NOTE_ITEMS, items) if items else ""
        return repeat + html + "".join(self.notes[k] for k in AREA_NOTES if k in keys and k in self.notes)

    def received_page(self, reference: str, notes: tuple[str, ...]) -> str:
        ref_html = (
            '<div class="ox-referral-panel"><p class="ox-referral-panel__text">Your reference is</p>'
            f'<p class="ox-referral-panel__reference"><strong>{escape(reference)}</strong></p></div>'
        )
        notes_html = self.notes_html(notes)
        return (
            self.received.before
            + ref_html
            + self.received_notes.before
            + notes_html
            + self.received_notes.after
        )
