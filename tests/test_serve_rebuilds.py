"""What `make serve` does when a volunteer saves a file: the rebuilding process (one Pelican
object building again and again, as `pelican --autoreload` does, with the settings
scripts/serve.py gives it) writes the edited page first, checks only the files that
changed, and ends with exactly the output a fresh build makes.

The builds run in a child process (tests/serve_rebuilds_driver.py), which reports what
each build wrote and checked.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from site_testkit import ROOT, run_pelican

DRIVER = Path(__file__).with_name("serve_rebuilds_driver.py")
STORY = "stories/daniel-and-his-son.md"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def rebuilds(tmp_path_factory):
    root = tmp_path_factory.mktemp("serve")
    content = root / "content"
    shutil.copytree(ROOT / "content", content)
    steps = ["build", "build", f"edit {STORY}", "build", "add-picture images/new-picture.png", "build"]
    result = subprocess.run([sys.executable, str(DRIVER), str(content), str(root / "output"), *steps],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    fresh = run_pelican(content, root / "fresh", "-e", f'DATA_PATH="{content / "data"}"', "SEARCH_INDEX=false",
                        "BUILD_WORKERS=0")
    assert fresh.returncode == 0, fresh.log[-3000:]
    return root, report


def test_the_first_build_checks_every_file_and_writes_nothing_early(rebuilds):
    _, report = rebuilds
    first = report[0]
    assert first["checked"] == first["files"] > 20
    assert first["early"] == []


def test_a_build_with_nothing_changed_checks_nothing_again(rebuilds):
    _, report = rebuilds
    assert report[1]["checked"] == 0 and report[1]["early"] == []
    assert report[1]["problems"] == report[0]["problems"]


def test_the_edited_story_is_written_first_and_only_it_is_checked_again(rebuilds):
    _, report = rebuilds
    edited = report[2]
    assert edited["checked"] == 1
    assert edited["early"] == ["stories/daniel-and-his-son/index.html"]
    assert edited["written"][0] == "stories/daniel-and-his-son/index.html"
    assert edited["written"].count("stories/daniel-and-his-son/index.html") == 2  # again in Pelican's pass


def test_a_new_picture_has_every_file_checked_again(rebuilds):
    _, report = rebuilds
    assert report[3]["checked"] == report[3]["files"]


def test_a_remembered_check_is_done_again_once_a_date_in_the_file_has_passed(tmp_path):
    """Sophie's story is dated 2026-02-18: on 2026-01-01 that is in the future (a problem);
    a day later nothing has changed; once the date has passed, her story is checked again."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    steps = ["now 2026-01-01", "build", "now 2026-01-02", "build", "now 2026-03-01", "build"]
    result = subprocess.run([sys.executable, str(DRIVER), str(content), str(tmp_path / "output"), *steps],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    before, next_day, after = json.loads(result.stdout.strip().splitlines()[-1])
    sophie = "sophie-finding-her-voice.md"
    assert any(sophie in p and "2026-02-18 is in the future" in p for p in before["problems"])
    assert next_day["checked"] == 0
    assert [p for p in next_day["problems"] if sophie in p] == [p for p in before["problems"] if sophie in p]
    assert sophie in after["checked_files"]
    assert not any(sophie in p for p in after["problems"])


def test_an_edited_template_is_used_by_the_next_build(tmp_path):
    """Templates are compiled once and kept (plugins/template_cache): a change to one, even
    to a component every page imports, shows in the next rebuild."""
    content, theme = tmp_path / "content", tmp_path / "theme"
    shutil.copytree(ROOT / "content", content)
    shutil.copytree(ROOT / "theme", theme)
    steps = [f"theme {theme}", "build", "edit-template components/footer.html|Support links|Help and support",
             "build"]
    result = subprocess.run([sys.executable, str(DRIVER), str(content), str(tmp_path / "output"), *steps],
                            cwd=ROOT, capture_output=True, text=True, timeout=600, env=dict(
                                os.environ, OXPIP_TEMPLATE_CACHE=str(tmp_path / "jinja")))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    page = (tmp_path / "output" / "stories" / "daniel-and-his-son" / "index.html").read_text(encoding="utf-8")
    assert "Help and support" in page and "Support links" not in page
    assert list((tmp_path / "jinja").iterdir()), "compiled templates are kept"


def test_an_edited_catalogue_is_used_by_the_next_build(tmp_path):
    """The catalogues are read again only when one of their files changed (plugins/languages):
    a translator's change shows in the next rebuild."""
    content, catalogues = tmp_path / "content", tmp_path / "translations"
    shutil.copytree(ROOT / "content", content)
    shutil.copytree(ROOT / "translations", catalogues)
    steps = [f"translations {catalogues}", "build", "build",
             'edit-catalogue pl|msgstr "Zamknij tę stronę"|msgstr "Wyjdź z tej strony"', "build"]
    result = subprocess.run([sys.executable, str(DRIVER), str(content), str(tmp_path / "output"), *steps],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    page = (tmp_path / "output" / "pl" / "get-support" / "index.html").read_text(encoding="utf-8")
    assert "Wyjdź z tej strony" in page and "Zamknij tę stronę" not in page


def test_after_the_rebuilds_the_output_is_what_a_fresh_build_makes(rebuilds):
    root, _ = rebuilds
    rebuilt, fresh = _files(root / "output"), _files(root / "fresh")
    assert sorted(rebuilt) == sorted(fresh)
    assert [name for name in rebuilt if rebuilt[name] != fresh[name]] == []
