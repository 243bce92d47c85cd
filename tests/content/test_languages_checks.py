"""The checks on translations and Easy Read pages, against small fixture files that break
each rule (plugins/languages/fixtures/), on the content checks' fixture site: each message
in the volunteers' form ``path:line: field: what is wrong. How to fix it.``"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from content_testkit import CHECK_PLUGINS, ROOT, check, make_site, where

FIXTURES = ROOT / "plugins" / "languages" / "fixtures"
PLUGINS = CHECK_PLUGINS[:2] + ["sections", "languages"] + CHECK_PLUGINS[2:]
HARD_WORDS = ("hard_words:\n  therapist: someone who helps you with your feelings\n  referral: asking for help\n"
              "  refer: ask for help\n")


def site(tmp_path: Path, *files: tuple[str, str]) -> Path:
    """The fixture site with our picture and hard words list, and these (fixture, content path) files."""
    content = make_site(tmp_path)
    (content / "images" / "easy-read").mkdir(parents=True)
    shutil.copy(FIXTURES / "parent.svg", content / "images" / "easy-read" / "parent.svg")
    (content / "data" / "easy_read.yml").write_text(HARD_WORDS, encoding="utf-8")
    for fixture, relative in files:
        (content / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(FIXTURES / fixture, content / relative)
    return content


def problems(content: Path, **settings) -> list[str]:
    return check(content, PLUGINS=PLUGINS, REVIEW_SECTIONS=[], **settings)


def test_a_good_easy_read_page_and_a_checked_translation_have_no_problem(tmp_path):
    content = site(tmp_path, ("easy-read/good.md", "easy-read/get-support.md"),
                   ("translations/good.md", "translations/pl/get-support.md"))
    assert problems(content) == []


def test_a_sentence_over_15_words(tmp_path):
    content = site(tmp_path, ("easy-read/long-sentence.md", "easy-read/get-support.md"))
    assert problems(content) == [
        f"{where(content, 'easy-read/get-support.md', 15)} body: this sentence has 23 words; Easy Read sentences have "
        '15 at most: "We will not judge you, and you can come to see us for as long as you need to, until thi...". Split it into shorter sentences, with one idea in each.'
    ]


def test_a_section_without_a_picture(tmp_path):
    content = site(tmp_path, ("easy-read/no-picture.md", "easy-read/get-support.md"))
    assert problems(content) == [
        f"{where(content, 'easy-read/get-support.md', 9)} image: the section \"How we help\" has no picture; Easy "
        "Read gives each part a picture beside its words. Add one of our pictures, with a sentence that says what it "
        "shows: ![A parent talking with a helper]({static}/images/easy-read/talking.svg)."
    ]


def test_alt_text_that_does_not_say_what_the_picture_shows(tmp_path):
    content = site(tmp_path, ("easy-read/alt-text.md", "easy-read/get-support.md"))
    assert problems(content) == [
        f"{where(content, 'easy-read/get-support.md', 11)} image: the alt text \"Two people\" does not say what the picture "
        "shows. Describe it in a short sentence of 3 words or more, for example \"A parent holding a baby and smiling\"."
    ]


def test_a_word_like_picture_as_alt_text_is_one_problem_not_two(tmp_path):
    content = site(tmp_path, ("easy-read/alt-text.md", "easy-read/get-support.md"))
    page = content / "easy-read" / "get-support.md"
    page.write_text(page.read_text(encoding="utf-8").replace("![Two people]", "![Picture]"), encoding="utf-8")
    found = problems(content)
    assert len(found) == 1 and found[0].startswith(f"{where(content, 'easy-read/get-support.md', 11)} image:"), found


def test_hard_words_without_their_meaning(tmp_path):
    content = site(tmp_path, ("easy-read/hard-word.md", "easy-read/get-support.md"))
    found = problems(content)
    start = where(content, "easy-read/get-support.md", 13)
    assert found == [
        f'{start} body: "referral" is on the list of hard words (content/data/easy_read.yml) and is not explained. Use '
        "an easier word (asking for help), or write it in bold the first time and say what it means straight after, "
        "in the same paragraph (**referral** means asking for help).",
        f'{start} body: "therapist" is on the list of hard words (content/data/easy_read.yml) and is not explained. Use '
        "an easier word (someone who helps you with your feelings), or write it in bold the first time and say what "
        "it means straight after, in the same paragraph (**therapist** means someone who helps you with your feelings).",
    ]


def test_hard_words_in_a_heading_and_in_their_other_forms(tmp_path):
    """referred (refer), therapists (therapist), and a hard word in a heading, which cannot explain it."""
    content = site(tmp_path, ("easy-read/hard-word-forms.md", "easy-read/get-support.md"))
    found = problems(content)
    heading, text = where(content, "easy-read/get-support.md", 9), where(content, "easy-read/get-support.md", 13)
    assert [p.split(". Use", 1)[0] for p in found] == [
        f'{text} body: "refer" is on the list of hard words (content/data/easy_read.yml) and is not explained',
        f'{heading} heading: "referral" is on the list of hard words (content/data/easy_read.yml), and a heading '
        "cannot explain it",
        f'{text} body: "therapist" is on the list of hard words (content/data/easy_read.yml) and is not explained',
    ]
    assert "Use an easier word in the heading (asking for help)" in found[1]


def test_an_easy_read_page_of_a_page_that_does_not_exist(tmp_path):
    content = site(tmp_path, ("easy-read/good.md", "easy-read/get-support.md"))
    path = content / "easy-read" / "get-support.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Easy_read_of: get-support", "Easy_read_of: get-suport"))
    assert problems(content) == [
        f"{where(content, 'easy-read/get-support.md', 2)} Easy_read_of: \"get-suport\" is not a page of the site (did you "
        "mean get-support?). Write the name of the English page's file in content/pages/ or content/services/, "
        "without .md (for example get-support)."
    ]


@pytest.mark.parametrize("change, expected", [
    (("Lang: pl", "Lang: Polish"), (2, "Lang: \"Polish\" is not a language code. Write the language's short code, as "
                                       "in the folder name: \"Lang: pl\" for Polish, \"Lang: ar\" for Arabic, \"Lang: ro\" "
                                       "for Romanian.")),
    (("Lang: pl", "Lang: ar"), (2, "Lang: \"ar\" does not match the folder the file is in (content/translations/pl/). "
                                   "Move the file to content/translations/ar/, or correct the Lang line.")),
    (("Translation_of: get-support", "Translation_of: get-suport"), (3, "Translation_of: \"get-suport\" is not a page of "
     "the site (did you mean get-support?). Write the name of the English page's file in content/pages/ or "
     "content/services/, without .md (for example get-support).")),
    (("Translator_checked: yes", "Translator_checked: no"), (4, "Translator_checked: no translator has checked this "
     "translation yet, so it cannot be published. Ask a translator who speaks the language to read it against the "
     "English page; then write Translator_checked: yes.")),
    (("Translation_of: get-support\n", ""), (1, "Translation_of: this field is missing. Add the line "
     "\"Translation_of: get-support\" at the top of the file, before the first blank line.")),
])
def test_translation_mistakes(tmp_path, change, expected):
    content = site(tmp_path, ("translations/good.md", "translations/pl/get-support.md"))
    path = content / "translations" / "pl" / "get-support.md"
    path.write_text(path.read_text(encoding="utf-8").replace(*change), encoding="utf-8")
    line, message = expected
    assert problems(content) == [f"{where(content, 'translations/pl/get-support.md', line)} {message}"]


def test_an_unchecked_translation_is_allowed_only_as_a_marked_example(tmp_path):
    content = site(tmp_path, ("translations/good.md", "translations/pl/get-support.md"))
    path = content / "translations" / "pl" / "get-support.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Translator_checked: yes", "Translator_checked: no\nExample: true"),
                    encoding="utf-8")
    assert problems(content) == []


def test_the_preview_of_an_unchecked_translation_says_it_is_not_checked(tmp_path):
    """In `make html` the page is there to read, with a banner in its own language; a marked
    example (published, for a translator to check) and a checked page have none."""
    from site_testkit import run_pelican

    content = site(tmp_path, ("translations/good.md", "translations/pl/get-support.md"))
    path = content / "translations" / "pl" / "get-support.md"
    banners = {}
    for name, change in (("checked", ""), ("unchecked", "Translator_checked: no"),
                         ("example", "Translator_checked: no\nExample: true")):
        if change:
            path.write_text(path.read_text(encoding="utf-8").replace("Translator_checked: yes", change, 1),
                            encoding="utf-8")
        built = run_pelican(content, tmp_path / name)
        assert built.returncode == 0, built.log[-3000:]
        html = (tmp_path / name / "pl" / "get-support" / "index.html").read_text(encoding="utf-8")
        banners[name] = "ox-draft-banner" in html and "Jeszcze nie sprawdzono." in html
        path.write_text(path.read_text(encoding="utf-8").replace(change, "Translator_checked: yes", 1) if change
                        else path.read_text(encoding="utf-8"), encoding="utf-8")
    assert banners == {"checked": False, "unchecked": True, "example": False}


def test_two_files_for_the_same_page_in_one_language(tmp_path):
    content = site(tmp_path, ("translations/good.md", "translations/pl/get-support.md"),
                   ("translations/good.md", "translations/pl/wsparcie.md"))
    assert problems(content) == [
        f"{where(content, 'translations/pl/wsparcie.md', 3)} Translation_of: content/translations/pl/get-support.md is "
        "already the Polish version of get-support. Keep one of the two files: delete this one, or merge the two."
    ]


def test_a_lang_line_outside_the_translations_folder_says_where_the_file_goes(tmp_path):
    content = make_site(tmp_path)
    path = content / "pages" / "get-support.md"
    path.write_text("Lang: cy\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    found = problems(content)
    assert len(found) == 1 and found[0].startswith(f"{where(content, 'pages/get-support.md', 1)} Lang: \"cy\" is not the site's")
    assert "Move the file to content/translations/cy/" in found[0]
