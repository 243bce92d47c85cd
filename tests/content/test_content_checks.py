"""Each content check on a small fixture site, asserting the exact message printed.

Format: ``path:line: field: what is wrong. How to fix it.`` (docs/volunteers.md lists
every message; keep the two in step).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from content_testkit import CHECK_PLUGINS, ROOT, check, edit, make_site, where

STORY = "stories/good-story.md"
NEWS = "news/good-news.md"
IMG = "{static}/images/calm.png"
ALT = "A drawing of a mug of tea on a sunny windowsill"

CASES = [
    # --- stories: consent
    ("consent-reference-missing", STORY, "Consent_reference: CONSENT-2026-001\n", "", 1,
     'Consent_reference: this field is missing. Add the line "Consent_reference: CONSENT-2025-003 '
     '(from the signed consent form)" at the top of the file, before the first blank line.'),
    ("consent-reference-placeholder", STORY, "CONSENT-2026-001", "TBC", 9,
     'Consent_reference: "TBC" is not a consent reference. Copy the reference from the signed consent '
     "form (for example CONSENT-2025-003). Do not publish a story without one."),
    ("consent-date-missing", STORY, "Consent_date: 2026-01-02\n", "", 1,
     'Consent_date: this field is missing. Add the line "Consent_date: 2025-04-30 (the date on the '
     'signed consent form)" at the top of the file, before the first blank line.'),
    ("consent-date-not-a-date", STORY, "Consent_date: 2026-01-02", "Consent_date: 2/1/2026", 10,
     'Consent_date: "2/1/2026" is not a date in the form YYYY-MM-DD. Write the date as year-month-day '
     "with hyphens, for example 2025-04-30."),
    ("consent-date-not-real", STORY, "Consent_date: 2026-01-02", "Consent_date: 2026-02-30", 10,
     'Consent_date: "2026-02-30" is not a real date. Write the date as year-month-day with hyphens, '
     "for example 2025-04-30."),
    ("consent-date-future", STORY, "Consent_date: 2026-01-02", "Consent_date: 2026-07-01", 10,
     "Consent_date: 2026-07-01 is in the future. Use the date the parent signed the consent form."),
    ("consent-after-publication", STORY, "Consent_date: 2026-01-02", "Consent_date: 2026-02-01", 10,
     "Consent_date: consent (2026-02-01) is dated after the story's Date (2026-01-10). A story can only "
     "be published after the parent has agreed: check both dates against the signed consent form."),
    # --- stories: names
    ("no-pseudonym", STORY, "Pseudonym: yes", "Pseudonym: no", 5,
     "Pseudonym: the story does not say whether the parent's name has been changed. Add \"Pseudonym: "
     'yes" if you changed the name (the usual choice), or "Real_name_agreed: yes" only if the parent '
     "agreed in writing to use their real name."),
    ("pseudonym-and-real-name", STORY, "Pseudonym: yes\n", "Pseudonym: yes\nReal_name_agreed: yes\n", 6,
     "Real_name_agreed: both Pseudonym: yes and Real_name_agreed: yes are set. Keep only the one that "
     "is true: Pseudonym: yes if you changed the name, Real_name_agreed: yes if the parent agreed in "
     "writing to their real name."),
    ("flag-not-yes-or-no", STORY, "Pseudonym: yes", "Pseudonym: Y", 5,
     'Pseudonym: "Y" is not yes or no. Write Pseudonym: yes or Pseudonym: no.'),
    # --- stories: summary, service, quote
    ("summary-too-long", STORY, "Summary: Kim found", "Summary: " + "Very long words here. " * 8 + "Kim found", 4,
     "Summary: the summary is 247 characters long; the limit is 160. Shorten it to one or two short "
     "sentences: it is shown in search results and on cards, where longer text is cut off."),
    ("unknown-service", STORY, "Service: therapy-sessions", "Service: therapy", 8,
     'Service: "therapy" is not one of our services (did you mean therapy-sessions?). Use the name of a '
     "file in content/services/ without .md (services now: therapy-sessions)."),
    ("quote-empty", STORY, "Quote: I feel like his mum now.", "Quote:", 6,
     'Quote: this field is empty. Write it after "Quote:", for example "Quote: I understand my son so '
     'much better now".'),
    # --- stories: pictures
    ("alt-missing", STORY, f"![{ALT}]", "![]", 19,
     "image: the picture calm.png has no alt text. Describe what the picture shows, in a short sentence, "
     f"inside the square brackets: ![A mug of tea on a sunny windowsill]({IMG})."),
    ("alt-is-file-name", STORY, f"![{ALT}]", "![calm.png]", 19,
     'image: the alt text "calm.png" is just the file name. Describe what the picture shows, for someone '
     "who cannot see it: for example ![A mug of tea on a sunny windowsill](...)."),
    ("alt-is-generic", STORY, f"![{ALT}]", "![Photo]", 19,
     'image: the alt text "Photo" does not say what the picture shows. Describe it, for someone who '
     "cannot see it: for example ![A mug of tea on a sunny windowsill](...)."),
    ("image-missing", STORY, IMG, "{static}/images/calmm.png", 19,
     "image: there is no picture content/images/calmm.png (did you mean calm.png?). Check the spelling "
     "of the file name (capital letters count), or add the picture to content/images/."),
    ("image-on-another-site", STORY, IMG, "https://images.example.com/calm.png", 19,
     "image: the picture https://images.example.com/calm.png is on another website. Add the picture to "
     "content/images/ and use ![...]({static}/images/calm.png): the site never loads files from other websites."),
    # --- code in the text
    ("script", STORY, "Kim is not her real name.", "Kim is not her real name.\n\n<script>alert(1)</script>", 15,
     "body: <script> is not allowed in the text (it runs code on visitors' phones and computers). Delete "
     "it. To show a video, map or form, ask a developer to add it to the site's templates."),
    ("iframe", STORY, "Kim is not her real name.", 'Kim is not her real name.\n\n<iframe src="https://x.test/"></iframe>', 15,
     "body: <iframe> is not allowed in the text (it shows another website inside ours, which can track "
     "visitors). Delete it. To show a video, map or form, ask a developer to add it to the site's templates."),
    ("embed", STORY, "Kim is not her real name.", 'Kim is not her real name.\n\n<embed src="x.swf">', 15,
     "body: <embed> is not allowed in the text (it loads a plug-in or another website inside ours). Delete "
     "it. To show a video, map or form, ask a developer to add it to the site's templates."),
    ("event-handler", STORY, "Kim is not her real name.",
     'Kim is not her real name.\n\n<p onmouseover="steal()">Hello</p>', 15,
     'body: onmouseover= is not allowed in the text (it runs code when someone uses the page). Delete '
     'onmouseover="..." from the tag.'),
    ("javascript-link", STORY, "Kim is not her real name.", "Kim is not her real name. [Hi](javascript:alert(1))", 13,
     "body: a link starting with javascript: is not allowed (it can run code or hide what it contains). "
     "Link to a page with https:// or {filename}, or delete the link."),
    # --- news
    ("topic-missing", NEWS, "Topic: Funding\n", "", 1,
     'Topic: this field is missing. Add the line "Topic: Our work" at the top of the file, before the '
     "first blank line."),
    ("topic-unknown", NEWS, "Topic: Funding", "Topic: Fundraising", 5,
     'Topic: "Fundraising" is not a news topic. Use one of: Funding, Our work, Events.'),
    ("topic-case", NEWS, "Topic: Funding", "Topic: funding", 5,
     'Topic: "funding" is not a news topic. Write Topic: Funding.'),
    ("funder-unknown", NEWS, "Funders: didcot-powerhouse-fund", "Funders: didcot-powerhouse", 6,
     'Funders: "didcot-powerhouse" is not in content/data/funders.yml (did you mean '
     "didcot-powerhouse-fund?). Use a key from that file (didcot-powerhouse-fund, national-lottery), "
     "separated by commas, or ask for the funder to be added there first."),
    ("news-date-missing", NEWS, "Date: 2026-02-01\n", "", 1,
     'Date: this field is missing. Add the line "Date: 2025-05-14" at the top of the file, before the '
     "first blank line."),
    # --- every file: front matter
    ("future-date", NEWS, "Date: 2026-02-01", "Date: 2026-09-01", 2,
     'Date: 2026-09-01 is in the future, so it would be published early. Add the line "Scheduled: yes" '
     "to publish it on that date, or correct the date."),
    ("stray-line", STORY, "Consent_date: 2026-01-02", "Consent date: 2026-01-02", 10,
     'front matter: "Consent date: 2026-01-02" is not a "Field: value" line, so the fields stop here and '
     "this line and everything after it would show on the page as text. Write the field name with no "
     "spaces (for example Consent_date: 2025-04-30), or put a blank line before the story text."),
    ("misspelt-field", STORY, "Summary:", "Sumary:", 4,
     'Summary: this field is missing (line 4 has "Sumary:" - is it misspelt?). Add the line "Summary: '
     'One or two short sentences about the story" at the top of the file, before the first blank line.'),
    ("field-twice", STORY, "Example: true\n", "Example: true\nQuote: Another quote\n", 12,
     "Quote: this field is written twice (lines 6 and 12). Keep one and delete the other."),
    ("slug-format", NEWS, "Slug: good-news", "Slug: Good News!", 3,
     'Slug: "Good News!" can only use small letters, numbers and hyphens. Write it like good-news.'),
    ("status-unknown", NEWS, "Topic: Funding", "Status: publish\nTopic: Funding", 5,
     'Status: "publish" is not a status. Write Status: draft to keep it as a private preview, or delete '
     "the Status line to publish it."),
    ("order-not-a-number", "services/therapy-sessions.md", "Order: 1", "Order: first", 7,
     'Order: "first" is not a whole number. Write a number, for example Order: 2.'),
    ("slug-used-twice", NEWS, "Slug: good-news", "Slug: good-story", 3,
     'Slug: the slug "good-story" is also used by content/news/good-news.md. Give this file a different '
     "Slug (small letters, numbers and hyphens)."),
    # --- links
    ("filename-link-broken", STORY, "{filename}/pages/get-support.md", "{filename}/pages/get-suport.md", 23,
     "body: the link to {filename}/pages/get-suport.md goes nowhere: there is no file "
     "content/pages/get-suport.md (did you mean pages/get-support.md?). Check the file name, for example "
     "{filename}/pages/get-support.md."),
    ("site-link-broken", STORY, "{filename}/pages/get-support.md", "/get-suport/", 23,
     "body: the link to /get-suport/ goes to a page that does not exist (did you mean /get-support/?). "
     "Link to the Markdown file instead, for example [get support]({filename}/pages/get-support.md): the "
     "build then checks the page exists."),
    ("site-link-no-slash", STORY, "{filename}/pages/get-support.md", "/get-support", 23,
     "body: the link to /get-support needs a / at the end. Write /get-support/ (or better, link with "
     "{filename} to the Markdown file)."),
    ("external-host", "pages/get-support.md", "https://www.nhs.uk/", "https://www.example.org/help", 7,
     "body: the link to https://www.example.org/help goes to www.example.org, which is not on the list "
     "of sites we link to. Check it is a site we trust, then ask a developer to add it to "
     "EXTERNAL_LINK_HOSTS in pelicanconf.py; or remove the link."),
    ("insecure-link", "pages/get-support.md", "https://www.nhs.uk/", "http://www.nhs.uk/", 7,
     "body: the link to http://www.nhs.uk/ is not secure (http). Write https://www.nhs.uk/."),
    ("filename-for-picture", NEWS, "{filename}/stories/good-story.md", "{filename}/images/calm.png", 9,
     "body: the link {filename}/images/calm.png uses {filename} for a file that is not a page. Write "
     "{static}/images/calm.png instead."),
]


def test_the_fixture_site_has_no_problems(tmp_path):
    assert check(make_site(tmp_path)) == []


@pytest.mark.parametrize("relative,old,new,line,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_check_prints_file_line_field_problem_and_fix(tmp_path, relative, old, new, line, expected):
    content = make_site(tmp_path)
    edit(content, relative, old, new)
    if "slug-used-twice" in expected or "is also used by" in expected:
        relative = "stories/good-story.md"
    problems = check(content)
    assert f"{where(content, relative, line)} {expected}" in problems, "\n".join(problems)


def test_code_in_backticks_is_shown_not_run_so_it_is_allowed(tmp_path):
    content = make_site(tmp_path)
    edit(content, STORY, "Kim is not her real name.", "Kim is not her real name. Type `<script>` to see.")
    assert check(content) == []


def test_a_link_to_a_draft_would_break_when_published(tmp_path):
    content = make_site(tmp_path)
    edit(content, "pages/get-support.md", "Summary:", "Status: draft\nSummary:")
    assert (f"{where(content, STORY, 23)} body: the link to {{filename}}/pages/get-support.md goes to a draft, "
            "which is not published, so the link would be broken on the live site. Publish that page first, "
            "or remove the link.") in check(content)


def test_a_scheduled_future_post_is_allowed(tmp_path):
    content = make_site(tmp_path)
    edit(content, NEWS, "Date: 2026-02-01", "Date: 2026-09-01\nScheduled: yes")
    assert check(content) == []


def test_a_picture_over_the_size_limit(tmp_path):
    content = make_site(tmp_path)
    problems = check(content, IMAGE_MAX_BYTES=500)
    image = content / "images" / "calm.png"
    assert image.stat().st_size > 500
    assert (f"{where(content, STORY, 19)} image: content/images/calm.png is 1 KB; the limit is 1 KB. Save a "
            "smaller copy (2000 pixels wide is plenty; the site makes the phone sizes itself) and use that."
            ) in problems
    assert (f"{where(content, 'images/calm.png', 1)} file: content/images/calm.png is 1 KB; the limit is 1 KB. "
            "Save a smaller copy (2000 pixels wide is plenty; the site makes the phone sizes itself) and use "
            "that.") in problems


def test_readability_over_the_limit_points_at_the_longest_sentence(tmp_path):
    content = make_site(tmp_path)
    hard = ("Notwithstanding considerable organisational complexities, multidisciplinary collaboration "
            "between perinatal professionals facilitates comprehensive therapeutic interventions. ") * 8
    edit(content, NEWS, "We have good news.", hard + "\n\nWe have good news.")
    problems = [p for p in check(content) if "reading grade" in p]
    assert len(problems) == 1
    assert problems[0].startswith(f"{where(content, NEWS, 9)} body: the reading grade is ")
    assert "above our limit of 6 (by " in problems[0]
    assert problems[0].endswith('start with the sentence on this line: "Notwithstanding considerable '
                                'organisational complexities, multidisc...".')


def test_make_check_exits_1_and_prints_each_problem(tmp_path):
    content = make_site(tmp_path)
    edit(content, STORY, "Pseudonym: yes", "Pseudonym: maybe")
    run = lambda: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "content_checks.run", "--path", str(content),
         "--set", f'DATA_PATH="{content / "data"}"', "--set", 'CONTENT_CHECK_NOW="2026-06-01"',
         "--set", "READABILITY_REPORT=null", "--set", f"PLUGINS={json.dumps(CHECK_PLUGINS)}"],
        cwd=ROOT, env={"PYTHONPATH": str(ROOT / "plugins"), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=60)
    failed = run()
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert '5: Pseudonym: "maybe" is not yes or no. Write Pseudonym: yes or Pseudonym: no.' in failed.stdout
    assert "problems in 1 file (listed above, each with how to fix it)" in failed.stdout
    edit(content, STORY, "Pseudonym: maybe", "Pseudonym: yes")
    passed = run()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "No problems found. Checked 4 files" in passed.stdout
    assert "Reading grades (Flesch-Kincaid; our limit is 6" in passed.stdout


def test_a_javascript_link_is_reported_once(tmp_path):
    content = make_site(tmp_path)
    edit(content, STORY, "Kim is not her real name.", "Kim is not her real name. [Hi](javascript:alert(1))")
    assert len([p for p in check(content) if "javascript" in p]) == 1
