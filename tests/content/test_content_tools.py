"""`make new-story`, the web editor's settings, and the page-text helpers."""

from __future__ import annotations

import subprocess
import sys

import yaml
from content_testkit import ROOT, check, make_site, where

from content_checks import rules
from content_checks.frontmatter import parse
from readability.grade import plain_text, score


def test_new_story_writes_a_commented_draft_that_the_checks_walk_through(tmp_path):
    content = make_site(tmp_path)
    made = subprocess.run(
        [sys.executable, "scripts/new_story.py", "--title", "Sam’s story: feeling close again",
         "--date", "2026-05-01", "--content", str(content)],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    assert "Wrote content/stories/sams-story-feeling-close-again.md (a draft)." in made.stdout
    story = "stories/sams-story-feeling-close-again.md"
    text = (content / story).read_text(encoding="utf-8")
    assert text.startswith("Title: Sam’s story: feeling close again\nDate: 2026-05-01\n"
                           "Slug: sams-story-feeling-close-again\nStatus: draft\n")
    assert "Sam is not their real name." in text
    problems = check(content)
    here = lambda line: where(content, story, line)  # noqa: E731
    assert f'{here(5)} Summary: this field still says TODO. Fill it in, for example "Summary: One or two short sentences about the story".' in problems
    assert f'{here(10)} Consent_reference: this field still says TODO. Fill it in, for example "Consent_reference: CONSENT-2025-003 (from the signed consent form)".' in problems
    assert (f"{here(13)} body: the template's guidance note is still in the text. Delete the note: from the "
            "line starting <!-- GUIDE down to the line ending -->.") in problems
    assert f"{here(39)} body: the text still says TODO here. Write this part of the story, or delete the line." in problems
    again = subprocess.run([sys.executable, "scripts/new_story.py", "--title", "Sam’s story: feeling close again",
                            "--content", str(content)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert again.returncode == 1 and "already exists" in again.stderr
    empty = subprocess.run([sys.executable, "scripts/new_story.py", "--title", ""], cwd=ROOT,
                           capture_output=True, text=True, timeout=60)
    assert empty.returncode == 2 and 'make new-story TITLE="' in empty.stderr


def _config():
    return yaml.safe_load((ROOT / "admin" / "config.yml").read_text(encoding="utf-8"))


def test_the_web_editor_asks_for_what_the_checks_require():
    config = _config()
    assert config["publish_mode"] == "editorial_workflow"
    assert config["media_folder"] == "content/images"
    collections = {c["name"]: c for c in config["collections"] if "folder" in c}
    assert set(collections) == set(rules.SECTIONS)
    for section, spec in rules.SECTIONS.items():
        collection = collections[section]
        assert collection["folder"] == f"content/{section}" and collection["format"] == "pelican"
        fields = {f["name"]: f for f in collection["fields"]}
        for name in spec["required"]:
            if name in ("title", "date", "summary", "topic", "service", "quote", "quote_by",
                        "consent_reference", "consent_date") and name in fields:
                assert fields[name].get("required") is True, f"{section}.{name} should be required"
        missing = [n for n in spec["required"] if n not in fields]
        assert not missing, f"the editor has no field for {section}: {missing}"
        for name, field in fields.items():
            kind = rules.kinds(section).get(name, (None, None))[1]
            if kind == rules.DATE:
                assert field["widget"] == "datetime" and field["format"] == "YYYY-MM-DD"
            if kind == rules.FLAG:
                assert field["widget"] == "boolean"
            if name == "summary":
                assert field["pattern"][0] == "^[\\s\\S]{1,160}$"


def test_the_web_editor_asks_for_review_dates_and_keeps_the_waiting_times():
    collections = {c["name"]: c for c in _config()["collections"]}
    for section in ("pages", "services"):
        fields = {f["name"]: f for f in collections[section]["fields"]}
        for name in ("reviewed", "next_review"):
            assert fields[name]["widget"] == "datetime" and fields[name]["format"] == "YYYY-MM-DD", (section, name)
    times = collections["figures"]["files"][0]
    assert times["file"] == "content/data/times.yml" and times["format"] == "yml"
    on_file = yaml.safe_load((ROOT / "content" / "data" / "times.yml").read_text(encoding="utf-8"))
    assert {f["name"] for f in times["fields"]} == set(on_file), \
        "the editor's Waiting times fields and content/data/times.yml must have the same keys"


def test_the_web_editor_offers_exactly_the_topics_and_funders_the_checks_accept():
    import runpy

    settings = runpy.run_path(str(ROOT / "pelicanconf.py"))
    news = {f["name"]: f for f in next(c for c in _config()["collections"] if c["name"] == "news")["fields"]}
    assert news["topic"]["options"] == settings["NEWS_TOPICS"], \
        "NEWS_TOPICS (pelicanconf.py) and the Topic options in admin/config.yml must match"
    funders = yaml.safe_load((ROOT / "content" / "data" / "funders.yml").read_text(encoding="utf-8"))
    assert [o["value"] for o in news["funders"]["options"]] == [k for k in funders if k != "example"], \
        "each funder in content/data/funders.yml needs an option under Funders in admin/config.yml"
    assert {o["label"] for o in news["funders"]["options"]} == {v["name"] for k, v in funders.items() if k != "example"}


def test_front_matter_is_read_as_pelican_reads_it():
    source = parse("---\nTitle: A\nSummary: one\n    two\nSummary: again\n\nText\n")
    assert source.fields["title"].line == 2
    assert source.fields["summary"].extra_lines == [4]
    assert source.fields["summary"].repeats == [5]
    assert source.body_line == 7
    assert parse("Just text, no fields\n").fields == {}


def test_headings_and_list_items_count_as_sentences():
    assert plain_text("<h2>Who it is for</h2><ul><li>parents</li><li>carers</li></ul><p>Hi there.</p>") == \
        "Who it is for. parents. carers. Hi there."
    assert score("<p>We help you. You are not alone.</p>").grade < 3


def test_picture_sizes_are_never_wider_than_the_original_and_a_lead_picture_loads_at_once(tmp_path):
    from content_testkit import FIXTURE
    from responsive_images import images

    original = FIXTURE / "images" / "calm.png"  # 400 x 250
    size, variants = images.plan(str(original), [320, 640, 960, 1280])
    assert size == (400, 250)
    assert sorted({v.width for v in variants}) == [320, 400]
    assert {v.kind for v in variants} == {"webp", "jpg"}
    images.make(str(original), variants, str(tmp_path))
    from PIL import Image

    for variant in variants:
        with Image.open(tmp_path / variant.name) as made:
            assert made.size == (variant.width, variant.height)
    html = '<p><img alt="A calm room" src="{static}/images/calm.png"></p><p>Text</p><p><img src="x"></p>'
    first, second = [m.start() for m in images.IMG_RE.finditer(html)]
    assert images.is_lead(html, first) and not images.is_lead(html, second)
    markup = images.picture(variants, alt="A calm room", url_prefix="/img/", sizes="100vw", eager=True)
    assert 'loading="eager" fetchpriority="high"' in markup and 'width="400" height="250"' in markup
    assert 'src="/img/calm-' in markup and markup.count(" 320w") == 2
