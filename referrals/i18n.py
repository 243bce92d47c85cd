"""The site's own words in other languages: gettext catalogues, read once, looked up per language.

The words the theme, the referral form and the referral service print are written in
English in the templates and in ``form_definition.py``; ``make translations`` extracts
them with Babel into ``translations/messages.pot``, and a translator fills in one
``translations/<lang>/LC_MESSAGES/messages.po`` per language (any gettext editor, or a
text editor). The site build and the referral service both read the same files through
this module (the service never imports Pelican or plugins/).

``Catalogues.load(folder)`` reads and compiles every catalogue once (at the start of a build,
or when the service starts); each lookup is then a dictionary lookup. A string that a
catalogue lacks, leaves empty or marks fuzzy falls back to English, and ``missing(lang)``
lists it, so the build can say which strings still need a translator.

Language codes are BCP 47 tags as pages and URLs use them, lower case: ``pl``, ``ar``,
``en-gb``. Names, writing direction and plural rules come from CLDR (Babel).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

FOLDER = Path(__file__).resolve().parent.parent / "translations"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|\{[a-z_]+\}|%%")
TEMPLATE = "messages.pot"
DOMAIN = "messages"
_AS_WRITTEN = NullTranslations()  # English: the words as written (no catalogue)
SOURCE_LANGUAGE = "en-gb"  # the language the words are written in (DEFAULT_LANG)


def N_(text: str) -> str:
    """Marks a string for the catalogues where it is written; it is translated where shown."""
    return text


def normalise(code: str) -> str:
    """ "pl", "PL", "en_GB" -> "pl", "pl", "en-gb": the form used in URLs and lang="" here."""
    return str(code or "").strip().replace("_", "-").lower()


class UnknownLanguage(ValueError):
    """A code that names no language (for example "Polish" instead of "pl")."""


@dataclass(frozen=True)
class Language:
    """What the site needs to know about one language, from CLDR.

    code: normalised BCP 47 ("pl"); tag: as written in lang="" ("pl", "en-GB");
    name: its own name, capitalised where the script has capitals ("Polski", "العربية");
    english_name: "Polish"; direction: "ltr" or "rtl"; plural_samples: one whole number
    for each CLDR plural category the language uses ({"one": 1, "few": 2, "many": 5}),
    so a page can give a script each form of a message with a count in it."""

    code: str
    tag: str
    name: str
    english_name: str
    direction: str
    plural_samples: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def rtl(self) -> bool:
        return self.direction == "rtl"


@lru_cache(maxsize=None)
def language(code: str) -> Language:
    """The Language for a code; raises UnknownLanguage when CLDR does not know it."""
    normal = normalise(code)
    try:
        locale = Locale.parse(normal.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        raise UnknownLanguage(code) from None
    name = locale.languages.get(locale.language) or locale.get_display_name(locale) or normal
    name = name[:1].upper() + name[1:]
    english = Locale("en").languages.get(locale.language) or normal
    parts = normal.split("-")
    tag = "-".join([parts[0]] + [p.upper() if len(p) == 2 else p.title() if len(p) == 4 else p for p in parts[1:]])
    samples: dict[str, int] = {}
    for number in range(0, 200):
        samples.setdefault(locale.plural_form(number), number)
    return Language(normal, tag, name, english, locale.text_direction, samples)


def _compile(catalog) -> Translations:
    """A Babel catalogue as a gettext object (compiled to .mo in memory, as msgfmt would)."""
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def _read(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def placeholders(text: str) -> list[str]:
    """The names a string is filled in with: %(phone)s, {earliest} (sorted, repeats kept)."""
    return sorted(PLACEHOLDER.findall(text or ""))


def _wrong_placeholders(message) -> str | None:
    """What is wrong with a translation's placeholders, or None: each must keep exactly the
    msgid's, or filling it in would fail (the string is then shown in English)."""
    ids = message.id if isinstance(message.id, tuple) else (message.id,)
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    want = set(placeholders(ids[-1]))
    for text in strings:
        if text and set(placeholders(text)) != want:
            have = set(placeholders(text))
            missing, extra = sorted(want - have), sorted(have - want)
            return ("it lacks " + ", ".join(missing) if missing else "") + (" and " if missing and extra else "") + \
                ("it has " + ", ".join(extra) + ", which the English does not" if extra else "")
    return None


@dataclass
class Catalogues:
    """Every language's catalogue, compiled once. ``gettext(lang, text)`` looks one up."""

    folder: Path
    translations: dict[str, NullTranslations] = field(default_factory=dict)
    template_ids: tuple[str, ...] = ()
    _missing: dict[str, tuple[str, ...]] = field(default_factory=dict)
    problems: list[tuple[Path, int, str]] = field(default_factory=list)  # (file, line, what is wrong)

    @classmethod
    def load(cls, folder: Path | str | None = None) -> "Catalogues":
        """Read translations/messages.pot and every <lang>/LC_MESSAGES/messages.po in ``folder``.

        A catalogue that cannot be read is skipped (its language falls back to English) and
        named in ``problems``; nothing here raises for a translator's mistake."""
        found = cls(Path(folder) if folder else FOLDER)
        template = found.folder / TEMPLATE
        if template.is_file():
            try:
                found.template_ids = tuple(m.id for m in _read(template) if m.id and isinstance(m.id, str))
            except Exception as error:  # noqa: BLE001 - any syntax error in the file
                found.problems.append((template, getattr(error, "lineno", 1) or 1, str(error)))
        for path in sorted(found.folder.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
            code = normalise(path.parent.parent.name)
            try:
                catalog = _read(path)
            except Exception as error:  # noqa: BLE001
                found.problems.append((path, getattr(error, "lineno", 1) or 1, str(error)))
                continue
            for message in catalog:
                wrong = _wrong_placeholders(message) if message.id and message.string else None
                if wrong:
                    shown = message.id if isinstance(message.id, str) else message.id[0]
                    found.problems.append((path, message.lineno or 1, f'the translation of "{shown}": {wrong}, so it is '
                                           "shown in English. Keep each %(name)s and {name} exactly as in the msgid"))
                    message.string = "" if isinstance(message.string, str) else tuple("" for _ in message.string)
            done = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog
                    if m.id and m.string and not m.fuzzy and (isinstance(m.string, str) or all(m.string))}
            found._missing[code] = tuple(i for i in found.template_ids if i not in done)
            found.translations[code] = _compile(catalog)
        return found

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages that have a catalogue ("pl", "ar"), besides English."""
        return tuple(self.translations)

    def for_language(self, code: str) -> NullTranslations:
        """The gettext object for a language; English (the words as written) when it has none."""
        return self.translations.get(normalise(code)) or _AS_WRITTEN

    def gettext(self, code: str, text: str) -> str:
        """``text`` in the language ``code`` ("pl", "en-gb"): a dictionary lookup, once per
        word on every page, so English (no catalogue) returns the words as written at once."""
        found = self.translations.get(code) or self.translations.get(normalise(code)) if text else None
        return found.gettext(text) if found is not None else text

    def ngettext(self, code: str, singular: str, plural: str, count: int) -> str:
        return self.for_language(code).ngettext(singular, plural, count)

    def missing(self, code: str) -> tuple[str, ...]:
        """Strings of messages.pot that the language's catalogue lacks (shown in English).
        Every string, for a language without a catalogue; none for English."""
        code = normalise(code)
        if code == SOURCE_LANGUAGE or code.split("-")[0] == SOURCE_LANGUAGE.split("-")[0]:
            return ()
        return self._missing.get(code, self.template_ids)


@lru_cache(maxsize=4)
def catalogues(folder: str | None = None) -> Catalogues:
    """The catalogues in ``folder`` (default: the project's translations/), read once per process."""
    return Catalogues.load(folder)


@dataclass(frozen=True)
class Words:
    """The words of one language, for code that prints them (the form, the service).

    ``Words.for_language("pl")`` uses the project's catalogues (read once per process);
    ``ENGLISH`` prints the words as written."""

    code: str = SOURCE_LANGUAGE
    catalogues: Catalogues | None = None

    @classmethod
    def for_language(cls, code: str, found: Catalogues | None = None) -> "Words":
        return cls(normalise(code), found if found is not None else catalogues())

    @property
    def language(self) -> Language:
        return language(self.code)

    def gettext(self, text: str) -> str:
        return self.catalogues.gettext(self.code, text) if self.catalogues and text else text

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        if self.catalogues is None:
            return singular if count == 1 else plural
        return self.catalogues.ngettext(self.code, singular, plural, count)

    def date(self, day) -> str:
        """A date in words: "30 November 2026", "30 listopada 2026", "30 نوفمبر 2026"."""
        if self.code.split("-")[0] == "en":
            return f"{day.day} {day:%B %Y}"
        from babel.dates import format_date

        return format_date(day, "long", locale=self.code.replace("-", "_"))

    def number(self, value: int) -> str:
        """A whole number with the language's grouping, in the digits 0 to 9 (2,000; 2 000)."""
        from babel.numbers import format_decimal

        return format_decimal(value, locale=self.code.replace("-", "_"), numbering_system="latn")


ENGLISH = Words()
