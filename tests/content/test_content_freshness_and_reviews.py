"""Facts kept up to date: the reply and waiting times' "checked" date, and page reviews.

- content/data/times.yml says when its times were checked: a build warns after
  DATA_CHECKED_WARN_DAYS (31) and `make publish` stops after DATA_CHECKED_STOP_DAYS (90).
- Pages and services carry Reviewed / Next_review: shown at the foot of the page, an
  overdue review warns in every build, and `make check` lists reviews due within 30 days.

"Today" is fixed (CONTENT_CHECK_NOW) so no test depends on the real date, and is the
charity's day (Europe/London), never the machine's.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest
from content_testkit import CHECK_PLUGINS, NOW, ROOT, check, edit, make_site, where
from site_testkit import run_pelican

from page_reviews.reviews import Review, due_label
from site_data import freshness

TODAY = dt.date.fromisoformat(NOW)
PAGE = "pages/get-support.md"
SERVICE = "services/therapy-sessions.md"
PLUGINS = CHECK_PLUGINS + ["page_reviews"]


def write_times(content, checked: str) -> str:
    """A times.yml like the real one, checked on the given day; returns its relative path."""
    (content / "data" / "times.yml").write_text(
        "# Reply and waiting times.\n"
        "example: true\n"
        f"checked: {checked}\n"
        "reply_time:\n  value: 2 working days\n"
        "waiting_time:\n  value: about 6 weeks\n",
        encoding="utf-8",
    )
    return "data/times.yml"


def days_ago(days: int) -> str:
    return (TODAY - dt.timedelta(days=days)).isoformat()


# ------------------------------------------------------------- the times' checked date


@pytest.mark.parametrize("age,expected", [(0, None), (31, None), (32, "notice"), (90, "notice"), (91, "problem")])
def test_the_checked_date_warns_after_31_days_and_stops_after_90(tmp_path, age, expected):
    path = tmp_path / "times.yml"
    path.write_text(f"checked: {days_ago(age)}\n", encoding="utf-8")
    found = freshness.check_checked(path, TODAY - dt.timedelta(days=age), TODAY)
    assert (None if found is None else "problem" if found.stops else "notice") == expected


@pytest.mark.parametrize("value,message", [
    ("", "this field is empty"),
    ('"30/11/2026"', '"30/11/2026" is not a date in the form YYYY-MM-DD'),
    ("2026-07-01", "2026-07-01 is in the future"),
])
def test_a_checked_date_that_is_not_a_past_date_is_a_problem(tmp_path, value, message):
    content = make_site(tmp_path)
    times = write_times(content, value)
    found = check(content)
    assert any(p.startswith(f"{where(content, times, 3)} checked: {message}. ") for p in found), "\n".join(found)


def test_times_yml_without_a_checked_date_is_a_problem(tmp_path):
    content = make_site(tmp_path)
    times = write_times(content, "2026-05-30")
    edit(content, times, "checked: 2026-05-30\n", "")
    assert (f"{where(content, times, 1)} checked: this field is missing. Add the line checked: with the day "
            f"these figures were last checked, for example checked: {NOW}.") in check(content)


def publish(content, output):
    """`make publish` on a fixture site: publishconf.py, strict checks, --fatal errors."""
    return run_pelican(content, output, "--fatal", "errors", "-e", f'CONTENT_CHECK_NOW="{NOW}"',
                       settings="publishconf.py", timeout=240)


def test_times_checked_40_days_ago_warn_and_publishing_goes_on(tmp_path):
    content = make_site(tmp_path)
    times = write_times(content, days_ago(40))
    result = publish(content, tmp_path / "out")
    assert result.returncode == 0, result.log[-3000:]
    message = (f"{where(content, times, 3)} checked: these figures were last checked on {days_ago(40)}, "
               "40 days ago (more than 31); publishing stops after 90 days. Ask the intake team for the "
               "current figures, update them if they have changed, and set checked: to the day you "
               f"checked them, for example today: checked: {NOW}.")
    assert message in result.log
    assert "1 thing to see to soon (publishing goes on):" in result.log
    assert (tmp_path / "out" / "get-support" / "index.html").is_file()


def test_times_checked_100_days_ago_stop_make_publish_with_file_line_and_field(tmp_path):
    content = make_site(tmp_path)
    times = write_times(content, days_ago(100))
    result = publish(content, tmp_path / "out")
    assert result.returncode == 1
    message = (f"{where(content, times, 3)} checked: these figures were last checked on {days_ago(100)}, "
               "100 days ago; after 90 days the site is not published, so that no parent is told an old "
               "time. Ask the intake team for the current figures, update them, and set checked: to the "
               f"day you checked them, for example today: checked: {NOW}.")
    assert f"  {message}" in result.stderr.splitlines()
    assert "Nothing was published" in result.stderr
    assert "Traceback" not in result.log
    assert not (tmp_path / "out" / "get-support" / "index.html").exists()


def test_the_limits_are_settings(tmp_path):
    content = make_site(tmp_path)
    write_times(content, days_ago(10))
    assert check(content) == []
    assert any("10 days ago" in p for p in check(content, DATA_CHECKED_STOP_DAYS=7))


def test_today_is_the_charitys_day_not_the_machines(monkeypatch):
    """23:30 UTC on 30 June 2026 is already 1 July in London (summer time)."""
    monkeypatch.setattr(freshness, "utc_now", lambda: dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.timezone.utc))
    assert freshness.site_today({"TIMEZONE": "Europe/London"}) == dt.date(2026, 7, 1)
    assert freshness.site_today({"TIMEZONE": "UTC"}) == dt.date(2026, 6, 30)
    assert freshness.site_today({"TIMEZONE": "Europe/London", "CONTENT_CHECK_NOW": "2026-01-05"}) == dt.date(2026, 1, 5)


def test_times_are_typed_once_and_shown_as_words(tmp_path):
    from site_data.data import replace_tokens

    data = {"times": {"checked": dt.date(2026, 11, 3), "waiting_time": {"value": "about 6 weeks"}}}
    text = replace_tokens("Most wait {times:waiting_time} (checked on {times:checked}).", data, pytest.fail)
    assert text == "Most wait about 6 weeks (checked on 3 November 2026)."


# ----------------------------------------------------------------------- page reviews


def test_review_dates_are_required_on_pages_and_services(tmp_path):
    content = make_site(tmp_path)
    edit(content, SERVICE, "Reviewed: 2026-05-01\nNext_review: 2027-05-01\n", "")
    found = check(content, PLUGINS=PLUGINS)
    assert (f'{where(content, SERVICE, 1)} Reviewed: this field is missing. Add the line "Reviewed: {NOW}" '
            "(the day someone last read the page through and checked its facts) at the top of the file, "
            "before the first blank line.") in found
    assert (f'{where(content, SERVICE, 1)} Next_review: this field is missing. Add the line "Next_review: '
            '2027-06-01" (when the page should next be checked, for example in a year) at the top of the '
            "file, before the first blank line.") in found
    assert check(content, PLUGINS=PLUGINS, REVIEW_SKIP=[SERVICE]) == []


@pytest.mark.parametrize("old,new,line,expected", [
    ("Reviewed: 2026-05-01", "Reviewed: 2026-07-01", 4,
     "Reviewed: 2026-07-01 is in the future. Write the day the page was last checked, no later than today (2026-06-01)."),
    ("Next_review: 2027-05-01", "Next_review: 2026-04-01", 5,
     "Next_review: 2026-04-01 is not after Reviewed (2026-05-01). Write the day the page should next be "
     "checked, after the day it was reviewed."),
    ("Next_review: 2027-05-01", "Next_review: 1/5/2027", 5,
     'Next_review: "1/5/2027" is not a date in the form YYYY-MM-DD. Write the date as year-month-day with '
     "hyphens, for example 2025-04-30."),
])
def test_review_dates_that_make_no_sense(tmp_path, old, new, line, expected):
    content = make_site(tmp_path)
    edit(content, PAGE, old, new)
    found = check(content, PLUGINS=PLUGINS)
    assert f"{where(content, PAGE, line)} {expected}" in found, "\n".join(found)


def make_check(content):
    return subprocess.run(
        [sys.executable, "-m", "content_checks.run", "--path", str(content),
         "--set", f'DATA_PATH="{content / "data"}"', "--set", f'CONTENT_CHECK_NOW="{NOW}"',
         "--set", "READABILITY_REPORT=null", "--set", f"PLUGINS={json.dumps(PLUGINS)}"],
        cwd=ROOT, env={"PYTHONPATH": str(ROOT / "plugins") + ":" + str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=60)


def test_make_check_lists_overdue_and_soon_due_reviews_and_they_do_not_fail_it(tmp_path):
    content = make_site(tmp_path)
    edit(content, PAGE, "Next_review: 2027-05-01", "Next_review: 2026-05-20")  # 12 days overdue
    edit(content, SERVICE, "Next_review: 2027-05-01", "Next_review: 2026-06-20")  # due in 19 days
    run = make_check(content)
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout.splitlines()
    heading = out.index("Page reviews due in the next 30 days or overdue (today is 1 June 2026)")
    assert out[heading + 1].split() == ["page", "next", "review", "status"]
    assert out[heading + 2].split() == ["pages/get-support.md", "2026-05-20", "OVERDUE", "by", "12", "days"]
    assert out[heading + 3].split() == ["services/therapy-sessions.md", "2026-06-20", "due", "in", "19", "days"]
    assert out[heading + 4].startswith("2 pages to review")
    overdue = (f"{where(content, PAGE, 5)} Next_review: this page was due to be reviewed on 2026-05-20 "
               "(12 days ago). Read it through and check each fact with the team; then set Reviewed: to the "
               "day you checked it and Next_review: to the day it should next be checked (for example a "
               "year later).")
    assert overdue in out, "the overdue page is named with its file, line and field"
    assert f"  {overdue}" in out[out.index("1 thing to see to soon (publishing goes on):"):]
    assert "No problems found." in run.stdout


def test_make_check_says_when_no_review_is_due(tmp_path):
    run = make_check(make_site(tmp_path))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Page reviews due in the next 30 days or overdue (today is 1 June 2026): none." in run.stdout


def test_an_overdue_review_warns_in_a_build_but_does_not_stop_publishing(tmp_path):
    content = make_site(tmp_path)
    edit(content, PAGE, "Next_review: 2027-05-01", "Next_review: 2026-05-31")
    result = publish(content, tmp_path / "out")
    assert result.returncode == 0, result.log[-3000:]
    assert (f"{where(content, PAGE, 5)} Next_review: this page was due to be reviewed on 2026-05-31 "
            "(1 day ago).") in result.log
    page = (tmp_path / "out" / "get-support" / "index.html").read_text(encoding="utf-8")
    assert "Page last reviewed: <time datetime=\"2026-05-01\">1 May 2026</time>" in page
    assert "Next review due: <time datetime=\"2026-05-31\">31 May 2026</time>" in page


def test_due_labels():
    review = Review(dt.date(2026, 1, 1), dt.date(2026, 6, 2))
    assert due_label(review, dt.date(2026, 6, 1)) == "due in 1 day"
    assert due_label(review, dt.date(2026, 6, 2)) == "due today"
    assert due_label(review, dt.date(2026, 6, 4)) == "OVERDUE by 2 days"
    assert review.state(dt.date(2026, 5, 3), 30) == "due" and review.state(dt.date(2026, 5, 2), 30) == "ok"
