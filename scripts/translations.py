"""Keep the catalogues of the site's own words up to date (`make translations`).

    python scripts/translations.py              # messages.pot from the sources; every .po updated
    python scripts/translations.py --add ro     # and a new, empty catalogue for Romanian
    python scripts/translations.py --check      # exit 1 if messages.pot is out of date (CI)
    python scripts/translations.py --report     # each language: strings translated, strings missing

The words are found with Babel in the theme's templates (``_('...')``), the referral form's
templates, the form definition and the referral service (``N_('...')``, ``_('...')``,
``gettext('...')``), and in the settings that name things the theme shows (MENU,
FOOTER_LINKS, SECTION_TITLES, NEWS_TOPICS, SERVICE_AREA, ...). Each catalogue keeps its
translations; new strings arrive empty (shown in English until translated), strings no
longer used are dropped. Catalogues are plain gettext .po files: any .po editor (Poedit,
Weblate, Crowdin) or a text editor can fill them in.
"""

from __future__ import annotations

import argparse
import io
import re
import runpy
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "plugins")]

from babel import Locale  # noqa: E402
from babel.messages.catalog import Catalog  # noqa: E402
from babel.messages.extract import extract_from_dir  # noqa: E402
from babel.messages.pofile import read_po, write_po  # noqa: E402

from referrals.i18n import DOMAIN, FOLDER, TEMPLATE, UnknownLanguage, language, normalise  # noqa: E402

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
JINJA = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}
SOURCES = [  # (folder, [(pattern, method)])
    ("theme/templates", [("**.html", "jinja2")]),
    ("referrals/templates", [("**.html", "jinja2")]),
    ("referrals", [("form_definition.py", "python"), ("rendering.py", "python"), ("pages.py", "python"),
                   ("validation.py", "python")]),
]
# Settings whose values the theme shows, passed through _() (pelicanconf.py).
SETTING_WORDS = {
    "MENU": lambda value: [label for label, _ in value],
    "FOOTER_LINKS": lambda value: [label for label, _ in value],
    "SECTION_TITLES": lambda value: list(value.values()),
    "NEWS_TOPICS": list,
    "SERVICE_AREA": lambda value: [value],
    "SEARCH_EXAMPLES": lambda value: [value],
    "IMPACT_CHART_TITLE": lambda value: [value],
    "SITE_DESCRIPTION": lambda value: [value],
}


def template(root: Path = ROOT) -> Catalog:
    """Every string the site prints in English, as a catalogue template (messages.pot)."""
    catalog = Catalog(project="OXPIP website", domain=DOMAIN, charset="utf-8",
                      creation_date=datetime(2026, 1, 1, tzinfo=timezone.utc), fuzzy=False)
    for folder, method_map in SOURCES:
        options = {pattern: JINJA for pattern, method in method_map if method == "jinja2"}
        for filename, lineno, message, comments, context in extract_from_dir(
                str(root / folder), method_map, options, keywords=KEYWORDS, comment_tags=("Translators:",),
                strip_comment_tags=True):
            if not message or (isinstance(message, tuple) and not message[0]):
                continue
            catalog.add(message, locations=[(f"{folder}/{filename}", lineno)], auto_comments=comments,
                        context=context)
    settings = runpy.run_path(str(root / "pelicanconf.py"))
    for name, words_of in SETTING_WORDS.items():
        if name in settings and settings[name]:
            for text in words_of(settings[name]):
                catalog.add(text, locations=[("pelicanconf.py", 0)], auto_comments=[f"setting {name}"])
    from sections.sections import SECTION_RULES

    for _, trail in SECTION_RULES.values():
        for label, _ in trail:
            catalog.add(label, locations=[("plugins/sections/sections.py", 0)], auto_comments=["breadcrumb"])
    return catalog


def _text(catalog: Catalog) -> str:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, sort_output=True, include_lineno=False, omit_header=False)
    return buffer.getvalue().decode("utf-8")


def pot_path(folder: Path = FOLDER) -> Path:
    return folder / TEMPLATE


def po_path(code: str, folder: Path = FOLDER) -> Path:
    return folder / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def update(folder: Path = FOLDER, add: tuple[str, ...] = ()) -> list[Path]:
    """Write messages.pot and update (or, for ``add``, create) each language's catalogue."""
    pot = template()
    folder.mkdir(parents=True, exist_ok=True)
    pot_path(folder).write_text(_text(pot), encoding="utf-8")
    written = [pot_path(folder)]
    codes = {p.parent.parent.name for p in folder.glob(f"*/LC_MESSAGES/{DOMAIN}.po")} | {normalise(c) for c in add}
    for code in sorted(codes):
        path = po_path(code, folder)
        if path.is_file():
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=code.replace("-", "_"))
        else:
            catalog = Catalog(locale=Locale.parse(code.replace("-", "_")), domain=DOMAIN, project="OXPIP website",
                              creation_date=datetime.now(timezone.utc), fuzzy=False)
        catalog.update(pot, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_text(catalog), encoding="utf-8")
        written.append(path)
    return written


def out_of_date(folder: Path = FOLDER) -> list[str]:
    """Strings the sources have that messages.pot lacks, and the other way round."""
    want = {m.id if isinstance(m.id, str) else m.id[0] for m in template() if m.id}
    path = pot_path(folder)
    if not path.is_file():
        return sorted(want)
    with path.open("rb") as handle:
        have = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    return [f"missing: {text}" for text in sorted(want - have)] + [f"no longer used: {text}" for text in sorted(have - want)]


def report(folder: Path = FOLDER) -> str:
    from referrals.i18n import Catalogues, language

    found = Catalogues.load(folder)
    lines = [f"{len(found.template_ids)} strings in {pot_path(folder).relative_to(ROOT)}"]
    for code in found.languages:
        missing = found.missing(code)
        lines.append(f"  {code} ({language(code).english_name}): {len(found.template_ids) - len(missing)} translated,"
                     f" {len(missing)} missing")
    return "\n".join(lines)


def is_language_code(code: str) -> bool:
    """True for a BCP 47 language code CLDR knows that is not the site's own (English):
    "ro", "pt-br"; False for a locale setting such as "C.UTF-8" or "en_GB.UTF-8"."""
    if not re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]{2,8})*", normalise(code)) or normalise(code).split("-")[0] == "en":
        return False
    try:
        language(code)
    except UnknownLanguage:
        return False
    return True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--add", action="append", default=[], metavar="LANG", help="start a catalogue for LANG (pl, ar, ro...)")
    parser.add_argument("--check", action="store_true", help="exit 1 if messages.pot is out of date")
    parser.add_argument("--report", action="store_true", help="how much of each catalogue is translated")
    args = parser.parse_args(argv)
    if args.check:
        stale = out_of_date()
        for line in stale:
            print(line)
        if stale:
            print("translations/messages.pot is out of date: run make translations", file=sys.stderr)
        return 1 if stale else 0
    wrong = [code for code in args.add if not is_language_code(code)]
    if wrong:
        print(f"not a language's code: {', '.join(wrong)}. Use its short code, as in a page's Lang line: "
              "ro for Romanian, pl for Polish, ur for Urdu (make translations NEW_LANGUAGE=ro)", file=sys.stderr)
        return 2
    if not args.report:
        for path in update(add=tuple(args.add)):
            print(f"wrote {path.relative_to(ROOT)}")
    print(report())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
