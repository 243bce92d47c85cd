"""Pure helpers: read a page's review dates and judge them against today.

A page says when it was last checked (``Reviewed: 2026-11-26``) and when it will be
checked again (``Next_review: 2027-11-26``), as NHS.UK pages show "Page last reviewed"
and "Next review due". Dates are the charity's calendar days (YYYY-MM-DD). Nothing here
imports Pelican, so every rule can be tested on a string.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from content_checks.frontmatter import Source
from content_checks.rules import Issue, parse_date

REVIEWED, NEXT_REVIEW = "Reviewed", "Next_review"
DEFAULT_DUE_SOON_DAYS = 30


@dataclass(frozen=True)
class Review:
    """When a page was last checked and when it is next due (calendar days)."""

    reviewed: dt.date
    next_review: dt.date

    def days_left(self, today: dt.date) -> int:
        """Days until the next review; negative when it is overdue."""
        return (self.next_review - today).days

    def state(self, today: dt.date, soon_days: int = DEFAULT_DUE_SOON_DAYS) -> str:
        """"overdue", "due" (within ``soon_days``) or "ok"."""
        left = self.days_left(today)
        if left < 0:
            return "overdue"
        return "due" if left <= soon_days else "ok"


def read_review(src: Source, today: dt.date, required: bool) -> tuple[Review | None, list[Issue]]:
    """The page's Review (None if its dates are missing or unusable) and what is wrong.

    A date that is not YYYY-MM-DD is left to the content checks' own message (the fields
    are date fields there); here: missing fields, a review in the future, and a next review
    that is not after the last one."""
    reviewed_field, next_field = src.fields.get("reviewed"), src.fields.get("next_review")
    issues: list[Issue] = []
    if reviewed_field is None and next_field is None and not required:
        return None, []
    if reviewed_field is None:
        issues.append(Issue(src.path, 1, REVIEWED, "this field is missing",
                            f'Add the line "Reviewed: {today.isoformat()}" (the day someone last read the '
                            "page through and checked its facts) at the top of the file, before the first blank line"))
    if next_field is None:
        suggestion = today + dt.timedelta(days=365)
        issues.append(Issue(src.path, 1, NEXT_REVIEW, "this field is missing",
                            f'Add the line "Next_review: {suggestion.isoformat()}" (when the page should next be '
                            "checked, for example in a year) at the top of the file, before the first blank line"))
    if issues:
        return None, issues
    reviewed, next_review = parse_date(reviewed_field.value), parse_date(next_field.value)
    if reviewed is None or next_review is None:
        return None, []  # reported by the content checks: not a date in the form YYYY-MM-DD
    review = Review(reviewed.date(), next_review.date())
    if review.reviewed > today:
        issues.append(Issue(src.path, reviewed_field.line, REVIEWED, f"{reviewed_field.value} is in the future",
                            f"Write the day the page was last checked, no later than today ({today.isoformat()})"))
    if review.next_review <= review.reviewed:
        issues.append(Issue(src.path, next_field.line, NEXT_REVIEW,
                            f"{next_field.value} is not after Reviewed ({reviewed_field.value})",
                            "Write the day the page should next be checked, after the day it was reviewed"))
    return review, issues


def overdue_issue(src: Source, review: Review, today: dt.date) -> Issue:
    """The notice for a page whose next review date has passed."""
    days = -review.days_left(today)
    line = src.fields["next_review"].line
    return Issue(src.path, line, NEXT_REVIEW,
                 f"this page was due to be reviewed on {review.next_review.isoformat()} "
                 f"({days} day{'s' if days != 1 else ''} ago)",
                 "Read it through and check each fact with the team; then set Reviewed: to the day "
                 "you checked it and Next_review: to the day it should next be checked (for example a year later)")


def due_label(review: Review, today: dt.date) -> str:
    """"overdue by 3 days", "due today" or "due in 12 days", for the make check table."""
    left = review.days_left(today)
    if left < 0:
        return f"OVERDUE by {-left} day{'s' if left != -1 else ''}"
    if left == 0:
        return "due today"
    return f"due in {left} day{'s' if left != 1 else ''}"
