"""Page reviews: parent-facing pages and service pages say when they were last checked.

Front matter ``Reviewed: 2026-11-26`` and ``Next_review: 2027-11-26`` (the charity's
calendar days) are shown at the foot of the page, as NHS.UK does ("Page last reviewed:
26 November 2026. Next review due: 26 November 2027";
theme/templates/components/review_dates.html). Templates get ``page.review``
(reviews.Review: ``reviewed``, ``next_review`` as dates).

- Every file in ``REVIEW_SECTIONS`` (pages, services) needs both dates, except those in
  ``REVIEW_SKIP`` (paths like "pages/404.md": pages that are not about our help).
- A page whose next review date has passed is a notice: every build warns, and publishing
  goes on (a page is not wrong because nobody has re-read it yet).
- ``make check`` ends with the list of pages due within ``REVIEW_DUE_SOON_DAYS`` (30) or
  overdue (``print_report``).

Today is the charity's (``TIMEZONE``); ``CONTENT_CHECK_NOW`` fixes it for tests.
"""

from __future__ import annotations

import os
import sys

from pelican import signals

from content_checks.frontmatter import read
from content_problems import notice, report
from site_data.data import long_date
from site_data.freshness import site_today

from .reviews import DEFAULT_DUE_SOON_DAYS, due_label, overdue_issue, read_review

DEFAULTS = {
    "REVIEW_SECTIONS": ["pages", "services"],
    "REVIEW_SKIP": [],
    "REVIEW_DUE_SOON_DAYS": DEFAULT_DUE_SOON_DAYS,
}

_state: dict = {}


def _setting(name):
    return _state["settings"].get(name, DEFAULTS[name])


def _setup(pelican) -> None:
    _state.clear()
    _state["settings"] = pelican.settings
    _state["rows"] = []


def _new_run(pelican) -> None:
    if "settings" in _state:
        _state["rows"] = []


def _review(content) -> None:
    from pelican.contents import Page

    if "settings" not in _state or not isinstance(content, Page):
        return
    settings = _state["settings"]
    source = getattr(content, "source_path", "") or ""
    relative = os.path.relpath(source, settings["PATH"]).replace(os.sep, "/")
    if relative.split("/", 1)[0] not in _setting("REVIEW_SECTIONS"):
        return
    if getattr(content, "status", "") == "draft" and not settings.get("SHOW_DRAFTS", True):
        return
    today = site_today(settings)
    src = read(source)
    review, issues = read_review(src, today, required=relative not in _setting("REVIEW_SKIP"))
    for issue in issues:
        report(issue.path, issue.field, issue.message, issue.fix, line=issue.line)
    content.review = review
    if review is None:
        return
    state = review.state(today, int(_setting("REVIEW_DUE_SOON_DAYS")))
    if state == "overdue":
        found = overdue_issue(src, review, today)
        notice(found.path, found.field, found.message, found.fix, line=found.line)
    if state != "ok":
        _state["rows"].append((relative, review))


def table() -> str:
    """The pages due for review soon or overdue, soonest first (printed by make check)."""
    if "settings" not in _state:
        return ""
    today = site_today(_state["settings"])
    soon = int(_setting("REVIEW_DUE_SOON_DAYS"))
    rows = sorted(_state.get("rows", []), key=lambda row: (row[1].next_review, row[0]))
    heading = f"Page reviews due in the next {soon} days or overdue (today is {long_date(today)})"
    if not rows:
        return f"{heading}: none.\n"
    width = max(len("page"), *(len(path) for path, _ in rows))
    lines = [heading, f"{'page'.ljust(width)}  next review  status"]
    lines += [f"{path.ljust(width)}  {review.next_review.isoformat()}   {due_label(review, today)}"
              for path, review in rows]
    lines.append(f"{len(rows)} page{'s' if len(rows) != 1 else ''} to review: read each one through, "
                 "check its facts, then update Reviewed and Next_review.")
    return "\n".join(lines) + "\n"


def print_report(stream=None) -> None:
    text = table()
    if text:
        (stream or sys.stdout).write("\n" + text)


def register() -> None:
    signals.initialized.connect(_setup)
    signals.get_generators.connect(_new_run)
    signals.content_object_init.connect(_review)
