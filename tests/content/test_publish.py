"""`make publish` either has every part of the site or stops with a message (issue 10, item 8).

The web editor (Decap CMS, from npm), site search (Pagefind, from PyPI) and the live
address the sitemap and feeds need: a production build never ships without one of them. It installs what it can (npm ci, pip, both pinned) before building;
what is still missing is a problem, named like any content problem, that stops the build.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from content_testkit import FIXTURE, ROOT
from site_testkit import run_pelican

PARTS_MISSING = ["-e", 'DECAP_DIST="/nonexistent/decap-cms/dist"']


def _fixture(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    return content


def test_make_publish_on_a_fresh_clone_installs_the_pinned_parts_before_building(tmp_path):
    """`make -n` on a copy with no .venv and no node_modules: what would `make publish` do?"""
    for name in ("Makefile", "package.json", "package-lock.json", "requirements.txt", "requirements-test.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "mk", tmp_path / "mk")
    plan = subprocess.run(["make", "-n", "publish"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert plan.returncode == 0, plan.stderr
    steps = plan.stdout.splitlines()
    first = {key: next((i for i, line in enumerate(steps) if key in line), None)
             for key in ("pip install", "npm ci", "pelican content -s publishconf.py")}
    assert None not in first.values(), f"make publish would not run all of {list(first)}:\n{plan.stdout}"
    assert first["pip install"] < first["pelican content -s publishconf.py"]
    assert first["npm ci"] < first["pelican content -s publishconf.py"]


def test_publishing_without_the_web_editor_or_search_stops_before_writing_anything(tmp_path, monkeypatch):
    content = _fixture(tmp_path)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", "/nonexistent/pagefind")  # read by the pagefind package
    result = run_pelican(content, tmp_path / "out", "--fatal", "errors", *PARTS_MISSING, settings="publishconf.py")
    assert result.returncode == 1, result.log[-3000:]
    assert "Traceback" not in result.log
    assert "package.json:9: decap-cms: the web editor (/admin/) cannot be built: Decap CMS is not installed" in result.log
    line = next(n for n, text in enumerate((ROOT / "requirements.txt").read_text().splitlines(), 1) if text.startswith("pagefind"))
    assert f"requirements.txt:{line}: pagefind: the search index (/pagefind/) cannot be made: Pagefind is not installed" in result.log
    assert "Nothing was published" in result.log
    assert not (tmp_path / "out" / "index.html").exists() and not (tmp_path / "out" / "admin").exists()


def test_a_preview_without_the_web_editor_builds_and_says_what_is_missing(tmp_path):
    content = _fixture(tmp_path)
    result = run_pelican(content, tmp_path / "out", *PARTS_MISSING)
    assert result.returncode == 0, result.log[-3000:]
    assert "decap-cms: the web editor (/admin/) cannot be built" in result.log
    assert "publishing will stop until each one is fixed" in result.log
    assert (tmp_path / "out" / "index.html").exists() or (tmp_path / "out" / "get-support").exists()
    assert not (tmp_path / "out" / "admin").exists()


def test_publishing_without_the_live_address_fails_instead_of_shipping_no_sitemap(tmp_path):
    content = _fixture(tmp_path)
    result = subprocess.run(  # run_pelican clears SITEURL; here it is set, empty
        [sys.executable, "-m", "pelican", str(content), "-s", "publishconf.py", "-o", str(tmp_path / "out"),
         "--fatal", "errors", "--log-handler", "plain"],
        cwd=ROOT, env=dict(os.environ, SITEURL="", NO_COLOR="1"), capture_output=True, text=True, timeout=300)
    log = result.stdout + result.stderr
    assert result.returncode == 1, log[-3000:]
    assert "Traceback" not in log
    assert "publishconf.py:1: SITE_CANONICAL_URL: the site's live address is not set" in log
    assert "The build failed: the site in the output folder is not complete and must not be published" in log
    assert not (tmp_path / "out" / "sitemap.xml").exists()


def test_a_story_without_consent_is_never_published_and_one_with_it_is(tmp_path):
    """Consent, both sides: the fixture story (with its consent reference and date) is
    published; the same story without a consent reference stops `make publish`, which then
    writes nothing at all."""
    content = _fixture(tmp_path)
    good = run_pelican(content, tmp_path / "with-consent", "--fatal", "errors", settings="publishconf.py")
    published = tmp_path / "with-consent" / "stories" / "good-story" / "index.html"
    assert good.returncode == 0, good.log[-3000:]
    assert published.is_file() and "Kim" in published.read_text(encoding="utf-8")

    story = content / "stories" / "good-story.md"
    story.write_text(story.read_text(encoding="utf-8").replace("Consent_reference: CONSENT-2026-001\n", ""),
                     encoding="utf-8")
    result = run_pelican(content, tmp_path / "without", "--fatal", "errors", settings="publishconf.py")
    assert result.returncode == 1 and "Traceback" not in result.log
    assert "good-story.md:1: Consent_reference: this field is missing." in result.log
    out = tmp_path / "without"
    assert not out.exists() or not any(out.iterdir()), "make publish wrote a site with a story without consent"


def test_make_publish_that_stops_leaves_the_last_site_as_it_was(tmp_path):
    """Through `make publish` itself: a build that stops does not empty output/ (the site
    being served, or the last good build), and one that succeeds replaces it whole."""
    content = _fixture(tmp_path)
    out = tmp_path / "output"
    out.mkdir()
    (out / "last-site.html").write_text("the last good site", encoding="utf-8")
    story = content / "stories" / "good-story.md"
    story.write_text(story.read_text(encoding="utf-8").replace("Consent_reference: CONSENT-2026-001\n", ""),
                     encoding="utf-8")

    def publish():
        env = dict(os.environ, NO_COLOR="1")
        env.pop("SITEURL", None)
        return subprocess.run(["make", "--no-print-directory", "publish", f"CONTENT={content}", f"OUTPUT={out}"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)

    stopped = publish()
    assert stopped.returncode != 0
    assert "Consent_reference: this field is missing." in stopped.stdout + stopped.stderr
    assert sorted(p.name for p in out.iterdir()) == ["last-site.html"]
    assert (out / "last-site.html").read_text(encoding="utf-8") == "the last good site"
    assert not (tmp_path / "output.new").exists()

    story.write_text(story.read_text(encoding="utf-8").replace("Summary:", "Consent_reference: CONSENT-2026-001\nSummary:", 1),
                     encoding="utf-8")
    done = publish()
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert (out / "stories" / "good-story" / "index.html").is_file()
    assert not (out / "last-site.html").exists(), "the new site replaces the old one whole"
    assert not (tmp_path / "output.new").exists() and not (tmp_path / "output.old").exists()
