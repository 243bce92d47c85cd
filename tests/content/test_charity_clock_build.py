"""The build's "today" is the charity's date (TIMEZONE in pelicanconf.py), never the machine's.

Each command runs as a volunteer runs it, in its own process, under libfaketime
(tests/fake_clock.py) on a machine whose zone is UTC, on both sides of midnight in Britain
and across the clock changes: the content checks that compare a Date with today (`make
check`), a post scheduled for a date (`make html`), and the date `make new-story` writes.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from content_testkit import ROOT, make_site

from fake_clock import FakeClock, utc

NEWS = "Title: Open day\nDate: {date}\n{extra}Slug: open-day\nSummary: Come and meet us.\nTopic: Events\n\nCome and meet us at our open day.\n"


def run(clock: FakeClock, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **clock.env, "PYTHONPATH": str(ROOT / "plugins"), "NO_COLOR": "1"}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(
    "moment, date, future",
    [
        ("2026-07-15 22:30", "2026-07-16", True),  # 23:30 BST on the 15th
        ("2026-07-15 23:30", "2026-07-16", False),  # 00:30 BST on the 16th: today, not the future
        ("2026-07-15 23:30", "2026-07-16 00:45", True),
        ("2026-07-15 23:30", "2026-07-16 00:15", False),
        ("2026-03-28 23:30", "2026-03-29", True),  # 23:30 GMT
        ("2026-03-29 23:30", "2026-03-30", False),  # 00:30 BST, after the clocks went forward
        ("2026-10-24 23:30", "2026-10-25", False),  # 00:30 BST, the night the clocks go back
        ("2026-10-25 23:30", "2026-10-26", True),  # 23:30 GMT
    ],
)
def test_make_check_compares_dates_with_the_charitys_today(tmp_path, moment, date, future):
    content = make_site(tmp_path)
    (content / "news" / "open-day.md").write_text(NEWS.format(date=date, extra=""), encoding="utf-8")
    proc = run(FakeClock(tmp_path, utc(moment)), "-m", "content_checks.run", "--path", str(content),
               "--set", "READABILITY_REPORT=null")
    said_future = any("open-day.md" in line and "is in the future, so it would be published early" in line
                      for line in proc.stdout.splitlines())
    assert said_future == future, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "Traceback" not in proc.stdout + proc.stderr


def test_a_scheduled_post_is_published_by_the_first_build_of_its_day_in_britain(tmp_path):
    content = make_site(tmp_path)
    (content / "news" / "open-day.md").write_text(NEWS.format(date="2026-07-16", extra="Scheduled: yes\n"),
                                                 encoding="utf-8")
    clock = FakeClock(tmp_path, utc("2026-07-15 22:30"))  # 23:30 BST: still tomorrow
    build = ("-m", "pelican", str(content), "-s", "pelicanconf.py", "--log-handler", "plain", "-o")
    before = run(clock, *build, str(tmp_path / "before"))
    assert before.returncode == 0, before.stdout[-3000:] + before.stderr[-3000:]
    assert (tmp_path / "before" / "drafts" / "news" / "open-day" / "index.html").is_file()
    assert not (tmp_path / "before" / "news" / "open-day").exists()
    clock.set(utc("2026-07-15 23:30"))  # 00:30 BST on the 16th
    after = run(clock, *build, str(tmp_path / "after"))
    assert after.returncode == 0, after.stdout[-3000:] + after.stderr[-3000:]
    assert (tmp_path / "after" / "news" / "open-day" / "index.html").is_file()
    assert not (tmp_path / "after" / "drafts").exists()


@pytest.mark.parametrize("moment, written", [("2026-07-15 23:30", "2026-07-16"), ("2026-07-15 22:30", "2026-07-15"),
                                             ("2026-10-24 23:30", "2026-10-25")])
def test_new_story_is_dated_the_charitys_today(tmp_path, moment, written):
    (tmp_path / "content" / "services").mkdir(parents=True)
    proc = run(FakeClock(tmp_path, utc(moment)), "scripts/new_story.py", "--title", "Sam's story",
               "--content", str(tmp_path / "content"))
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "content" / "stories" / "sams-story.md").read_text(encoding="utf-8")
    assert f"Date: {written}\n" in text, text[:400]
