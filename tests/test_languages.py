"""Pages in other languages and Easy Read, in the real build of content/ (plugins/languages).

- Each page names one language and direction (<html lang dir>), and its words are in it:
  right-to-left pages are written in Arabic script, left-to-right translations show none of
  the theme's English words (a catalogue string that fell back to English would), English
  pages no other script; words in another language carry their own lang.
- hreflang: every page with versions lists each of them and itself (and x-default) in its
  <head>, and every one of them lists the same set back; sitemap.xml says the same.
- The language switcher names each language in its own name and script, with lang and
  hreflang, and does not link the page to itself; Easy Read and its page link each other.
- Crisis numbers are the data file's, and every phone number reads left to right.
- The catalogues: messages.pot has every string the templates and the form print, and each
  language's catalogue keeps every placeholder of the English.
- site.css has no physical property left (margin-left, padding-right, left:, text-align: left...).
"""

from __future__ import annotations

import os
import re
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from referrals.i18n import Catalogues, language, placeholders  # noqa: E402

ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
POLISH_ONLY = re.compile(r"[ąćęłńśźżĄĆĘŁŃŚŹŻ]")
TRANSLATED = {"pl": "ltr", "ar": "rtl"}
SAMPLE_PAGES = ["get-support/", "get-support/refer-yourself/", "get-help-now/"]


def report(problems, what):
    assert not problems, f"{what}:\n  - " + "\n  - ".join(problems)


def text_outside_other_languages(element) -> str:
    """The text of an element, leaving out anything inside an element with its own lang."""
    from bs4 import NavigableString

    parts = []
    for node in element.descendants:
        if isinstance(node, NavigableString) and node.parent.name not in ("script", "style", "template"):
            if not any(parent.has_attr("lang") for parent in node.parents if parent is not element and parent.name != "html"):
                parts.append(str(node))
    return " ".join(parts)


@pytest.fixture(scope="module")
def pages(site_index):
    return [p for p in site_index.public_pages if p.rel.endswith(".html") and p.soup.find("html")]


def lang_of(page) -> str:
    return (page.soup.html.get("lang") or "").lower()


def test_every_sample_page_is_built_in_polish_and_arabic_and_easy_read(built_site):
    for code in TRANSLATED:
        for path in SAMPLE_PAGES + ["get-support/refer-yourself/received/"]:
            assert (built_site / code / path / "index.html").is_file(), f"/{code}/{path} was not built"
    assert (built_site / "easy-read" / "get-support" / "index.html").is_file()


def test_each_page_has_one_language_and_the_direction_of_its_script(pages):
    problems = []
    for page in pages:
        html = page.soup.html
        code = lang_of(page)
        try:
            expected = language(code).direction
        except ValueError:
            problems.append(f"{page.url}: lang={code!r} is not a language")
            continue
        if html.get("dir") != expected:
            problems.append(f"{page.url}: lang={code} but dir={html.get('dir')!r} (expected {expected})")
        body = page.soup.body
        for element in body.find_all(attrs={"dir": True}) if body else []:
            if element.get("dir") not in ("ltr", "rtl", "auto"):
                problems.append(f"{page.url}: dir={element.get('dir')!r} on <{element.name}>")
        if code.startswith("en") and body is not None:
            text = text_outside_other_languages(body)
            for pattern, script in ((ARABIC, "Arabic"), (POLISH_ONLY, "Polish")):
                if pattern.search(text):
                    problems.append(f"{page.url}: English page with {script} text not marked with its own lang: "
                                    f"{pattern.search(text).group(0)!r}")
    report(problems, "one lang and dir per page, matching its words")


def test_right_to_left_pages_are_written_in_arabic_script(pages):
    problems = []
    for page in pages:
        if lang_of(page) != "ar":
            continue
        main = page.soup.find("main")
        text = text_outside_other_languages(main)
        arabic, latin = len(ARABIC.findall(text)), len(LATIN.findall(text))
        if arabic < 9 * latin:  # names such as NHS, OXPIP and A&E are in Latin letters
            problems.append(f"{page.url}: {arabic} Arabic letters and {latin} Latin ones in <main>")
    report(problems, "an Arabic page is in Arabic")


def test_translated_pages_show_none_of_the_themes_english_words(pages):
    """A string missing from a catalogue falls back to English: none may be left on a sample page."""
    catalogues = Catalogues.load()
    english = sorted({text for text in catalogues.template_ids if len(text.split()) >= 2 and "%" not in text
                      and "{" not in text and "<" not in text}, key=len, reverse=True)
    problems = []
    for page in pages:
        code = lang_of(page)
        if code not in TRANSLATED:
            continue
        text = " ".join(text_outside_other_languages(page.soup.body).split())
        for words in english:
            if words in text and catalogues.gettext(code, words) != words:
                problems.append(f"{page.url}: English {words!r}")
    report(problems, "no English theme words on a translated page")


def head_alternates(page) -> set[tuple[str, str]]:
    return {(link["hreflang"], link["href"]) for link in page.soup.find_all("link", rel="alternate", hreflang=True)}


def test_hreflang_alternates_are_reciprocal(site_index, site_config):
    base = site_config["SITE_CANONICAL_URL"].rstrip("/")
    problems, groups = [], 0
    for page in site_index.public_pages:
        links = head_alternates(page)
        if not links:
            continue
        groups += 1
        canonical = page.soup.find("link", rel="canonical")["href"]
        tags = dict(links)
        if canonical not in tags.values():
            problems.append(f"{page.url}: its own address {canonical} is not among its alternates")
        if "x-default" not in tags or tags["x-default"] != tags.get("en-GB"):
            problems.append(f"{page.url}: x-default should be the English page ({tags.get('x-default')})")
        if tags.get(page.soup.html["lang"]) != canonical:
            problems.append(f"{page.url}: hreflang={page.soup.html['lang']} should be the page itself")
        for tag, href in links:
            other = site_index.page(href[len(base) + 1:] + "index.html")
            if other is None:
                problems.append(f"{page.url}: hreflang={tag} points to {href}, which is not a page of the build")
            elif head_alternates(other) != links:
                problems.append(f"{page.url}: {href} does not list the same alternates back")
    assert groups >= 3 * len(SAMPLE_PAGES), "the sample pages have no hreflang alternates"
    report(problems, "hreflang alternates point back")


def test_the_sitemap_lists_each_pages_versions_both_ways(built_site, site_index):
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    tree = ET.parse(built_site / "sitemap.xml")
    listed, alternates = set(), {}
    for url in tree.getroot().findall("s:url", ns):
        loc = url.find("s:loc", ns).text
        listed.add(loc)
        links = {(link.get("hreflang"), link.get("href")) for link in url.findall("x:link", ns)}
        if links:
            alternates[loc] = links
    problems = []
    for loc, links in alternates.items():
        for tag, href in links:
            if href not in listed:
                problems.append(f"{loc}: alternate {tag} {href} is not in the sitemap")
            elif tag != "x-default" and alternates.get(href) != links:
                problems.append(f"{loc}: {href} does not list the same alternates")
    for code in TRANSLATED:
        for path in SAMPLE_PAGES:
            loc = next(l for l in listed if l.endswith(f"/{code}/{path}"))
            if (code, loc) not in alternates.get(loc, set()):
                problems.append(f"{loc} has no hreflang alternates in the sitemap")
    assert not any("received" in loc for loc in alternates), "hidden pages stay out of the sitemap"
    report(problems, "sitemap.xml's alternates")


def test_the_language_switcher_names_each_language_in_its_own_words(site_index):
    problems = []
    for path in SAMPLE_PAGES:
        for code in ("en-gb", *TRANSLATED):
            rel = (path if code == "en-gb" else f"{code}/{path}") + "index.html"
            page = site_index.page(rel)
            nav = page.soup.select_one("nav.ox-languages")
            if nav is None:
                problems.append(f"/{rel}: no language switcher")
                continue
            links = {a["lang"]: a for a in nav.select("a[lang]")}
            names = {language(other).tag: language(other).name for other in ("en-gb", *TRANSLATED) if other != code}
            for tag, name in names.items():
                link = links.get(tag)
                if link is None or link.get_text(strip=True) != name or link.get("hreflang") != tag:
                    problems.append(f"/{rel}: no link to {name} with lang and hreflang {tag}")
            current = nav.select_one('[aria-current="true"]')
            if current is None or current.name == "a" or current.get_text(strip=True) != language(code).name:
                problems.append(f"/{rel}: the page's own language is not shown as current")
    english = site_index.page("get-support/index.html").soup.select_one("nav.ox-languages")
    easy = english.find("a", string="Easy Read")
    assert easy is not None and easy["href"].endswith("easy-read/get-support/")
    back = site_index.page("easy-read/get-support/index.html").soup.select_one("nav.ox-languages a")
    assert back.get_text(strip=True) == "Standard version" and back["href"].endswith("get-support/")
    for code in ("", *(f"{code}/" for code in TRANSLATED)):  # its reference is in its address: no way to lose it
        received = site_index.page(f"{code}get-support/refer-yourself/received/index.html").soup
        if received.select_one("nav.ox-languages"):
            problems.append(f"/{code}get-support/refer-yourself/received/: a language switcher, whose links drop ?ref=")
    report(problems, "the language switcher")


def test_crisis_numbers_come_from_the_data_file_and_read_left_to_right(site_index, site_config):
    import yaml

    crisis = yaml.safe_load((ROOT / "content" / "data" / "crisis.yml").read_text(encoding="utf-8"))
    problems = []
    for page in site_index.public_pages:
        for link in page.soup.select('a[href^="tel:"]'):
            if link.get("dir") != "ltr" and not link.find_parent(dir="ltr"):
                problems.append(f"{page.url}: {link} is not marked left to right")
    for code in ("", "pl/", "ar/"):
        page = site_index.page(f"{code}get-help-now/index.html")
        numbers = {link.get_text(strip=True) for link in page.soup.select('main a[href^="tel:"]')}
        for entry in crisis.values():
            if entry["phone"] not in numbers:
                problems.append(f"/{code}get-help-now/: no link to {entry['name']} ({entry['phone']})")
    report(problems, "crisis numbers")


def test_inline_words_in_another_language_carry_their_own_lang(site_index):
    for code in TRANSLATED:
        marked = site_index.page(f"{code}/get-help-now/index.html").soup.select("main [lang]")
        assert any(el.get_text(strip=True) == "perinatal mental health team" and el["lang"] == "en-GB" for el in marked)


def test_the_catalogue_template_has_every_string_the_site_prints():
    from translations import out_of_date

    stale = out_of_date()
    assert not stale, "translations/messages.pot is out of date: run make translations\n  " + "\n  ".join(stale)


def test_a_locale_setting_in_the_shell_never_starts_a_catalogue():
    """LANG is the shell's locale (C.UTF-8, en_GB.UTF-8): `make translations` must not take
    it for a new language, and the script refuses anything that is not a language's code."""
    import subprocess

    for locale in ("C.UTF-8", "en_GB.UTF-8"):
        planned = subprocess.run(["make", "-n", "translations"], cwd=ROOT, capture_output=True, text=True,
                                 env={**os.environ, "LANG": locale}, timeout=60)
        command = [line for line in planned.stdout.splitlines() if "scripts/translations.py" in line]
        assert command and "--add" not in command[0], planned.stdout
    planned = subprocess.run(["make", "-n", "translations", "NEW_LANGUAGE=ro"], cwd=ROOT, capture_output=True,
                             text=True, timeout=60)
    assert "--add ro" in planned.stdout
    refused = subprocess.run([sys.executable, "scripts/translations.py", "--add", "C.UTF-8"], cwd=ROOT,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "not a language's code: C.UTF-8" in refused.stderr
    assert not (ROOT / "translations" / "c.utf-8").exists()


def test_every_translation_keeps_the_placeholders_of_the_english():
    catalogues = Catalogues.load()
    assert catalogues.problems == []
    assert set(catalogues.languages) >= set(TRANSLATED)
    for code in TRANSLATED:
        assert catalogues.missing(code) == (), f"{code} catalogue lacks strings"
        for text in catalogues.template_ids:
            assert placeholders(catalogues.gettext(code, text)) == placeholders(text), (code, text)


def test_a_translation_with_a_broken_placeholder_falls_back_to_english(tmp_path):
    import shutil

    folder = tmp_path / "translations"
    shutil.copytree(ROOT / "translations", folder)
    po = folder / "pl" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    broken = text.replace('msgstr "Zadzwoń: %(phone)s"', 'msgstr "Zadzwoń: %(telefon)s"')
    assert broken != text
    po.write_text(broken, encoding="utf-8")
    catalogues = Catalogues.load(folder)
    assert catalogues.gettext("pl", "Call %(phone)s") == "Call %(phone)s"
    assert catalogues.missing("pl") == ("Call %(phone)s",)
    (path, line, what), = catalogues.problems
    assert path == po and 'the translation of "Call %(phone)s": it lacks %(phone)s' in what


PHYSICAL = re.compile(
    r"(?<![\w-])(margin|padding|border|scroll-margin|scroll-padding)-(left|right|top|bottom)\b"
    r"|(?<![\w-])(left|right|top|bottom|width|height|min-width|max-width|min-height|max-height)\s*:"
    r"|(text-align|float|clear)\s*:\s*(left|right)\b")
SHORTHAND = re.compile(r"(?<![\w-])(margin|padding|border-width|border-radius)\s*:\s*([^;{}]+)")


def physical_declarations(block: str) -> list[str]:
    """Physical properties, and shorthands with more than one value (top right bottom left)."""
    found = [m.group(0) for m in PHYSICAL.finditer(block)]
    for match in SHORTHAND.finditer(block):
        values = match.group(2).replace("!important", "").split()
        if len(values) > 1:
            found.append(match.group(0).strip())
    return found


def test_the_stylesheet_uses_logical_properties_only():
    css = (ROOT / "theme" / "static" / "css" / "site.css").read_text(encoding="utf-8")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    found = []
    for block in re.finditer(r"\{([^{}]*)\}", css):
        found += physical_declarations(block.group(1))
    assert not found, "site.css still has physical properties (use margin-inline-start, inset-block-start, " \
                      "inline-size, text-align: start...):\n  " + "\n  ".join(sorted(set(found)))
