"""No content mistake ends a build in a traceback (issue 10, item 7).

Each case below is one broken file a volunteer could really make. For each:
- `make check` names it as ``path:line: field: what is wrong. How to fix it.`` (checked
  alone, in-process, one case at a time);
- all of them together in one site: `make html` still builds the preview (exit 0) and
  lists every one; `make publish` stops before writing anything (exit 1) and lists every
  one; `make check` exits 1 and lists every one; and none of the three prints a traceback.
The commands are the Makefile's own (pelican with pelicanconf.py, with publishconf.py and
--fatal errors, and content_checks.run).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from content_testkit import ROOT, check, edit, make_site, where
from site_testkit import run_pelican, site_settings

STORY, NEWS, PAGE = "stories/good-story.md", "news/good-news.md", "pages/get-support.md"
MAKE_CHECK_PLUGINS = site_settings()["PLUGINS"]  # `make check` loads every plugin, as a build does


def _add(content, relative, text):
    path = content / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.write_bytes if isinstance(text, bytes) else lambda t: path.write_text(t, encoding="utf-8"))(text)


def _news(content, slug, title="Other news"):
    text = (content / NEWS).read_text(encoding="utf-8")
    return text.replace("Slug: good-news", f"Slug: {slug}").replace("Title: Good news for families", f"Title: {title}")


def _page(content, name, fields="", body="Some text."):
    """A new page of its own, so that each mistake sits on a line of its own."""
    _add(content, f"pages/{name}.md", f"Title: {name.capitalize()}\nSlug: {name}\n{fields}Summary: A page.\n\n{body}\n")


# (id, make the mistake, file, line, the start of what is printed after "path:line: ")
CASES = [
    ("two-news-posts-one-slug", lambda c: _add(c, "news/other-news.md", _news(c, "good-news")),
     "news/other-news.md", 3, 'Slug: the slug "good-news" is also used by content/news/good-news.md.'),
    ("field-without-colon", lambda c: edit(c, PAGE, "Summary: ", "Summary "),
     PAGE, 3, 'front matter: "Summary Who can get help and how to ask for it." is not a "Field: value" line'),
    ("unknown-template", lambda c: _page(c, "tpl", "Template: no-such-template\n"),
     "pages/tpl.md", 3, 'Template: "no-such-template" is not one of the site\'s page templates.'),
    ("date-not-year-month-day", lambda c: edit(c, NEWS, "Date: 2026-02-01", "Date: 31/02/2026"),
     NEWS, 2, 'Date: "31/02/2026" is not a date in the form YYYY-MM-DD.'),
    ("missing-picture", lambda c: edit(c, STORY, "calm.png", "calmm.png"),
     STORY, 19, "image: there is no picture content/images/calmm.png (did you mean calm.png?)."),
    ("page-slug-is-a-section", lambda c: _page(c, "stories"),
     "pages/stories.md", 2, 'Slug: the slug "stories" is the name of a section of the site (the stories list).'),
    ("page-in-the-search-index-folder", lambda c: _page(c, "pagefind"),
     "pages/pagefind.md", 2, "Slug: the address /pagefind/ is already in a folder the build makes itself (the search index)."),
    ("save-as-takes-another-page", lambda c: _page(c, "takeover", "Save_as: get-support/index.html\n"),
     "pages/takeover.md", 3, "Save_as: the address /get-support/ is already used by content/pages/get-support.md."),
    ("save-as-outside-the-site", lambda c: _page(c, "escape", "Save_as: ../../escape.html\n"),
     "pages/escape.md", 3, 'Save_as: "../../escape.html" would put the page outside the website.'),
    ("bad-yaml-in-data", lambda c: _add(c, "data/impact.yml", 'bond_improved:\n  value: "91%\n  text: [oops\n'),
     "data/impact.yml", 4, "data: this data file is not valid YAML"),
    ("data-entry-missing-a-field", lambda c: edit(c, "data/funders.yml", "  name: Didcot Powerhouse Fund\n", ""),
     "data/funders.yml", 9, "didcot-powerhouse-fund: this entry has no name."),
    ("unknown-impact-key", lambda c: _page(c, "figures", body="Text.\n\nWe helped {impact:no_such_key} families."),
     "pages/figures.md", 7, "body: {impact:no_such_key} is not a known figure."),
    ("empty-file", lambda c: _add(c, "news/empty.md", ""),
     "news/empty.md", 1, "Title: this field is missing."),
    ("binary-file", lambda c: _add(c, "news/photo.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))),
     "news/photo.md", 1, "file: this is not a text file"),
    ("wrong-encoding", lambda c: _add(c, "news/latin.md", _news(c, "latin", "Caf\u00e9 news").encode("latin-1")),
     "news/latin.md", 1, "file: this file is not saved as UTF-8 text (byte 0xE9 on line 1 cannot be read)."),
    ("category-line", lambda c: edit(c, NEWS, "Topic: Funding", "Topic: Funding\nCategory: Events"),
     NEWS, 6, 'Category: "Events" is not used: the folder a file is in decides its section (this one is in news).'),
    ("page-outside-the-section-folders", lambda c: _add(c, "notes.md", "Title: Notes\nSummary: Notes.\n\nNotes.\n"),
     "notes.md", 1, "file: this file is not in one of the folders pages are made from, so it is not published."),
    ("word-document-in-stories", lambda c: _add(c, "stories/jo.docx", b"PK\x03\x04 a word document"),
     "stories/jo.docx", 1, "file: a .docx is not a page, so it is not published."),
    ("unknown-callout", lambda c: _page(c, "callout", body='Text.\n\n!!! care-whenever "Call us"\n    Text.'),
     "pages/callout.md", 7, "body: '!!! care-whenever' is not a known callout."),
    ("damaged-picture", lambda c: (_add(c, "images/broken.png", b"this is not a picture"),
                                   _page(c, "pictures", body="![A drawing of a tree]({static}/images/broken.png)")),
     "pages/pictures.md", 5, "image: content/images/broken.png is not a picture that can be opened"),
    ("another-language", lambda c: _page(c, "cymraeg", "Lang: cy\n"),
     "pages/cymraeg.md", 3, 'Lang: "cy" is not the site\'s language'),
    ("bad-yaml-in-times", lambda c: (_add(c, "data/times.yml", "checked: 2026-05-01\nreply_time:3 working days\n"
                                                               "  value: 2 working days\n"),
                                     _page(c, "received", "Template: referral_received\nStatus: hidden\n",
                                           body="We reply within {times:reply_time}.")),
     "data/times.yml", 3, "data: this data file is not valid YAML"),
    ("redirect-not-under-redirects", lambda c: _add(c, "data/redirects.yml", "/old-page/: /get-support/\n"),
     "data/redirects.yml", 1, "redirects: the address /old-page/ is not under the line 'redirects:'"),
    ("unknown-time-zone", lambda c: _add(c, "news/tz.md", "Timezone: Mars/Phobos\n" + _news(c, "tz")),
     "news/tz.md", 1, 'Timezone: "Mars/Phobos" is not a time zone.'),
]
IDS = [case[0] for case in CASES]


def _expected(content, relative, line, start):
    return f"{where(content, relative, line)} {start}"


@pytest.mark.parametrize("mistake,relative,line,start", [c[1:] for c in CASES], ids=IDS)
def test_make_check_names_the_file_line_field_and_fix(tmp_path, mistake, relative, line, start):
    content = make_site(tmp_path)
    mistake(content)
    problems = check(content, PLUGINS=MAKE_CHECK_PLUGINS)
    wanted = _expected(content, relative, line, start)
    assert any(p.startswith(wanted) for p in problems), f"wanted {wanted!r}; got:\n" + "\n".join(problems)


def test_two_news_posts_with_one_slug_still_build_a_preview(tmp_path):
    """The issue's own input: `make html` used to stop with a traceback."""
    content = make_site(tmp_path)
    _add(content, "news/other-news.md", _news(content, "good-news"))
    result = run_pelican(content, tmp_path / "output")
    assert result.returncode == 0 and "Traceback" not in result.log, result.log[-3000:]
    assert f"{os.path.relpath(content / 'news/other-news.md', ROOT)}:3: Slug: the slug" in result.log


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    """One site with every mistake above, built for preview and for publishing, and checked."""
    root = tmp_path_factory.mktemp("every-mistake")
    content = make_site(root)
    for _, mistake, *_ in CASES:
        mistake(content)
    check_run = subprocess.run(
        [sys.executable, "-m", "content_checks.run", "--settings", "pelicanconf.py", "--path", str(content),
         "--set", 'CONTENT_CHECK_NOW="2026-06-01"'],
        cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT / "plugins")), capture_output=True, text=True, timeout=120)
    check_run.log = check_run.stdout + check_run.stderr
    return {
        "content": content,
        "html": run_pelican(content, root / "html"),
        "publish": run_pelican(content, root / "publish", "--fatal", "errors", settings="publishconf.py"),
        "check": check_run,
        "publish_output": root / "publish",
    }


@pytest.mark.parametrize("command,status", [("html", 0), ("publish", 1), ("check", 1)])
def test_every_mistake_at_once_is_listed_and_no_command_prints_a_traceback(broken, command, status):
    result = broken[command]
    log = result.log
    assert "Traceback" not in log and "The build stopped" not in log, log[-4000:]
    assert result.returncode == status, f"make {command} exited {result.returncode}:\n{log[-4000:]}"
    missing = []
    for name, _, relative, line, start in CASES:
        relative_path = os.path.relpath(broken["content"] / relative, ROOT)
        if f"{relative_path}:{line}: {start}" not in log:
            missing.append(f"{name}: {relative_path}:{line}: {start}")
    assert not missing, "not listed:\n" + "\n".join(missing) + "\n--- output ---\n" + log[-6000:]


def test_publishing_with_mistakes_writes_nothing(broken):
    out = broken["publish_output"]
    assert not out.exists() or not any(out.iterdir()), f"make publish wrote {sorted(p.name for p in out.iterdir())}"


def test_the_preview_still_shows_the_good_pages_and_leaves_out_the_clashing_ones(broken):
    """`make html` goes on: the good pages are built, a file that clashes with another's address
    is left out instead of overwriting it (or stopping the build)."""
    html = broken["html"]
    out = html.args[html.args.index("-o") + 1]
    from pathlib import Path

    out = Path(out)
    assert "Good news for families" in (out / "news" / "good-news" / "index.html").read_text(encoding="utf-8")
    support = (out / "get-support" / "index.html").read_text(encoding="utf-8")
    assert "<h1" in support and "Get support" in support, "the real page keeps its address"
    assert not (out / "pagefind" / "index.html").exists()
